package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/iobench/iobench/bench/stats"
)

// delayedHeader marks a response that the target delayed on purpose.
const delayedHeader = "X-Delayed"

// attackSpec is one constant-rate attack on one URL.
type attackSpec struct {
	Name       string
	URL        string
	Rate       int
	Duration   time.Duration
	Timeout    time.Duration
	MaxWorkers uint64
}

// record is the part of one vegeta result that the harness keeps in memory.
type record struct {
	Start   time.Duration // since the attack began
	Latency time.Duration
	Code    uint16
	Delayed bool // the response carried X-Delayed: true
	Failed  bool // vegeta stored an error (status 0 or >= 400)
}

// attackOutcome is everything measured by one attack.
type attackOutcome struct {
	Began       time.Time
	Metrics     vegeta.Metrics // closed; feeds vegeta's text report
	Records     []record       // in arrival order
	Groups      stats.Grouper
	Interrupted bool  // ctx ended before the attack did
	EncodeErr   error // first error writing the .bin file
}

// counters are read by the progress display while the attack runs.
type counters struct {
	done atomic.Int64
	ok   atomic.Int64
}

// attack runs spec, writes every result to bin in vegeta's gob encoding
// when bin is not nil, and returns what it measured. When ctx ends, it stops
// sending, closes every connection so that pending requests fail at once,
// and returns what arrived, marked Interrupted.
func attack(ctx context.Context, spec attackSpec, bin io.Writer, cnt *counters) *attackOutcome {
	conns := &connTracker{conns: map[net.Conn]struct{}{}}
	transport := &http.Transport{
		Proxy:               nil, // targets are on loopback; never route them through a proxy
		DialContext:         conns.DialContext,
		MaxIdleConnsPerHost: vegeta.DefaultConnections,
	}
	defer transport.CloseIdleConnections()

	opts := []func(*vegeta.Attacker){
		vegeta.Client(&http.Client{Transport: transport}),
		vegeta.Timeout(spec.Timeout),
		vegeta.KeepAlive(true),
	}
	if spec.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(spec.MaxWorkers))
	}
	attacker := vegeta.NewAttacker(opts...)
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: spec.URL})
	pacer := vegeta.Rate{Freq: spec.Rate, Per: time.Second}

	out := &attackOutcome{
		Began:   time.Now(),
		Records: make([]record, 0, int(float64(spec.Rate)*spec.Duration.Seconds())+16),
	}
	results := attacker.Attack(targeter, pacer, spec.Duration, spec.Name)

	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			attacker.Stop()
			conns.CloseAll()
		case <-stopped:
		}
	}()
	out.collect(results, bin, cnt)
	close(stopped)

	out.Interrupted = ctx.Err() != nil
	out.Metrics.Close()
	return out
}

// collect reads results until the attacker closes the channel.
func (o *attackOutcome) collect(results <-chan *vegeta.Result, bin io.Writer, cnt *counters) {
	var enc vegeta.Encoder
	if bin != nil {
		enc = vegeta.NewEncoder(bin)
	}
	for r := range results {
		o.Metrics.Add(r)
		o.Groups.Add(r.Code, r.Error)
		o.Records = append(o.Records, record{
			Start:   r.Timestamp.Sub(o.Began),
			Latency: r.Latency,
			Code:    r.Code,
			Delayed: r.Headers.Get(delayedHeader) == "true",
			Failed:  r.Error != "",
		})
		cnt.done.Add(1)
		if r.Code >= 200 && r.Code < 400 {
			cnt.ok.Add(1)
		}
		if enc != nil && o.EncodeErr == nil {
			if err := enc.Encode(r); err != nil {
				o.EncodeErr = fmt.Errorf("encode result %d: %w", r.Seq, err)
			}
		}
	}
}

// connTracker dials TCP connections and can close all of them at once,
// which makes requests in flight fail instead of waiting for -timeout.
type connTracker struct {
	dialer net.Dialer
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

var errAttackStopped = errors.New("attack stopped")

func (t *connTracker) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		_ = conn.Close()
		return nil, errAttackStopped
	}
	tc := &trackedConn{Conn: conn, tracker: t}
	t.conns[tc] = struct{}{}
	return tc, nil
}

// CloseAll closes every open connection and rejects new ones.
func (t *connTracker) CloseAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for c := range t.conns {
		_ = c.(*trackedConn).Conn.Close()
	}
	clear(t.conns)
}

type trackedConn struct {
	net.Conn
	tracker *connTracker
	once    sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.tracker.mu.Lock()
		delete(c.tracker.conns, c)
		c.tracker.mu.Unlock()
	})
	return c.Conn.Close()
}
