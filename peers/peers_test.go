package peers_test

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
	"github.com/iobench/iobench/server"
)

// The tests run each peer the way the bench runs it, against a real
// redis-server, and check the behaviour the peers share with iobench serve.
// A peer whose toolchain or build is missing is skipped, unless
// IOBENCH_REQUIRE_PEERS=1.

const (
	testKey   = "peer-key"
	testValue = "peer-value"
)

// redisEnv returns the settings of a peer reading testKey from url.
func redisEnv(url string, extra ...string) []string {
	env := []string{
		"IOBENCH_REDIS=" + url,
		"IOBENCH_KEY=" + testKey,
		"IOBENCH_REDIS_TIMEOUT=500ms",
		"IOBENCH_DELAY_RATIO=0",
	}
	return append(env, extra...)
}

func TestPeerRoutes(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, testValue)
		proc := start(t, p, dir, redisEnv(srv.URL())...)

		cases := []struct {
			method, path string
			status       int
			body         string // exact, except for the 404 of a path
			allow        string
		}{
			{"GET", "/test", 200, testValue, ""},
			{"HEAD", "/test", 200, "", ""},
			{"POST", "/test", 405, "method not allowed: use GET or HEAD\n", "GET, HEAD"},
			{"DELETE", "/test", 405, "method not allowed: use GET or HEAD\n", "GET, HEAD"},
			{"GET", "/healthz", 200, "ok\n", ""},
			{"PUT", "/healthz", 405, "method not allowed: use GET or HEAD\n", "GET, HEAD"},
			{"GET", "/other", 404, "not found: /other: this server serves /test and /healthz\n", ""},
			{"GET", "/test/", 404, "not found: /test/: this server serves /test and /healthz\n", ""},
		}
		for _, c := range cases {
			resp := mustSend(t, c.method, proc.url+c.path)
			name := c.method + " " + c.path
			if resp.status != c.status {
				t.Errorf("%s: status %d, want %d (body %q)", name, resp.status, c.status, resp.body)
			}
			if resp.body != c.body {
				t.Errorf("%s: body %q, want %q", name, resp.body, c.body)
			}
			if got := resp.header.Get("Allow"); got != c.allow {
				t.Errorf("%s: Allow %q, want %q", name, got, c.allow)
			}
			if got := resp.header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("%s: Content-Type %q, want text/plain; charset=utf-8", name, got)
			}
			if got := resp.header.Get("X-Delayed"); got != "" {
				t.Errorf("%s: X-Delayed %q with IOBENCH_DELAY_RATIO=0, want none", name, got)
			}
		}

		head := mustSend(t, "HEAD", proc.url+"/test")
		if got, want := head.header.Get("Content-Length"), strconv.Itoa(len(testValue)); got != want {
			t.Errorf("HEAD /test: Content-Length %q, want %q (the GET body's length)", got, want)
		}
	})
}

func TestPeerRedisFailures(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, testValue)
		proc := start(t, p, dir, redisEnv(srv.URL())...)

		redistest.Del(t, srv, testKey)
		missing := mustSend(t, "GET", proc.url+"/test")
		if missing.status != 404 {
			t.Errorf("missing key: status %d, want 404 (body %q)", missing.status, missing.body)
		}
		if want := `key "` + testKey + `" not found in Redis` + "\n"; missing.body != want {
			t.Errorf("missing key: body %q, want %q", missing.body, want)
		}

		if err := srv.Stop(); err != nil {
			t.Fatalf("stop redis-server: %v", err)
		}
		for _, path := range []string{"/test", "/healthz"} {
			resp := mustSend(t, "GET", proc.url+path)
			if resp.status != 503 {
				t.Errorf("%s with Redis stopped: status %d, want 503 (body %q)", path, resp.status, resp.body)
			}
			if !strings.HasPrefix(resp.body, "redis unavailable: ") || strings.Count(resp.body, "\n") != 1 {
				t.Errorf("%s with Redis stopped: body %q, want one line starting with \"redis unavailable: \"", path, resp.body)
			}
		}

		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		if err := srv.Restart(ctx); err != nil {
			t.Fatalf("restart redis-server: %v", err)
		}
		redistest.Set(t, srv, testKey, "after-restart")
		eventually(t, p.name+" serves the key after Redis restarted", func() error {
			resp, err := get(proc.url + "/test")
			if err != nil {
				return err
			}
			if resp.status != 200 || resp.body != "after-restart" {
				return fmt.Errorf("%w %d, body %q", errStatus, resp.status, resp.body)
			}
			return nil
		})
	})
}

