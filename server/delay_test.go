package server

import (
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/internal/redistest"
)

func newTestDelayer(t *testing.T, delay time.Duration, ratio float64, seed int64) *Delayer {
	t.Helper()
	d, err := NewDelayer(delay, ratio, seed)
	if err != nil {
		t.Fatalf("NewDelayer(%v, %v, %d): %v", delay, ratio, seed, err)
	}
	return d
}

// countDelayed takes n decisions from d and counts the delayed ones.
func countDelayed(d *Delayer, n int) int {
	delayed := 0
	for range n {
		if d.Next() {
			delayed++
		}
	}
	return delayed
}

func TestDelayerRatio(t *testing.T) {
	const draws = 20000
	for _, ratio := range []float64{0.01, 0.05, 0.5, 0.95} {
		for _, seed := range []int64{1, 2, 0} {
			d := newTestDelayer(t, time.Second, ratio, seed)
			got := countDelayed(d, draws)
			want := ratio * draws
			sigma := math.Sqrt(draws * ratio * (1 - ratio))
			// 5 sigma: a correct Delayer fails this about once in 1.7 million runs.
			if math.Abs(float64(got)-want) > 5*sigma {
				t.Errorf("ratio %v seed %d: %d of %d delayed, want %.0f ± %.0f (5 sigma)",
					ratio, d.Seed(), got, draws, want, 5*sigma)
			}
		}
	}
}

func TestDelayerExtremes(t *testing.T) {
	never := newTestDelayer(t, time.Second, 0, 1)
	if got := countDelayed(never, 10000); got != 0 || never.Enabled() {
		t.Errorf("ratio 0: %d delayed, Enabled %v; want 0, false", got, never.Enabled())
	}
	always := newTestDelayer(t, time.Second, 1, 1)
	if got := countDelayed(always, 10000); got != 10000 || !always.Enabled() {
		t.Errorf("ratio 1: %d of 10000 delayed, Enabled %v; want 10000, true", got, always.Enabled())
	}
	zeroDelay := newTestDelayer(t, 0, 1, 1)
	if zeroDelay.Enabled() {
		t.Errorf("delay 0 ratio 1: Enabled = true, want false")
	}
}

func TestDelayerSeed(t *testing.T) {
	sequence := func(seed int64) []bool {
		d := newTestDelayer(t, time.Second, 0.3, seed)
		out := make([]bool, 1000)
		for i := range out {
			out[i] = d.Next()
		}
		return out
	}
	a, b, other := sequence(42), sequence(42), sequence(43)
	if !equalBools(a, b) {
		t.Errorf("seed 42 gave two different sequences")
	}
	if equalBools(a, other) {
		t.Errorf("seeds 42 and 43 gave the same 1000 decisions")
	}

	random := newTestDelayer(t, time.Second, 0.3, 0)
	if random.Seed() == 0 {
		t.Fatalf("seed 0: Seed() = 0, want the drawn seed")
	}
	replay := newTestDelayer(t, time.Second, 0.3, random.Seed())
	for i := range 1000 {
		if random.Next() != replay.Next() {
			t.Fatalf("decision %d differs between seed 0 (drawn %d) and its replay", i, random.Seed())
		}
	}
}

