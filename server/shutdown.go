package server

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// silentGrace is how long a connection may stay open without sending a
// byte once shutdown has started. Both engines would otherwise wait 5 s
// for such a connection before they count it as idle and close it.
const silentGrace = 200 * time.Millisecond

// connSet is a net.Listener that records the connections it accepts, so
// that shutdown can close the ones that sent nothing, and at its timeout
// all of them, on either engine.
type connSet struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	// onAcceptError is called with each Accept error that Accept retries.
	onAcceptError func(err error, wait time.Duration)
}

func newConnSet(onAcceptError func(err error, wait time.Duration)) *connSet {
	return &connSet{conns: map[*trackedConn]struct{}{}, onAcceptError: onAcceptError}
}

// listen returns ln with its connections recorded in s. Call it once,
// before the engine serves.
func (s *connSet) listen(ln net.Listener) net.Listener {
	s.Listener = ln
	return s
}

// Accept returns the next connection, recorded until it is closed. It
// waits and tries again after an error that can pass, such as running out
// of file descriptors (see acceptRetrying).
func (s *connSet) Accept() (net.Conn, error) {
	c, err := acceptRetrying(s.Listener.Accept, s.onAcceptError)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, set: s, accepted: time.Now()}
	s.mu.Lock()
	s.conns[tc] = struct{}{}
	s.mu.Unlock()
	return tc, nil
}

// closeConns closes the recorded connections: all of them, or with
// silentOnly those that have sent no byte and were accepted more than
// silentGrace ago.
func (s *connSet) closeConns(silentOnly bool) {
	s.mu.Lock()
	var victims []*trackedConn
	for c := range s.conns {
		if !silentOnly || (!c.spoke.Load() && time.Since(c.accepted) > silentGrace) {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		_ = c.Close() // the engine's next read or write fails and it drops the connection
	}
}

// trackedConn is a connection of a connSet. It records whether the client
// has sent anything.
type trackedConn struct {
	net.Conn
	set      *connSet
	accepted time.Time
	spoke    atomic.Bool
	closed   sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.spoke.Load() {
		c.spoke.Store(true)
	}
	return n, err
}

// CloseWrite half-closes a TCP connection, which net/http does before it
// closes a connection after an error response, so that the response is not
// lost to a reset.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection and removes it from the set. It may run
// more than once.
func (c *trackedConn) Close() error {
	c.closed.Do(func() {
		c.set.mu.Lock()
		delete(c.set.conns, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

// shutdownEngine runs stop, an engine's graceful shutdown, with ctx. Meanwhile it
// closes every connection that has sent nothing for silentGrace, because
// no request can be in flight there. When ctx ends first, it closes every
// remaining connection and returns nil if no request was in a handler, or
// an error with their count. Either way it logs the errors the rate limit
// held back.
func shutdownEngine(ctx context.Context, conns *connSet, r *routes, stop func(context.Context) error) error {
	defer r.logSuppressed()
	done := make(chan error, 1)
	go func() { done <- stop(ctx) }()

	tick := time.NewTicker(silentGrace / 4)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			conns.closeConns(true)
			continue
		case err := <-done:
			if err == nil || ctx.Err() == nil {
				return err
			}
			running := r.inFlight.Load()
			conns.closeConns(false)
			if running == 0 {
				return nil
			}
			return fmt.Errorf("%d %s still running, cut: %w", running, plural(running, "request"), err)
		}
	}
}

// plural returns noun with an s unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
