package server

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Delayer decides which requests are delayed and for how long. Decisions
// are lock-free: the n-th decision is a hash of the seed and n, so the same
// seed gives the same sequence of decisions. Under concurrency the order in
// which requests take their turn still depends on arrival.
//
// A Delayer is safe for concurrent use.
type Delayer struct {
	delay     time.Duration
	threshold uint64 // a draw below threshold is delayed
	always    bool   // ratio 1: every request is delayed
	seed      uint64
	draws     atomic.Uint64
}

// NewDelayer returns a Delayer that delays a request by delay with
// probability ratio. ratio must be in [0, 1] and delay must not be
// negative; either at 0 disables the delay. seed 0 draws a random seed.
func NewDelayer(delay time.Duration, ratio float64, seed int64) (*Delayer, error) {
	if delay < 0 {
		return nil, fmt.Errorf("invalid delay %v: want 0 or a positive duration", delay)
	}
	if math.IsNaN(ratio) || ratio < 0 || ratio > 1 {
		return nil, fmt.Errorf("invalid delay ratio %v: want a number from 0 to 1", ratio)
	}
	for seed == 0 {
		seed = rand.Int64()
	}

	d := &Delayer{delay: delay, seed: uint64(seed)}
	switch {
	case delay == 0 || ratio == 0:
		// threshold 0: no draw is below it.
	case ratio == 1:
		d.always = true
	default:
		// ratio < 1, so the product stays below 2^64.
		d.threshold = uint64(ratio * (1 << 64))
	}
	return d, nil
}

// Enabled reports whether any request can be delayed.
func (d *Delayer) Enabled() bool { return d.always || d.threshold > 0 }

// Seed returns the seed of the decision sequence.
func (d *Delayer) Seed() int64 { return int64(d.seed) }

// Duration returns how long a delayed request waits.
func (d *Delayer) Duration() time.Duration { return d.delay }

// Next takes the next decision and reports whether that request is delayed.
func (d *Delayer) Next() bool {
	if d.always {
		d.draws.Add(1)
		return true
	}
	n := d.draws.Add(1)
	return mix64(d.seed+n*0x9e3779b97f4a7c15) < d.threshold
}

// mix64 is the SplitMix64 finalizer (Steele, Lea and Flood, 2014): a
// bijection whose output bits each depend on every input bit, so
// consecutive counters give independent-looking uniform draws.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Delay returns middleware that makes a share of requests wait
// d.Duration() before running next, so the wait is on top of next's work.
// A delayed response carries the header X-Delayed: true, set before next
// runs. The wait ends early only when ctx ends, and the request then ends
// without a response. Both engines pass a context that never ends, so a
// delayed request always waits in full. The middleware writes no status
// itself: next produces every status code.
// With a disabled Delayer it returns next unchanged.
func Delay(d *Delayer) func(next Handler) Handler {
	return func(next Handler) Handler {
		if !d.Enabled() {
			return next
		}
		return func(ctx context.Context, w ResponseWriter) {
			if !d.Next() {
				next(ctx, w)
				return
			}
			w.SetHeader(headerDelayed, headerTrue)
			if !sleep(ctx, d.delay) {
				return
			}
			next(ctx, w)
		}
	}
}

// sleep waits for d and reports whether it waited in full, false when ctx
// ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	done := ctx.Done()
	if done == nil {
		time.Sleep(d)
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
