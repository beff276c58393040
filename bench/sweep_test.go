package bench_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iobench/iobench/bench"
)

// sweepRun are the flags of a short sweep whose 400/s step must fail: 10
// workers, with 20% of the requests held 200ms, can send about 250
// requests/s, so the attacker falls short of higher rates.
var sweepRun = []string{
	"-sweep", "-targets", "fasthttp", "-step-duration", "1s", "-sweep-start", "100",
	"-max-rate", "400", "-sweep-resolution", "0.1", "-sweep-timeout", "40s", "-slo", "1s",
	"-delay", "200ms", "-delay-ratio", "0.2", "-delay-seed", "42", "-max-workers", "10",
	"-progress", "off", "-stop-timeout", "5s",
}

func TestBenchSweepRampThenBisect(t *testing.T) {
	requireRedisServer(t)
	s, raw, stdout, err := runBench(t, context.Background(), sweepRun...)
	if err != nil {
		t.Fatalf("bench -sweep: %v", err)
	}
	checkSweepJSONNames(t, raw)
	if s.Sweep == nil || s.Sweep.MaxRate != 400 || s.Sweep.SLOMs != 1000 || s.Sweep.StepDurationS != 1 {
		t.Errorf("summary sweep settings = %+v, want max_rate 400, slo_ms 1000, step_duration_s 1", s.Sweep)
	}
	ts := findTarget(t, s, "fasthttp")
	if ts.Status != "ok" {
		t.Fatalf("fasthttp status %q (reason %q), want ok", ts.Status, ts.Reason)
	}
	if ts.SweepEnd != "resolution" && ts.SweepEnd != "no_pass" {
		t.Errorf("sweep_end = %q, want resolution or no_pass (400/s cannot pass)", ts.SweepEnd)
	}
	checkSweepOrder(t, ts.Sweep, 100, 400)

	highest := 0
	for _, st := range ts.Sweep {
		if st.Rate > 400 {
			t.Errorf("step %d at %d/s is above -max-rate 400", st.Index, st.Rate)
		}
		if st.Pass {
			highest = max(highest, st.Rate)
		}
		if st.Rate == 400 && (st.Pass || !st.AttackerLimited) {
			t.Errorf("step at 400/s: pass %v, attacker_limited %v; want a failure that blames the attacker (failures %q)",
				st.Pass, st.AttackerLimited, st.Failures)
		}
	}
	if ts.MaxSustainableRate == nil || *ts.MaxSustainableRate != highest {
		t.Errorf("max_sustainable_rate = %v, want %d, the highest passing step", ts.MaxSustainableRate, highest)
	}
	if !strings.Contains(stdout, "maximum sustainable rate") {
		t.Errorf("stdout lacks the maximum sustainable rate:\n%s", stdout)
	}
}

// checkSweepOrder checks that the steps are numbered in order and that each
// failed first try is retried. It also checks that a ramp from start
// doubles up to limit before any bisection, and that each bisection step
// lies between the highest passing and lowest failing rate before it.
func checkSweepOrder(t *testing.T, steps []bench.SweepStep, start, limit int) {
	t.Helper()
	if len(steps) < 2 {
		t.Fatalf("%d sweep steps, want a ramp and a bisection", len(steps))
	}
	pass, fail := 0, 0
	bisecting := false
	for i, st := range steps {
		if st.Index != i+1 {
			t.Errorf("step %d has index %d", i+1, st.Index)
		}
		if st.Retry > 0 {
			if prev := steps[i-1]; prev.Pass || prev.Rate != st.Rate || prev.Phase != st.Phase || prev.Retry != st.Retry-1 {
				t.Errorf("step %d: retry %d of %s %d/s follows %+v, want the failed try before it", i+1, st.Retry, st.Phase, st.Rate, prev)
			}
		} else if i > 0 && !steps[i-1].Pass && steps[i-1].Retry == 0 {
			t.Errorf("step %d follows a failed first try at %d/s without retrying it", i+1, steps[i-1].Rate)
		}
		switch {
		case st.Retry > 0:
		case st.Phase == "ramp":
			want := start
			if i > 0 {
				want = min(2*steps[i-1].Rate, limit)
			}
			if bisecting || st.Rate != want {
				t.Errorf("step %d: ramp at %d/s (after a bisection: %v), want %d/s", i+1, st.Rate, bisecting, want)
			}
		case st.Phase == "bisect":
			bisecting = true
			if st.Rate <= pass || fail == 0 || st.Rate >= fail {
				t.Errorf("step %d: bisection at %d/s, not between the pass %d/s and the failure %d/s", i+1, st.Rate, pass, fail)
			}
		default:
			t.Errorf("step %d: phase %q, want ramp or bisect", i+1, st.Phase)
		}
		// A failed try counts once no retry follows it.
		retried := i+1 < len(steps) && steps[i+1].Retry > 0
		if st.Pass {
			pass = max(pass, st.Rate)
		} else if !retried && (fail == 0 || st.Rate < fail) {
			fail = st.Rate
		}
	}
	if !bisecting {
		t.Errorf("no bisection step in %d steps", len(steps))
	}
}