func TestPeerDelayAll(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, testValue)
		const delay = 300 * time.Millisecond
		proc := start(t, p, dir, redisEnv(srv.URL(), "IOBENCH_DELAY=300ms", "IOBENCH_DELAY_RATIO=1")...)

		for i := range 5 {
			resp := mustSend(t, "GET", proc.url+"/test")
			if resp.status != 200 || resp.body != testValue {
				t.Errorf("request %d: status %d body %q, want 200 %q", i, resp.status, resp.body, testValue)
			}
			if got := resp.header.Get("X-Delayed"); got != "true" {
				t.Errorf("request %d: X-Delayed %q with ratio 1, want true", i, got)
			}
			// A lower bound only: the sleep guarantees it.
			if resp.elapsed < delay {
				t.Errorf("request %d: took %v, want at least the %v delay", i, resp.elapsed, delay)
			}
		}
	})
}

// TestPeerDelayBeforeRead checks that a delayed request reads Redis after
// its delay, as the Go service's delay middleware does: a value written
// right after the request was sent is the one served.
func TestPeerDelayBeforeRead(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, "before")
		proc := start(t, p, dir, redisEnv(srv.URL(), "IOBENCH_DELAY=3s", "IOBENCH_DELAY_RATIO=1")...)

		replies := make(chan response, 1)
		errs := make(chan error, 1)
		conn := dialPeer(t, proc)
		if _, err := io.WriteString(conn, line("GET /test HTTP/1.1")+"\r\n"); err != nil {
			t.Fatalf("send GET /test: %v", err)
		}
		go func() {
			resp, err := readReply(conn)
			replies <- resp
			errs <- err
		}()
		// The 3 s delay leaves ample time for this write on a busy machine.
		redistest.Set(t, srv, testKey, "after")
		resp, err := <-replies, <-errs
		if err != nil {
			t.Fatalf("GET /test: %v", err)
		}
		if resp.status != 200 || resp.body != "after" {
			t.Errorf("GET /test: status %d body %q, want 200 \"after\", the value written during the delay", resp.status, resp.body)
		}
		if got := resp.header.Get("X-Delayed"); got != "true" {
			t.Errorf("GET /test: X-Delayed %q, want true", got)
		}
	})
}

// TestPeerConcurrentDelays holds 40 delayed requests at once. A peer that
// blocked a worker per sleeping request without cooperative IO (a gevent
// worker whose sockets were not patched) would serve them one by one per
// worker, 40 s for the 2 gevent workers, and miss the client timeout.
func TestPeerConcurrentDelays(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, testValue)
		proc := start(t, p, dir, redisEnv(srv.URL(), "IOBENCH_DELAY=2s", "IOBENCH_DELAY_RATIO=1")...)

		const concurrent = 40
		var wg sync.WaitGroup
		errs := make(chan error, concurrent)
		for range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := get(proc.url + "/test")
				if err == nil && (resp.status != 200 || resp.header.Get("X-Delayed") != "true") {
					err = fmt.Errorf("%w %d, X-Delayed %q", errStatus, resp.status, resp.header.Get("X-Delayed"))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent delayed request: %v", err)
			}
		}
	})
}

// TestRustDelaySequence checks that the Rust peer, one process, makes the
// same delay decisions as the Go service for the same seed.
func TestRustDelaySequence(t *testing.T) {
	dir := peersDir(t)
	rust := allPeers[2]
	requirePeer(t, rust, dir)
	srv := redistest.Start(t)
	redistest.Set(t, srv, testKey, testValue)
	proc := start(t, rust, dir, redisEnv(srv.URL(),
		"IOBENCH_DELAY=50ms", "IOBENCH_DELAY_RATIO=0.3", "IOBENCH_DELAY_SEED=42")...)

	want := goDecisions(t, 50*time.Millisecond, 0.3, 42, 40)
	var got strings.Builder
	for range 40 {
		resp := mustSend(t, "GET", proc.url+"/test")
		got.WriteString(decision(resp.header.Get("X-Delayed") == "true"))
	}
	if got.String() != want {
		t.Errorf("delayed requests %s, want the Go service's %s (1 = X-Delayed)", got.String(), want)
	}
}

