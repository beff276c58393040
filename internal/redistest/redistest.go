// Package redistest starts a real redis-server for a test and writes keys
// through a plain connection that bypasses the client under test.
package redistest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redisserver"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skipped test into a failed one when set to 1. CI sets it.
const RequireEnv = "IOBENCH_REQUIRE_REDIS"

// commandTimeout bounds Start, Set and Del, generously for a loaded machine.
const commandTimeout = 15 * time.Second

// Start starts a redis-server on a free loopback port for the test and
// stops it in tb.Cleanup. Where redis-server is not installed it skips the
// test, or fails it when IOBENCH_REQUIRE_REDIS=1.
func Start(tb testing.TB) *redisserver.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()

	srv, err := redisserver.Start(ctx, redisserver.Options{})
	if errors.Is(err, redisserver.ErrNotInstalled) {
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("%v (%s=1 requires it)", err, RequireEnv)
		}
		tb.Skipf("skipping: %v, or set %s=1 to fail instead of skipping", err, RequireEnv)
	}
	if err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			tb.Errorf("stop redis-server: %v", err)
		}
	})
	return srv
}

// Set runs SET key value on s through a separate plain connection and fails
// the test on error.
func Set(tb testing.TB, s *redisserver.Server, key, value string) {
	tb.Helper()
	run(tb, s, "SET", key, value)
}

// Del runs DEL key on s through a separate plain connection and fails the
// test on error.
func Del(tb testing.TB, s *redisserver.Server, key string) {
	tb.Helper()
	run(tb, s, "DEL", key)
}

// run sends one command and fails the test on error.
func run(tb testing.TB, s *redisserver.Server, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if _, err := s.Do(ctx, args...); err != nil {
		tb.Fatalf("%s %q on %s: %v", args[0], args[1], s.Addr(), err)
	}
}
