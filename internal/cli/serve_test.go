package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/iobench/iobench/internal/cliflag"
	"github.com/iobench/iobench/internal/redistest"
)

// eventually bounds waits for a server to start or stop, generous for a
// loaded 2-core machine.
const eventually = 20 * time.Second

// syncBuffer is a bytes.Buffer that a server's logger and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serving is an iobench serve started through Main.
type serving struct {
	addr   string // the listen address from the start log
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// startServe runs testProgram.Main("serve", args..., -log-format json -addr
// 127.0.0.1:0) and waits for its start log line.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	args = append([]string{"serve", "-log-format", "json", "-addr", "127.0.0.1:0"}, args...)
	go func() { s.done <- testProgram.Main(ctx, args, io.Discard, s.logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(eventually):
			t.Errorf("serve did not stop within %v of its context ending", eventually)
		}
	})

	started := s.waitLog(t, "iobench serve started")
	s.addr, _ = started["addr"].(string)
	return s
}

// waitLog waits for a JSON log line with message msg and returns it, or
// fails the test when serve returns or eventually passes first.
func (s *serving) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(eventually)
	for time.Now().Before(deadline) {
		if line := findLog(s.logs.String(), msg); line != nil {
			return line
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve returned %v before logging %q; logs:\n%s", err, msg, s.logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no log %q after %v; logs:\n%s", msg, eventually, s.logs)
	return nil
}

// stopped waits for serve to return after its context ended and returns
// its error. When serve does not return within eventually, it prints the
// goroutines, so that the hang can be found, and fails the test.
func (s *serving) stopped(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(eventually):
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Fatalf("serve did not return within %v of its context ending; logs:\n%s", eventually, s.logs)
		return nil
	}
}

// findLog returns the first JSON log line of logs whose msg is msg.
func findLog(logs, msg string) map[string]any {
	for _, line := range strings.Split(logs, "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == msg {
			return entry
		}
	}
	return nil
}

// getBody sends GET url and returns the status and the body.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: eventually}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServeAndHealthcheck(t *testing.T) {
	cases := []struct{ engine, client string }{{"fasthttp", "rueidis"}, {"nethttp", "goredis"}}
	for _, tc := range cases {
		t.Run(tc.engine+"/"+tc.client, func(t *testing.T) {
			redis := redistest.Start(t)
			redistest.Set(t, redis, "greeting", "hello")
			s := startServe(t, "-engine", tc.engine, "-client", tc.client, "-redis", redis.URL(),
				"-key", "greeting", "-delay-ratio", "0", "-delay-seed", "99")

			cacheTTL := "0s"
			if tc.client == "rueidis" {
				cacheTTL = "1m0s"
			}
			started := findLog(s.logs.String(), "iobench serve started")
			for key, want := range map[string]any{
				"engine": tc.engine, "client": tc.client, "key": "greeting",
				"redis": redis.Addr(), "delay_seed": 99.0, "cache": tc.client == "rueidis",
				"cache_ttl": cacheTTL, "delay": "3s", "delay_ratio": 0.0,
			} {
				if started[key] != want {
					t.Errorf("start log %s = %v, want %v", key, started[key], want)
				}
			}
			if status, body := getBody(t, "http://"+s.addr+"/test"); status != 200 || body != "hello" {
				t.Errorf("GET /test = %d %q, want 200 hello", status, body)
			}

			healthURL := "http://" + s.addr + "/healthz"
			if out, err := runMain(t, "healthcheck", "-url", healthURL); err != nil {
				t.Errorf("healthcheck with Redis up: %v", err)
			} else if !strings.Contains(out, "200 ok") {
				t.Errorf("healthcheck printed %q, want it to contain %q", out, "200 ok")
			}

			if err := redis.Stop(); err != nil {
				t.Fatalf("stop redis-server: %v", err)
			}
			_, err := runMain(t, "healthcheck", "-url", healthURL)
			if err == nil || cliflag.IsUsage(err) || !strings.Contains(err.Error(), "status 503") {
				t.Errorf("healthcheck with Redis stopped: %v, want a status 503 error", err)
			}

			s.cancel()
			if err := s.stopped(t); err != nil {
				t.Errorf("serve after its context ended: %v, want nil", err)
			}
			s.done <- nil // for the cleanup
			if findLog(s.logs.String(), "stopped") == nil {
				t.Errorf("no stop log line; logs:\n%s", s.logs)
			}
		})
	}
}