func equalBools(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestNewDelayerRejects(t *testing.T) {
	cases := []struct {
		delay time.Duration
		ratio float64
	}{
		{-time.Second, 0.5},
		{time.Second, -0.1},
		{time.Second, 1.1},
		{time.Second, math.NaN()},
	}
	for _, tc := range cases {
		if _, err := NewDelayer(tc.delay, tc.ratio, 1); err == nil {
			t.Errorf("NewDelayer(%v, %v, 1): no error", tc.delay, tc.ratio)
		}
	}
}

// startDelayed starts engine against redis with the delay settings.
func startDelayed(t *testing.T, engine string, redis *redisserver.Server, delay time.Duration,
	ratio float64, seed int64) *running {
	t.Helper()
	return start(t, Config{
		Engine: engine, Client: openRueidis(t, redis.URL(), time.Minute), Key: testKey,
		Delay: delay, DelayRatio: ratio, DelaySeed: seed,
	})
}

// TestDelayHeader sends requests one at a time, so the server takes the
// decisions in the same order as a replay Delayer with the same seed.
func TestDelayHeader(t *testing.T) {
	const (
		delay    = 50 * time.Millisecond
		ratio    = 0.3
		seed     = 7
		requests = 40
	)
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := startDelayed(t, engine, redis, delay, ratio, seed)
			replay := newTestDelayer(t, delay, ratio, seed)
			delayed := 0
			for i := range requests {
				want := replay.Next()
				start := time.Now()
				got := srv.get(t, "/test")
				took := time.Since(start)
				wantText(t, "GET /test", got, 200, "v1")
				if header := got.header.Get("X-Delayed"); (header == "true") != want || (!want && header != "") {
					t.Errorf("request %d: X-Delayed = %q, want delayed %v", i, header, want)
				}
				if want && took < delay {
					t.Errorf("request %d: delayed but took %v, less than %v", i, took, delay)
				}
				if want {
					delayed++
				}
			}
			if delayed == 0 || delayed == requests {
				t.Fatalf("seed %d gave %d of %d delayed: pick a seed that mixes both", seed, delayed, requests)
			}

			// /healthz takes no delay decision.
			wantText(t, "GET /healthz", srv.get(t, "/healthz"), 200, "ok\n")
			if got := delayer(srv.Server).draws.Load(); got != requests {
				t.Errorf("decisions taken = %d, want %d (one per GET /test)", got, requests)
			}
		})
	}
}

// TestShutdownFinishesDelayed starts delayed requests, shuts the server
// down while they wait, and checks each one completes with 200.
func TestShutdownFinishesDelayed(t *testing.T) {
	const inFlight = 5
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := startDelayed(t, engine, redis, time.Second, 1, 0)
			idle := openIdleConn(t, srv)

			replies := make(chan reply, inFlight)
			var wg sync.WaitGroup
			for range inFlight {
				wg.Go(func() { replies <- fetch(srv.url + "/test") })
			}
			waitDraws(t, delayer(srv.Server), inFlight)

			shutdownErr := make(chan error, 1)
			go func() { shutdownErr <- shutdown(srv.Server) }()
			wg.Wait()
			close(replies)
			for got := range replies {
				wantText(t, "delayed GET /test during shutdown", got, 200, "v1")
				if got.header.Get("X-Delayed") != "true" {
					t.Errorf("delayed GET /test during shutdown: X-Delayed = %q, want true",
						got.header.Get("X-Delayed"))
				}
			}
			if err := <-shutdownErr; err != nil {
				t.Errorf("Shutdown: %v, want nil", err)
			}
			if err := srv.served(); err != nil {
				t.Errorf("Serve after Shutdown: %v, want nil", err)
			}
			idle.wantClosed(t)
			if got := fetch(srv.url + "/healthz"); got.status != 0 {
				t.Errorf("GET /healthz after shutdown: status %d, want a refused connection", got.status)
			}
		})
	}
}

// fetch sends GET url on a new connection; status 0 means no response.
func fetch(url string) reply {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: eventually}
	resp, err := client.Get(url)
	if err != nil {
		return reply{body: err.Error()}
	}
	defer resp.Body.Close()
	var buf [512]byte
	n, _ := resp.Body.Read(buf[:])
	return reply{resp.StatusCode, resp.Header, string(buf[:n])}
}

// waitDraws waits until d has taken n decisions, that is until n requests
// reached the delay middleware.
func waitDraws(t *testing.T, d *Delayer, n uint64) {
	t.Helper()
	deadline := time.Now().Add(eventually)
	for d.draws.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests reached the delay after %v", d.draws.Load(), n, eventually)
		}
		time.Sleep(time.Millisecond)
	}
}
