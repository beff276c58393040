package redisclient

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/internal/redistest"
)

// getTimeout is the per-call context timeout for calls expected to fail.
const getTimeout = 500 * time.Millisecond

// getBounded calls c.Get with getTimeout and fails the test if the call has
// not returned long after that timeout, which would mean it ignores ctx.
func getBounded(t *testing.T, c Client, key string) (string, error) {
	t.Helper()
	type result struct {
		value string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), getTimeout)
		defer cancel()
		value, err := c.Get(ctx, key)
		done <- result{value, err}
	}()

	select {
	case r := <-done:
		return r.value, r.err
	case <-time.After(getTimeout + eventually):
		t.Fatalf("Get(%q) with a %v timeout has not returned after %v", key, getTimeout, getTimeout+eventually)
		return "", nil
	}
}

func TestGetRedisStopped(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		redistest.Set(t, srv, "test", "hello")
		if _, err := get(c, "test"); err != nil {
			t.Fatalf("Get before Stop: %v", err)
		}
		if err := srv.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}

		// The cached client may serve the old value until it notices the
		// closed connection, which drops the connection's cache.
		start := time.Now()
		for {
			_, err := getBounded(t, c, "test")
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					t.Fatalf("Get after Stop: err = %v, want a connection error", err)
				}
				t.Logf("Get fails %v after Stop: %v", time.Since(start), err)
				break
			}
			if time.Since(start) > eventually {
				t.Fatalf("Get still succeeds %v after Stop", eventually)
			}
			time.Sleep(time.Millisecond)
		}

		ctx, cancel := context.WithTimeout(context.Background(), getTimeout)
		defer cancel()
		if err := c.Ping(ctx); err == nil {
			t.Error("Ping after Stop succeeded, want an error")
		}
	})
}

func TestGetRecoversAfterRestart(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		redistest.Set(t, srv, "test", "before")
		if _, err := get(c, "test"); err != nil {
			t.Fatalf("Get before Restart: %v", err)
		}

		ctx, cancel := context.WithTimeout(context.Background(), eventually)
		defer cancel()
		if err := srv.Restart(ctx); err != nil {
			t.Fatalf("Restart: %v", err)
		}
		// Persistence is off, so the restarted server starts empty.
		redistest.Set(t, srv, "test", "after")

		start := time.Now()
		for {
			value, err := getBounded(t, c, "test")
			if err == nil && value == "after" {
				t.Logf("Get recovered %v after Restart", time.Since(start))
				return
			}
			if time.Since(start) > eventually {
				t.Fatalf("Get %v after Restart = %q, %v; want after, nil", eventually, value, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestRueidisCacheEnabled(t *testing.T) {
	srv := redistest.Start(t)

	if c := openRueidis(t, srv.URL(), RueidisOptions{CacheTTL: time.Minute}); !c.CacheEnabled() {
		t.Error("CacheEnabled() with CacheTTL 1m = false, want true")
	}
	if c := openRueidis(t, srv.URL(), RueidisOptions{}); c.CacheEnabled() {
		t.Error("CacheEnabled() with CacheTTL 0 = true, want false")
	}
}

// getCalls returns how many GET commands srv has run.
func getCalls(t *testing.T, srv *redisserver.Server) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := srv.Do(ctx, "INFO", "commandstats")
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	// The line reads cmdstat_get:calls=N,usec=...
	for _, line := range strings.Split(stats, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_get:calls="); ok {
			n, err := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return n
		}
	}
	return 0
}

func TestRueidisCacheServesRepeatedGets(t *testing.T) {
	srv := redistest.Start(t)
	redistest.Set(t, srv, "test", "hello")
	cached := openRueidis(t, srv.URL(), RueidisOptions{CacheTTL: time.Minute})
	uncached := openRueidis(t, srv.URL(), RueidisOptions{})

	for _, tc := range []struct {
		name     string
		client   Client
		maxCalls int
	}{
		{"cached", cached, 1},
		{"uncached", uncached, 10},
	} {
		before := getCalls(t, srv)
		for range 10 {
			if _, err := get(tc.client, "test"); err != nil {
				t.Fatalf("%s Get: %v", tc.name, err)
			}
		}
		if calls := getCalls(t, srv) - before; calls > tc.maxCalls || calls < 1 {
			t.Errorf("%s: 10 Gets ran GET %d times on the server, want 1..%d", tc.name, calls, tc.maxCalls)
		}
	}
}

func TestRueidisFallbackWithoutTracking(t *testing.T) {
	// miniredis replies to HELLO 3 but has no CLIENT TRACKING.
	mini := miniredis.RunT(t)
	mini.Set("test", "hello")
	url := "redis://" + mini.Addr() + "/0"

	c := openRueidis(t, url, RueidisOptions{CacheTTL: time.Minute})
	if c.CacheEnabled() {
		t.Error("CacheEnabled() against miniredis = true, want false")
	}
	if got, err := get(c, "test"); err != nil || got != "hello" {
		t.Errorf("Get(test) = %q, %v; want hello, nil", got, err)
	}
	if _, err := get(c, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing): err = %v, want ErrNotFound", err)
	}
}

func TestNewClientBadURL(t *testing.T) {
	for _, url := range []string{
		"",
		"127.0.0.1:6379",
		"http://127.0.0.1:6379/0",
		"redis://",
		"redis://:6379/0",
		"redis://127.0.0.1:6379/zero",
		"redis://127.0.0.1:6379/0/1",
		"redis://user:secret@127.0.0.1:6379/zero",
		"redis://user:secret@127.0.0.1:port/0",
		"redis://127.0.0.1:6379/%zz",
	} {
		for name, open := range map[string]func() error{
			"rueidis": func() error { _, err := NewRueidis(url, RueidisOptions{}); return err },
			"goredis": func() error { _, err := NewGoRedis(url, GoRedisOptions{}); return err },
		} {
			err := open()
			if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("%s %q: err = %v, want ErrInvalidURL", name, url, err)
				continue
			}
			if !strings.Contains(err.Error(), urlForm) {
				t.Errorf("%s %q: err = %q, want the expected form %s", name, url, err, urlForm)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("%s %q: err = %q shows the password", name, url, err)
			}
		}
	}
}

func TestNewClientRedisDown(t *testing.T) {
	// A port that was free a moment ago, so nothing listens on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "redis://" + ln.Addr().String() + "/0"
	_ = ln.Close()

	if _, err := NewRueidis(url, RueidisOptions{CacheTTL: time.Minute}); err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("NewRueidis(%q): err = %v, want a connection error naming the URL", url, err)
	}
	if _, err := NewGoRedis(url, GoRedisOptions{}); err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("NewGoRedis(%q): err = %v, want a connection error naming the URL", url, err)
	}
}

func TestNewRueidisNegativeTTL(t *testing.T) {
	_, err := NewRueidis("redis://127.0.0.1:6379/0", RueidisOptions{CacheTTL: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "-1s") {
		t.Errorf("err = %v, want an error naming the TTL -1s", err)
	}
}
