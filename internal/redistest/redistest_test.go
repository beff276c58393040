package redistest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redisserver"
)

func TestSetAndDel(t *testing.T) {
	srv := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	Set(t, srv, "greeting", "hello")
	got, err := srv.Do(ctx, "GET", "greeting")
	if err != nil || got != "hello" {
		t.Fatalf("GET after Set = %q, %v; want hello, nil", got, err)
	}

	Del(t, srv, "greeting")
	if _, err := srv.Do(ctx, "GET", "greeting"); !errors.Is(err, redisserver.ErrNil) {
		t.Errorf("GET after Del: err = %v, want redisserver.ErrNil", err)
	}
}

func TestStartStopsInCleanup(t *testing.T) {
	var srv *redisserver.Server
	t.Run("inner", func(t *testing.T) {
		srv = Start(t)
	})
	if srv == nil {
		t.Skip("inner test skipped: redis-server not installed")
	}

	if pid := srv.PID(); pid != 0 {
		t.Errorf("PID() after the inner test = %d, want 0 (stopped)", pid)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of acting on
// the real test. Both end the calling goroutine, as testing.T does.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()        {}
func (r *recorder) Cleanup(func()) {}
func (r *recorder) Skipf(f string, args ...any) {
	r.skipped = fmt.Sprintf(f, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(f string, args ...any) {
	r.failed = fmt.Sprintf(f, args...)
	runtime.Goexit()
}

// startWithRecorder calls Start with a recorder in its own goroutine, so
// that Skipf and Fatalf can end it.
func startWithRecorder(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
	}()
	<-done
	return r
}

func TestStartWithoutRedis(t *testing.T) {
	for _, tc := range []struct {
		name, require string
		wantSkip      bool
	}{
		{name: "skips", require: "", wantSkip: true},
		{name: "fails when required", require: "1", wantSkip: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(RequireEnv, tc.require)

			r := startWithRecorder(t)
			message, other := r.failed, r.skipped
			if tc.wantSkip {
				message, other = r.skipped, r.failed
			}
			if !strings.Contains(message, "apt-get install redis-server") {
				t.Errorf("skipped %q, failed %q; want the install command in the %s",
					r.skipped, r.failed, map[bool]string{true: "skip", false: "failure"}[tc.wantSkip])
			}
			if other != "" {
				t.Errorf("skipped %q, failed %q; want only one of them", r.skipped, r.failed)
			}
		})
	}
}
