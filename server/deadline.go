package server

import (
	"context"
	"sync/atomic"
	"time"
)

// slotsPerTimeout is how many slots one Redis timeout is cut into. A
// request's Redis read gets at least timeout*(1-1/slotsPerTimeout), and at
// most timeout.
const slotsPerTimeout = 64

// sharedTimeout hands out Redis timeout contexts to requests whose parent
// context never ends, as on the fasthttp engine. Requests that start within
// one slot share a context that ends at the slot's start plus the timeout.
// A context.WithTimeout per request costs 4 allocations (272 B, Go 1.26),
// which is all the fasthttp path allocates on a client-side cache hit. A
// shared context costs them once per slot instead, so at most
// slotsPerTimeout times per timeout whatever the request rate.
//
// A sharedTimeout is safe for concurrent use.
type sharedTimeout struct {
	timeout time.Duration
	slot    time.Duration
	current atomic.Pointer[timeoutSlot]
}

// timeoutSlot is one shared context and the time its slot started.
type timeoutSlot struct {
	ctx   context.Context
	start time.Time
	// cancel is never called: the context ends at its deadline, which also
	// stops its timer. Keeping it satisfies go vet's lostcancel check.
	cancel context.CancelFunc
}

func newSharedTimeout(timeout time.Duration) *sharedTimeout {
	return &sharedTimeout{timeout: timeout, slot: timeout / slotsPerTimeout}
}

// context returns a context for a request that starts at now. It ends
// after at least timeout minus one slot and at most timeout from now, and
// nothing cancels it earlier.
func (s *sharedTimeout) context(now time.Time) context.Context {
	cur := s.current.Load()
	if cur != nil {
		// A slot that another goroutine started after now would give this
		// request more than the timeout, so it is not shared.
		if age := now.Sub(cur.start); age >= 0 && age < s.slot {
			return cur.ctx
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(s.timeout))
	s.current.CompareAndSwap(cur, &timeoutSlot{ctx: ctx, start: now, cancel: cancel})
	return ctx
}
