package bench

import (
	"flag"
	"fmt"
	"time"

	"github.com/iobench/iobench/internal/cliflag"
)

// SweepConfig sets the search for each target's maximum sustainable rate
// (-sweep).
type SweepConfig struct {
	Enabled      bool          // -sweep
	SLO          time.Duration // -slo: the fast-path p99 must stay under it
	StepDuration time.Duration // -step-duration: attack length of one step
	Start        int           // -sweep-start: first rate of the ramp
	MaxRate      int           // -max-rate: highest rate tried
	Resolution   float64       // -sweep-resolution: relative gap that ends the bisection
	Timeout      time.Duration // -sweep-timeout: time budget per target
	Retries      int           // -step-retries: extra tries of a failing step
}

// sweepOnlyFlags have a meaning only with -sweep.
var sweepOnlyFlags = []string{"slo", "step-duration", "sweep-start", "max-rate", "sweep-resolution", "sweep-timeout", "step-retries"}

// notWithSweep are the flags of a single attack that a sweep replaces,
// with the flag to use instead.
var notWithSweep = map[string]string{
	"rate":     "-sweep-start and -max-rate",
	"duration": "-step-duration",
	"warmup":   "a lower -sweep-start (the first steps warm the target up)",
}

func addSweepFlags(fs *flag.FlagSet, s *SweepConfig) {
	fs.BoolVar(&s.Enabled, "sweep", false, "search each target's maximum sustainable rate: a ramp that doubles the rate from -sweep-start, then a bisection, one short attack per step")
	fs.DurationVar(&s.SLO, "slo", 10*time.Millisecond, "with -sweep: a step passes when every request succeeds and the p99 latency of fast responses (no X-Delayed) is below this")
	fs.DurationVar(&s.StepDuration, "step-duration", 10*time.Second, "with -sweep: attack length of one step; a step also waits for its delayed responses (about -delay more)")
	fs.IntVar(&s.Start, "sweep-start", 1000, "with -sweep: first rate of the ramp, in `requests` per second")
	fs.IntVar(&s.MaxRate, "max-rate", 20000, "with -sweep: highest rate tried, in `requests` per second")
	fs.Float64Var(&s.Resolution, "sweep-resolution", 0.05, "with -sweep: the bisection stops when the lowest failing rate is within this `fraction` above the highest passing rate")
	fs.IntVar(&s.Retries, "step-retries", 1, "with -sweep: run a failing step again up to this many `times`; the rate fails only when every try fails")
	fs.DurationVar(&s.Timeout, "sweep-timeout", 6*time.Minute, "with -sweep: time budget per target; no step starts that could end after it, and a step still running at its end is stopped")
}

// validateSweep checks the -sweep flags and their combination with the
// flags of a single attack. set contains the flags given on the command
// line or in the environment.
func (c *Config) validateSweep(set map[string]bool) error {
	s := &c.Sweep
	if !s.Enabled {
		for _, name := range sweepOnlyFlags {
			if set[name] {
				return cliflag.Usagef("-%s needs -sweep: it sets the search for the maximum sustainable rate", name)
			}
		}
		return nil
	}
	for _, name := range []string{"rate", "duration", "warmup"} {
		if set[name] {
			return cliflag.Usagef("-%s and -sweep exclude each other: a sweep picks the rate and length of each step; use %s", name, notWithSweep[name])
		}
	}
	checks := []valueCheck{
		{s.SLO <= 0, "slo", "a duration above 0, e.g. 10ms", s.SLO},
		{s.StepDuration < 100*time.Millisecond || s.StepDuration > time.Hour, "step-duration", "a duration from 100ms to 1h, e.g. 10s", s.StepDuration},
		{s.MaxRate <= 0 || s.MaxRate > maxRate, "max-rate", fmt.Sprintf("a whole number of requests per second from 1 to %d, e.g. 20000", maxRate), s.MaxRate},
		{s.Start <= 0 || s.Start > s.MaxRate, "sweep-start", fmt.Sprintf("a whole number of requests per second from 1 to -max-rate (%d), e.g. 1000", s.MaxRate), s.Start},
		{!(s.Resolution >= 0.001 && s.Resolution <= 0.5), "sweep-resolution", "a fraction from 0.001 to 0.5, e.g. 0.05 for 5%", s.Resolution},
		{s.Retries < 0 || s.Retries > 5, "step-retries", "a whole number from 0 to 5, e.g. 1", s.Retries},
		{s.Timeout <= 0 || s.Timeout > maxDuration, "sweep-timeout", "a duration above 0 and at most 24h, e.g. 6m", s.Timeout},
	}
	if err := firstInvalid(checks); err != nil {
		return err
	}
	if n := float64(s.MaxRate) * s.StepDuration.Seconds(); n > maxRequests {
		return cliflag.Usagef("-max-rate %d for -step-duration %v makes %.0f requests per step; want at most %d (lower -max-rate or -step-duration)",
			s.MaxRate, s.StepDuration, n, maxRequests)
	}
	if need := s.StepDuration + c.delayTail(); s.Timeout < need {
		return cliflag.Usagef("invalid value %q for -sweep-timeout: one step takes -step-duration plus -delay (%v); want at least that", s.Timeout, need)
	}
	return nil
}

// delayTail returns how long a step waits for its delayed responses after
// it stops sending: -delay, or 0 when no request is delayed.
func (c *Config) delayTail() time.Duration {
	if c.DelayRatio == 0 {
		return 0
	}
	return c.Delay
}
