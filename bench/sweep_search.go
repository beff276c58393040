package bench

// Phases of a sweep step, and the reasons a sweep ends, as stored in
// summary.json.
const (
	phaseRamp   = "ramp"   // the rate doubles after each passing step
	phaseBisect = "bisect" // the rate halves the gap between a pass and a failure

	endResolution = "resolution"   // the gap between the pass and the failure is within -sweep-resolution
	endMaxRate    = "max_rate"     // -max-rate passed: the real limit may be higher
	endNoPass     = "no_pass"      // even 1 request/s failed
	endTimeout    = "timeout"      // -sweep-timeout left no time for another step
	endExited     = "exited"       // the target exited during a step
	endInterrupt  = "interrupted"  // Ctrl-C
	endNotRun     = "not_attacked" // the target failed before the sweep
)

// searchParams are the bounds of a rate search.
type searchParams struct {
	Start      int     // first rate
	Max        int     // highest rate to try
	Resolution float64 // stop when the failing rate is within this fraction above the passing one
}

// probe is the outcome of one rate tried, the input of the search.
type probe struct {
	Rate int
	Pass bool
}

// searchBounds returns the highest passing rate and the lowest failing rate
// of done, 0 where there is none.
func searchBounds(done []probe) (pass, fail int) {
	for _, p := range done {
		switch {
		case p.Pass && p.Rate > pass:
			pass = p.Rate
		case !p.Pass && (fail == 0 || p.Rate < fail):
			fail = p.Rate
		}
	}
	return pass, fail
}

// nextRate decides the next step of a search from the steps done so far.
// The ramp starts at p.Start and doubles the rate, capped at p.Max, until a
// step fails. Then bisection halves the gap between the highest passing
// rate (0 when none passed) and the lowest failing rate, until the gap is
// at most p.Resolution times the passing rate, or 1 request/s. Every rate
// it returns lies strictly between those two rates, so the highest passing
// rate is always below the lowest failing one. It returns end != "" when
// the search is over.
func nextRate(p searchParams, done []probe) (rate int, phase, end string) {
	if len(done) == 0 {
		return min(p.Start, p.Max), phaseRamp, ""
	}
	pass, fail := searchBounds(done)
	if fail == 0 {
		if pass >= p.Max {
			return 0, "", endMaxRate
		}
		return min(2*pass, p.Max), phaseRamp, ""
	}
	gap := fail - pass
	if gap <= max(1, int(p.Resolution*float64(pass))) {
		if pass == 0 {
			return 0, "", endNoPass
		}
		return 0, "", endResolution
	}
	return pass + gap/2, phaseBisect, ""
}