func TestHealthcheckNoServer(t *testing.T) {
	_, err := runMain(t, "healthcheck", "-url", "http://"+closedAddr(t)+"/healthz", "-timeout", "5s")
	if err == nil || cliflag.IsUsage(err) || !strings.Contains(err.Error(), "is iobench serve running there?") {
		t.Errorf("healthcheck with no server: %v, want a run-time error that says what to check", err)
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeGivesUpOnRedis(t *testing.T) {
	addr := closedAddr(t)
	logs := &syncBuffer{}
	err := testProgram.Main(context.Background(), []string{"serve", "-addr", "127.0.0.1:0",
		"-redis", "redis://" + addr + "/0", "-redis-wait", "1s", "-log-format", "json"}, io.Discard, logs)
	if err == nil || cliflag.IsUsage(err) {
		t.Fatalf("serve with no Redis: %v, want a run-time error", err)
	}
	for _, want := range []string{"connect to Redis at " + addr, "-redis-wait", "IOBENCH_REDIS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "connect to Redis"); n != 1 {
		t.Errorf("error %q says \"connect to Redis\" %d times, want once", err, n)
	}
	if n := strings.Count(logs.String(), `"msg":"Redis not reachable, retrying"`); n < 2 {
		t.Errorf("%d retry log lines in 1s, want at least 2; logs:\n%s", n, logs)
	}
}

func TestServeWaitsForRedis(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, "test", "late")
	if err := redis.Stop(); err != nil {
		t.Fatalf("stop redis-server: %v", err)
	}

	// Start Redis again once serve has logged a failed attempt.
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &serving{logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- testProgram.Main(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-redis", redis.URL(),
			"-redis-wait", "1m", "-log-format", "json"}, io.Discard, logs)
	}()
	s.waitLog(t, "Redis not reachable, retrying")
	restartCtx, stop := context.WithTimeout(context.Background(), eventually)
	defer stop()
	if err := redis.Restart(restartCtx); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
	s.waitLog(t, "connected to Redis")
	s.waitLog(t, "iobench serve started")
	cancel()
	if err := s.stopped(t); err != nil {
		t.Errorf("serve: %v, want nil", err)
	}
}

func TestServeWarnsWithoutClientTracking(t *testing.T) {
	mini := miniredis.RunT(t)
	mini.Set("test", "mini")
	s := startServe(t, "-redis", "redis://"+mini.Addr()+"/0")
	warning := findLog(s.logs.String(), "client-side caching unavailable: the Redis server lacks RESP3 "+
		"or CLIENT TRACKING; every request reads from Redis")
	if warning == nil || warning["level"] != "WARN" {
		t.Errorf("no caching warning in the logs:\n%s", s.logs)
	}
	if started := findLog(s.logs.String(), "iobench serve started"); started["cache"] != false {
		t.Errorf("start log cache = %v, want false", started["cache"])
	}
	if status, body := getBody(t, "http://"+s.addr+"/test"); status != 200 || body != "mini" {
		t.Errorf("GET /test = %d %q, want 200 mini", status, body)
	}
}

func TestServeAddrInUse(t *testing.T) {
	mini := miniredis.RunT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	_, err = runMain(t, "serve", "-addr", ln.Addr().String(), "-redis", "redis://"+mini.Addr()+"/0")
	if err == nil || cliflag.IsUsage(err) || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Errorf("serve on a taken address: %v, want a run-time listen error", err)
	}
}

func TestServeStopsWhileWaitingForRedis(t *testing.T) {
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &serving{logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- testProgram.Main(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-redis", "redis://" + closedAddr(t) + "/0",
			"-redis-wait", "1m", "-log-format", "json"}, io.Discard, logs)
	}()
	s.waitLog(t, "Redis not reachable, retrying")
	cancel()
	if err := s.stopped(t); err != nil {
		t.Errorf("serve stopped while waiting for Redis: %v, want nil (exit 0)", err)
	}
	if findLog(logs.String(), "stopped before Redis was reachable") == nil {
		t.Errorf("no log line saying serve stopped before Redis was reachable; logs:\n%s", logs)
	}
}

func TestServeFailsAtOnceOnCredentials(t *testing.T) {
	redis := redistest.Start(t)
	admin := goredis.NewClient(&goredis.Options{Addr: redis.Addr()})
	defer admin.Close()
	ctx := context.Background()
	for _, cmd := range [][]any{
		{"ACL", "SETUSER", "noping", "on", ">pw", "~*", "+get"},
		{"CONFIG", "SET", "requirepass", "s3cret"},
	} {
		if err := admin.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("redis-server %v: %v", cmd, err)
		}
	}

	cases := []struct{ name, url, code string }{
		{"no password", "redis://" + redis.Addr() + "/0", "NOAUTH"},
		{"wrong password", "redis://:wrong@" + redis.Addr() + "/0", "WRONGPASS"},
		{"no permission", "redis://noping:pw@" + redis.Addr() + "/0", "NOPERM"},
	}
	for _, tc := range cases {
		for _, client := range []string{"rueidis", "goredis"} {
			t.Run(tc.name+"/"+client, func(t *testing.T) {
				logs := &syncBuffer{}
				err := testProgram.Main(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-client", client,
					"-redis", tc.url, "-redis-wait", "30s", "-log-format", "json"}, io.Discard, logs)
				if err == nil || cliflag.IsUsage(err) {
					t.Fatalf("serve with %s: %v, want a run-time error", tc.name, err)
				}
				for _, want := range []string{tc.code, "check the user and password in -redis"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				if strings.Contains(err.Error(), "start Redis there") {
					t.Errorf("error %q tells to start Redis, which is running", err)
				}
				if strings.Contains(err.Error(), "wrong@") || strings.Contains(err.Error(), ":pw@") {
					t.Errorf("error %q shows the password", err)
				}
				if n := strings.Count(logs.String(), "Redis not reachable, retrying"); n != 0 {
					t.Errorf("%d retries logged, want none; logs:\n%s", n, logs)
				}
			})
		}
	}
}

func TestServeGivesUpAfterOneAttempt(t *testing.T) {
	err := testProgram.Main(context.Background(), []string{"serve", "-addr", "127.0.0.1:0",
		"-redis", "redis://" + closedAddr(t) + "/0", "-redis-wait", "0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "gave up after 1 attempt in 0s") {
		t.Errorf("serve with -redis-wait 0 and no Redis: %v, want it to give up after 1 attempt", err)
	}
}
