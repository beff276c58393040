package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSharedTimeoutDeadlines(t *testing.T) {
	s := newSharedTimeout(time.Second)
	start := time.Now()

	first := s.context(start)
	checkDeadline(t, "first request", first, start.Add(time.Second))

	// 10 ms later is within the same 15.625 ms slot: same context.
	if got := s.context(start.Add(10 * time.Millisecond)); got != first {
		t.Errorf("request 10ms later got a new context, want the shared one")
	}

	// A request that starts before the slot would get more than the
	// timeout from the shared context, so it gets its own.
	early := start.Add(-time.Millisecond)
	checkDeadline(t, "earlier request", s.context(early), early.Add(time.Second))

	// After the slot, a new context with a new deadline.
	later := start.Add(20 * time.Millisecond)
	next := s.context(later)
	if next == first {
		t.Errorf("request 20ms later got the first context, want a new one")
	}
	checkDeadline(t, "request 20ms later", next, later.Add(time.Second))
	if got := s.context(later.Add(time.Millisecond)); got != next {
		t.Errorf("request 21ms later got another context, want the one of 20ms")
	}
}

func checkDeadline(t *testing.T, what string, ctx context.Context, want time.Time) {
	t.Helper()
	got, ok := ctx.Deadline()
	if !ok {
		t.Fatalf("%s: context has no deadline", what)
	}
	if !got.Equal(want) {
		t.Errorf("%s: deadline %v, want %v", what, got, want)
	}
}

func TestSharedTimeoutEnds(t *testing.T) {
	s := newSharedTimeout(50 * time.Millisecond)
	waitDone(t, s.context(time.Now()), context.DeadlineExceeded)
}

func TestRedisContextKeepsParent(t *testing.T) {
	r := &routes{timeout: time.Minute, shared: newSharedTimeout(time.Minute)}
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel := r.redisContext(parent)
	defer cancel()

	cancelParent()
	waitDone(t, ctx, context.Canceled)
}

// waitDone waits up to eventually for ctx to end, and checks its error.
func waitDone(t *testing.T, ctx context.Context, want error) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(eventually):
		t.Fatalf("context not done after %v, want %v", eventually, want)
	}
	if err := ctx.Err(); !errors.Is(err, want) {
		t.Errorf("Err() = %v, want %v", err, want)
	}
}
