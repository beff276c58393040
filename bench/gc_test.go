package bench

import (
	"runtime/debug"
	"testing"
)

func TestTuneHarnessGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)

	percent, restore := tuneHarnessGC()
	if percent != harnessGCPercent {
		t.Errorf("tuneHarnessGC without GOGC = %d, want %d", percent, harnessGCPercent)
	}
	if now := debug.SetGCPercent(before); now != harnessGCPercent {
		t.Errorf("GC percent during the run = %d, want %d", now, harnessGCPercent)
	}
	debug.SetGCPercent(harnessGCPercent)
	restore()
	if now := debug.SetGCPercent(before); now != before {
		t.Errorf("GC percent after restore = %d, want %d", now, before)
	}

	// With GOGC set, the harness keeps what the runtime read from it.
	t.Setenv("GOGC", "300")
	percent, restore = tuneHarnessGC()
	restore()
	if percent != before {
		t.Errorf("tuneHarnessGC with GOGC set = %d, want the current %d", percent, before)
	}
	if now := debug.SetGCPercent(before); now != before {
		t.Errorf("GC percent with GOGC set = %d, want %d unchanged", now, before)
	}
}
