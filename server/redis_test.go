package server

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/iobench/iobench/internal/redistest"
	"github.com/iobench/iobench/redisclient"
)

// testRedisTimeout is the Redis timeout of the servers under test, short so
// outage tests run fast.
const testRedisTimeout = 500 * time.Millisecond

// TestRedisLifecycle follows one server through a Redis outage: value
// served, SET seen, DEL seen, Redis stopped, Redis restarted.
func TestRedisLifecycle(t *testing.T) {
	for _, engine := range Engines {
		for _, cc := range clientCases() {
			t.Run(engine+"/"+cc.name, func(t *testing.T) {
				redis := redistest.Start(t)
				redistest.Set(t, redis, testKey, "v1")
				srv := start(t, Config{
					Engine: engine, Client: cc.open(t, redis.URL()), Key: testKey,
					RedisTimeout: testRedisTimeout,
				})

				wantText(t, "GET /test", srv.get(t, "/test"), 200, "v1")
				head := srv.do(t, "HEAD", "/test")
				wantText(t, "HEAD /test", head, 200, "")
				if cl := head.header.Get("Content-Length"); cl != "2" {
					t.Errorf("HEAD /test: Content-Length = %q, want 2", cl)
				}

				// A SET through another connection reaches a cached client
				// through CLIENT TRACKING, long before the 1m cache TTL.
				redistest.Set(t, redis, testKey, "v2")
				took := srv.waitFor(t, "/test", "SET seen", func(r reply) bool { return r.body == "v2" })
				if took > 50*time.Millisecond {
					t.Logf("NOTE: SET took %v to show, more than the 50ms expected on an idle machine", took)
				}

				redistest.Del(t, redis, testKey)
				srv.waitFor(t, "/test", "DEL seen", func(r reply) bool { return r.status == 404 })

				stopRedis(t, srv, redis.Stop)

				ctx, cancel := context.WithTimeout(context.Background(), eventually)
				defer cancel()
				if err := redis.Restart(ctx); err != nil {
					t.Fatalf("restart redis-server: %v", err)
				}
				redistest.Set(t, redis, testKey, "v3")
				srv.waitFor(t, "/test", "value served after restart", func(r reply) bool {
					return r.status == 200 && r.body == "v3"
				})
				wantText(t, "GET /healthz after restart", srv.get(t, "/healthz"), 200, "ok\n")
			})
		}
	}
}

// stopRedis runs stop and checks that /test and /healthz turn to 503 with a
// one-line body.
func stopRedis(t *testing.T, srv *running, stop func() error) {
	t.Helper()
	if err := stop(); err != nil {
		t.Fatalf("stop redis-server: %v", err)
	}
	srv.waitFor(t, "/test", "503 with Redis stopped", func(r reply) bool { return r.status == 503 })
	for _, path := range []string{"/test", "/healthz"} {
		got := srv.get(t, path)
		if got.status != 503 {
			t.Errorf("GET %s with Redis stopped: status %d, want 503", path, got.status)
		}
		if !strings.HasPrefix(got.body, "redis unavailable: ") || !isOneLine(got.body) {
			t.Errorf("GET %s with Redis stopped: body %q, want one line starting %q",
				path, got.body, "redis unavailable: ")
		}
	}
}

// TestRedisHungGives503 freezes redis-server with SIGSTOP. The connection
// stays open but Redis sends no reply, so only the Redis timeout ends the
// request.
func TestRedisHungGives503(t *testing.T) {
	uncached := []clientCase{
		{"rueidis", func(tb testing.TB, url string) redisclient.Client { return openRueidis(tb, url, 0) }},
		clientCases()[1],
	}
	for _, engine := range Engines {
		for _, cc := range uncached {
			t.Run(engine+"/"+cc.name, func(t *testing.T) {
				redis := redistest.Start(t)
				redistest.Set(t, redis, testKey, "v1")
				srv := start(t, Config{
					Engine: engine, Client: cc.open(t, redis.URL()), Key: testKey,
					RedisTimeout: testRedisTimeout,
				})
				wantText(t, "GET /test", srv.get(t, "/test"), 200, "v1")

				pid := redis.PID()
				if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
					t.Fatalf("SIGSTOP redis-server %d: %v", pid, err)
				}
				resumed := false
				resume := func() {
					if !resumed {
						resumed = true
						if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
							t.Errorf("SIGCONT redis-server %d: %v", pid, err)
						}
					}
				}
				t.Cleanup(resume)

				for _, path := range []string{"/test", "/healthz"} {
					start := time.Now()
					got := srv.get(t, path)
					if got.status != 503 || !isOneLine(got.body) {
						t.Errorf("GET %s with Redis hung: %d %q, want 503 and one line", path, got.status, got.body)
					}
					// A Redis read may share a timeout context started a
					// little earlier, so only half the timeout is certain.
					if took := time.Since(start); took < testRedisTimeout/2 {
						t.Errorf("GET %s with Redis hung took %v, less than half the Redis timeout %v",
							path, took, testRedisTimeout)
					}
				}

				resume()
				srv.waitFor(t, "/test", "value served after SIGCONT", func(r reply) bool { return r.status == 200 })
			})
		}
	}
}

// TestFallbackWithoutClientTracking serves from miniredis, which has no
// CLIENT TRACKING: rueidis falls back to uncached reads, so a write shows
// on the very next request.
func TestFallbackWithoutClientTracking(t *testing.T) {
	mini := miniredis.RunT(t)
	if err := mini.Set(testKey, "v1"); err != nil {
		t.Fatalf("miniredis SET: %v", err)
	}
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			client := openRueidis(t, "redis://"+mini.Addr()+"/0", time.Minute)
			if client.CacheEnabled() {
				t.Fatalf("CacheEnabled() = true against miniredis, want false")
			}
			srv := start(t, Config{Engine: engine, Client: client, Key: testKey})

			for _, value := range []string{"v1", "v2", "v3"} {
				if err := mini.Set(testKey, value); err != nil {
					t.Fatalf("miniredis SET: %v", err)
				}
				wantText(t, "GET /test after SET "+value, srv.get(t, "/test"), 200, value)
			}
			mini.Del(testKey)
			got := srv.get(t, "/test")
			if got.status != 404 {
				t.Errorf("GET /test after DEL: status %d, want 404", got.status)
			}
		})
	}
}
