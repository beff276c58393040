package bench

import (
	"os"
	"runtime/debug"
)

// harnessGCPercent is the GOGC of the harness during a run, unless the
// GOGC environment variable sets one. The attacker allocates for every
// result. At the default of 100 it collected about three times a second at
// 9000 requests/s, and each mark phase took about 50 ms of one core. On a
// 2-core machine the target then waits for a core, which shows up in its
// tail latency (BENCHMARKS.md has the measurement). The price is memory in
// the harness, which is not measured: its heap may grow to about eleven
// times its live size.
const harnessGCPercent = 1000

// tuneHarnessGC sets the harness's GC percent for the run and returns the
// value in effect and a function that restores the previous one.
func tuneHarnessGC() (percent int, restore func()) {
	if os.Getenv("GOGC") != "" {
		old := debug.SetGCPercent(-1)
		debug.SetGCPercent(old)
		return old, func() {}
	}
	old := debug.SetGCPercent(harnessGCPercent)
	return harnessGCPercent, func() { debug.SetGCPercent(old) }
}