// checkSweepJSONNames checks the names of the sweep fields in summary.json.
func checkSweepJSONNames(t *testing.T, raw []byte) {
	t.Helper()
	var doc struct {
		Sweep   map[string]any   `json:"sweep"`
		Targets []map[string]any `json:"targets"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("decode summary.json: %v", err)
	}
	for _, k := range []string{"slo_ms", "step_duration_s", "start_rate", "max_rate", "resolution", "retries", "timeout_s"} {
		if _, ok := doc.Sweep[k]; !ok {
			t.Errorf("summary.json sweep lacks %q", k)
		}
	}
	for _, k := range []string{"sweep", "max_sustainable_rate", "sweep_end"} {
		if _, ok := doc.Targets[0][k]; !ok {
			t.Errorf("summary.json target lacks %q", k)
		}
	}
	steps, _ := doc.Targets[0]["sweep"].([]any)
	if len(steps) == 0 {
		t.Fatal("summary.json target sweep is empty")
	}
	step, _ := steps[0].(map[string]any)
	for _, k := range []string{"index", "phase", "retry", "rate", "pass", "failures", "requests", "success_ratio",
		"achieved_rate", "fast_latency_ms", "cpu_percent", "peak_rss_bytes", "attacker_cpu_percent",
		"machine_cpu_percent", "attacker_limited", "attacker_reasons"} {
		if _, ok := step[k]; !ok {
			t.Errorf("summary.json sweep step lacks %q", k)
		}
	}
}

func TestBenchSweepCaps(t *testing.T) {
	requireRedisServer(t)
	common := []string{"-sweep", "-targets", "fasthttp", "-step-duration", "1s", "-sweep-start", "100",
		"-slo", "1s", "-delay-ratio", "0", "-progress", "off", "-stop-timeout", "5s"}

	s, _, _, err := runBench(t, context.Background(), append(common, "-max-rate", "150")...)
	if err != nil {
		t.Fatalf("bench -sweep -max-rate 150: %v", err)
	}
	ts := findTarget(t, s, "fasthttp")
	for _, st := range ts.Sweep {
		if st.Rate > 150 {
			t.Errorf("step %d at %d/s is above -max-rate 150", st.Index, st.Rate)
		}
	}
	// On a quiet machine both steps pass; on a busy one a step may fail,
	// and the sweep bisects below it.
	if len(ts.Sweep) == 2 && ts.Sweep[0].Pass && ts.Sweep[1].Pass {
		if ts.Sweep[1].Rate != 150 || ts.SweepEnd != "max_rate" || ts.MaxSustainableRate == nil || *ts.MaxSustainableRate != 150 {
			t.Errorf("rates %d, %d, sweep_end %q, max_sustainable_rate %v; want 100, 150 (capped), max_rate and 150",
				ts.Sweep[0].Rate, ts.Sweep[1].Rate, ts.SweepEnd, ts.MaxSustainableRate)
		}
	} else {
		t.Logf("a step failed on this machine: %+v", ts.Sweep)
		if len(ts.Sweep) > 2 {
			checkSweepOrder(t, ts.Sweep, 100, 150)
		}
	}

	// 3 s leave room for one or two 1 s steps, never for the whole ramp.
	s, _, _, err = runBench(t, context.Background(), append(common, "-max-rate", "100000", "-sweep-timeout", "3s")...)
	if err != nil {
		t.Fatalf("bench -sweep -sweep-timeout 3s: %v", err)
	}
	ts = findTarget(t, s, "fasthttp")
	if ts.SweepEnd != "timeout" {
		t.Errorf("sweep_end = %q, want timeout", ts.SweepEnd)
	}
	if n := len(ts.Sweep); n < 1 || n > 3 {
		t.Errorf("%d steps within -sweep-timeout 3s of 1s steps, want 1 to 3", n)
	}
}

func TestBenchSweepInterrupt(t *testing.T) {
	requireRedisServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &callOnWrite{match: "fasthttp: ", also: "sweep step 2", call: cancel}
	out := t.TempDir()
	err := bench.Main(ctx, []string{"-sweep", "-targets", "fasthttp,nethttp", "-step-duration", "2s",
		"-sweep-start", "50", "-slo", "1s", "-delay-ratio", "0", "-progress", "off", "-out", out}, io.Discard, stderr)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("bench error = %v, want context.Canceled", err)
	}
	s := readSummary(t, out)
	if !s.Partial {
		t.Error("summary.partial = false, want true")
	}
	ts := findTarget(t, s, "fasthttp")
	if ts.Status != "partial" || ts.SweepEnd != "interrupted" {
		t.Errorf("fasthttp status %q, sweep_end %q; want partial and interrupted", ts.Status, ts.SweepEnd)
	}
	if n := len(ts.Sweep); n != 2 || !ts.Sweep[1].Interrupted || ts.Sweep[1].Pass {
		t.Fatalf("steps = %+v, want 2 with the second interrupted and not passed", ts.Sweep)
	}
	want := 0
	if ts.Sweep[0].Pass {
		want = 50
	}
	if ts.MaxSustainableRate == nil || *ts.MaxSustainableRate != want {
		t.Errorf("max_sustainable_rate = %v, want %d (only the first step counts)", ts.MaxSustainableRate, want)
	}
	if second := findTarget(t, s, "nethttp"); second.Status != "not_run" {
		t.Errorf("nethttp status = %q, want not_run", second.Status)
	}
	for _, name := range []string{"summary.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s not written after the interrupt: %v", name, err)
		}
	}
}

func TestBenchSweepBadFlags(t *testing.T) {
	checkBadFlags(t, []badFlags{
		{[]string{"-sweep", "-rate", "100"}, "-rate and -sweep exclude each other"},
		{[]string{"-sweep", "-duration", "5s"}, "use -step-duration"},
		{[]string{"-sweep", "-warmup", "5s"}, "-warmup and -sweep"},
		{[]string{"-slo", "5ms"}, "-slo needs -sweep"},
		{[]string{"-max-rate", "500"}, "-max-rate needs -sweep"},
		{[]string{"-sweep", "-slo", "0s"}, "for -slo: want a duration above 0"},
		{[]string{"-sweep", "-max-rate", "0"}, "for -max-rate"},
		{[]string{"-sweep", "-sweep-start", "500", "-max-rate", "100"}, "for -sweep-start"},
		{[]string{"-sweep", "-sweep-resolution", "2"}, "for -sweep-resolution"},
		{[]string{"-sweep", "-step-retries", "-1"}, "for -step-retries"},
		{[]string{"-step-retries", "2"}, "-step-retries needs -sweep"},
		{[]string{"-sweep", "-step-duration", "10ms"}, "for -step-duration"},
		{[]string{"-sweep", "-step-duration", "10s", "-sweep-timeout", "5s"}, "for -sweep-timeout"},
		{[]string{"-sweep", "-max-rate", "1000000", "-step-duration", "1h"}, "lower -max-rate or -step-duration"},
	})
}
