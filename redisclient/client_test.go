package redisclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/internal/redistest"
)

// eventually is how long a test polls for a change that Redis pushes to the
// client, generous for a loaded 2-core machine. A fast path takes
// milliseconds, and the tests log how long it took.
const eventually = 20 * time.Second

// clientCase opens one Client implementation against a Redis URL.
type clientCase struct {
	name string
	open func(tb testing.TB, url string) Client
}

// clientCases lists every Client implementation and configuration under test.
func clientCases() []clientCase {
	return []clientCase{
		{"rueidis-cache", func(tb testing.TB, url string) Client {
			return openRueidis(tb, url, RueidisOptions{CacheTTL: time.Minute})
		}},
		{"rueidis", func(tb testing.TB, url string) Client {
			return openRueidis(tb, url, RueidisOptions{})
		}},
		{"goredis", func(tb testing.TB, url string) Client {
			c, err := NewGoRedis(url, GoRedisOptions{})
			if err != nil {
				tb.Fatalf("NewGoRedis(%q): %v", url, err)
			}
			tb.Cleanup(c.Close)
			return c
		}},
	}
}

func openRueidis(tb testing.TB, url string, opts RueidisOptions) *Rueidis {
	tb.Helper()
	c, err := NewRueidis(url, opts)
	if err != nil {
		tb.Fatalf("NewRueidis(%q, %+v): %v", url, opts, err)
	}
	tb.Cleanup(c.Close)
	return c
}

// forEachClient runs test once per client against a fresh redis-server.
func forEachClient(t *testing.T, test func(t *testing.T, srv *redisserver.Server, c Client)) {
	for _, tc := range clientCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			test(t, srv, tc.open(t, srv.URL()))
		})
	}
}

// get calls c.Get with a 5 s timeout.
func get(c Client, key string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Get(ctx, key)
}

// waitFor polls c.Get(key) until done accepts the result or eventually
// passes, and returns how long it took.
func waitFor(t *testing.T, c Client, key, what string, done func(string, error) bool) time.Duration {
	t.Helper()
	start := time.Now()
	var value string
	var err error
	for time.Since(start) < eventually {
		value, err = get(c, key)
		if done(value, err) {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("Get(%q) after %v = %q, %v; want %s", key, eventually, value, err, what)
	return 0
}

func TestGetValue(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		redistest.Set(t, srv, "test", "hello")

		for i := range 3 { // the second and third reads may come from the cache
			got, err := get(c, "test")
			if err != nil {
				t.Fatalf("Get #%d: %v", i+1, err)
			}
			if got != "hello" {
				t.Errorf("Get #%d = %q, want hello", i+1, got)
			}
		}
	})
}

func TestGetMissingKey(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		for i := range 2 {
			if _, err := get(c, "missing"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get #%d: err = %v, want ErrNotFound", i+1, err)
			}
		}
	})
}

func TestGetSeesWrites(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		// A missing key is cached too, until the key is written.
		if _, err := get(c, "test"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get before SET: err = %v, want ErrNotFound", err)
		}

		redistest.Set(t, srv, "test", "one")
		took := waitFor(t, c, "test", `"one"`, func(v string, err error) bool { return err == nil && v == "one" })
		t.Logf("first SET visible after %v", took)

		redistest.Set(t, srv, "test", "two")
		took = waitFor(t, c, "test", `"two"`, func(v string, err error) bool { return err == nil && v == "two" })
		t.Logf("second SET visible after %v", took)

		redistest.Del(t, srv, "test")
		took = waitFor(t, c, "test", "ErrNotFound", func(_ string, err error) bool { return errors.Is(err, ErrNotFound) })
		t.Logf("DEL visible after %v", took)
	})
}

func TestPing(t *testing.T) {
	forEachClient(t, func(t *testing.T, srv *redisserver.Server, c Client) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}
