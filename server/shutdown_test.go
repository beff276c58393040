package server

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// TestShutdownClosesSilentConn connects a client that sends nothing. Both
// engines would wait 5 s before they close such a connection; Shutdown
// closes it and returns nil well within its 3 s timeout.
func TestShutdownClosesSilentConn(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := start(t, Config{Engine: engine, Client: openRueidis(t, redis.URL(), time.Minute), Key: testKey})
			silent := srv.dial(t)
			defer silent.Close()
			wantText(t, "GET /test", srv.get(t, "/test"), 200, "v1")

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown with a silent connection open: %v, want nil", err)
			}
			t.Logf("Shutdown with a silent connection took %v", time.Since(start))
			if n, err := silent.Read(make([]byte, 1)); err == nil || errIsTimeout(err) {
				t.Errorf("read on the silent connection after Shutdown: %d bytes, %v; want it closed", n, err)
			}
		})
	}
}

// TestShutdownTimeoutNoRequestInFlight leaves a client stalled in the
// middle of its request head. No request reaches a handler, so when the
// shutdown timeout passes, Shutdown closes the connection and returns nil.
func TestShutdownTimeoutNoRequestInFlight(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := start(t, Config{Engine: engine, Client: openRueidis(t, redis.URL(), time.Minute), Key: testKey})
			stalled := srv.dial(t)
			defer stalled.Close()
			if _, err := io.WriteString(stalled, "GET /test HTTP/1.1\r\n"); err != nil {
				t.Fatalf("write a partial request head: %v", err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown with a stalled request head: %v, want nil", err)
			}
			if n, err := stalled.Read(make([]byte, 1)); err == nil || errIsTimeout(err) {
				t.Errorf("read on the stalled connection after Shutdown: %d bytes, %v; want it closed", n, err)
			}
		})
	}
}

// TestShutdownTimeout checks that Shutdown gives up when its context ends
// before a delayed request finishes: it names the request still running
// and closes its connection.
func TestShutdownTimeout(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := startDelayed(t, engine, redis, 3*time.Second, 1, 0)
			done := make(chan reply, 1)
			go func() { done <- fetch(srv.url + "/test") }()
			waitDraws(t, delayer(srv.Server), 1)

			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := srv.Shutdown(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown with a request in flight: %v, want context.DeadlineExceeded", err)
			}
			if err != nil && !strings.Contains(err.Error(), "1 request still running") {
				t.Errorf("Shutdown with a request in flight: %q, want it to say 1 request still running", err)
			}
			if got := <-done; got.status != 0 {
				t.Errorf("request in flight at the shutdown timeout: status %d %q, want its connection closed",
					got.status, got.body)
			}
		})
	}
}