// goDecisions returns n decisions of the Go service's delayer as 0s and 1s.
func goDecisions(t *testing.T, delay time.Duration, ratio float64, seed int64, n int) string {
	t.Helper()
	d, err := server.NewDelayer(delay, ratio, seed)
	if err != nil {
		t.Fatalf("NewDelayer(%v, %v, %d): %v", delay, ratio, seed, err)
	}
	var b strings.Builder
	for range n {
		b.WriteString(decision(d.Next()))
	}
	return b.String()
}

func decision(delayed bool) string {
	if delayed {
		return "1"
	}
	return "0"
}

func TestPeerInvalidSettings(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"IOBENCH_DELAY", "3", `invalid value "3" for IOBENCH_DELAY`},
		{"IOBENCH_REDIS_TIMEOUT", "0", `invalid value "0" for IOBENCH_REDIS_TIMEOUT`},
		{"IOBENCH_DELAY_RATIO", "1.5", `invalid value "1.5" for IOBENCH_DELAY_RATIO`},
		{"IOBENCH_DELAY_SEED", "seven", `invalid value "seven" for IOBENCH_DELAY_SEED`},
		{"IOBENCH_REDIS", "http://127.0.0.1:1", `invalid value "http://127.0.0.1:1" for IOBENCH_REDIS`},
	}
	// gunicorn.conf.py's on_starting hook exits with 4 before any worker
	// starts; the Rust peer exits with 2, as iobench serve does on a bad flag.
	wantExit := map[string]int{"django-sync": 4, "django-gevent": 4, "rust": 2}
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		for _, c := range cases {
			// Port 1 on loopback: nothing is contacted, the settings fail first.
			proc := launch(t, p, dir, "IOBENCH_REDIS=redis://127.0.0.1:1/0", c.name+"="+c.value)
			code := proc.waitExit(t)
			if code != wantExit[p.name] {
				t.Errorf("%s=%s: exit status %d, want %d", c.name, c.value, code, wantExit[p.name])
			}
			if out := proc.out.String(); !strings.Contains(out, c.want) || !strings.Contains(out, "expected") {
				t.Errorf("%s=%s: output does not contain %q and the expected form:\n%s", c.name, c.value, c.want, out)
			}
		}
	})
}

// TestDjangoDelayerMatchesGo compares the Django peer's Delayer with the Go
// service's for a few seeds and ratios, 2000 draws each.
func TestDjangoDelayerMatchesGo(t *testing.T) {
	dir := peersDir(t)
	requirePeer(t, allPeers[0], dir)
	for _, c := range []struct {
		ratio float64
		seed  int64
	}{{0.05, 1}, {0.3, 42}, {0.5, -7}, {0.999, 1 << 62}} {
		const draws = 2000
		script := fmt.Sprintf(
			"from iobenchpeer.delay import Delayer\n"+
				"d = Delayer(3.0, %v, %d)\n"+
				"print(''.join('1' if d.draw() else '0' for _ in range(%d)))\n",
			c.ratio, c.seed, draws)
		cmd := execPython(dir, script)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run the Django delayer: %v: %s", err, out)
		}
		want := goDecisions(t, 3*time.Second, c.ratio, c.seed, draws)
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("ratio %v seed %d: Django and Go decisions differ", c.ratio, c.seed)
		}
	}
}

// TestGunicornWorkerSeeds checks that gunicorn.conf.py gives each worker its
// own seed, so that workers do not repeat one another's decisions.
func TestGunicornWorkerSeeds(t *testing.T) {
	dir := peersDir(t)
	p := allPeers[0]
	requirePeer(t, p, dir)
	srv := redistest.Start(t)
	proc := start(t, p, dir, redisEnv(srv.URL(), "IOBENCH_DELAY_SEED=42")...)

	eventually(t, "4 workers log their seeds", func() error {
		seeds := map[string]bool{}
		for _, line := range strings.Split(proc.out.String(), "\n") {
			if _, seed, ok := strings.Cut(line, " seed "); ok && strings.Contains(line, "iobenchpeer: pid ") {
				seeds[seed] = true
			}
		}
		if len(seeds) != 4 {
			return fmt.Errorf("%d distinct seed lines, want 4:\n%s", len(seeds), proc.out)
		}
		if !seeds["42 (worker 1)"] {
			return fmt.Errorf("worker 1 does not keep seed 42:\n%s", proc.out)
		}
		return nil
	})
}
