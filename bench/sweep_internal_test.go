package bench

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func steps(spec string) []probe {
	var out []probe
	for _, f := range strings.Fields(spec) {
		var p probe
		p.Pass = strings.HasSuffix(f, "P")
		for _, c := range strings.TrimRight(f, "PF") {
			p.Rate = 10*p.Rate + int(c-'0')
		}
		out = append(out, p)
	}
	return out
}

func TestNextRateDecisions(t *testing.T) {
	params := searchParams{Start: 100, Max: 1000, Resolution: 0.1}
	cases := []struct {
		name  string
		p     searchParams
		done  string // rate then P (pass) or F (fail), in the order run
		rate  int
		phase string
		end   string
	}{
		{"first step", params, "", 100, phaseRamp, ""},
		{"ramp doubles", params, "100P", 200, phaseRamp, ""},
		{"ramp capped at max", params, "100P 200P 400P 800P", 1000, phaseRamp, ""},
		{"max passed", params, "100P 200P 400P 800P 1000P", 0, "", endMaxRate},
		{"first failure bisects", params, "100P 200P 400F", 300, phaseBisect, ""},
		{"failure lowers the top", params, "100P 200P 400F 300F", 250, phaseBisect, ""},
		{"pass raises the bottom", params, "100P 200P 400F 300F 250P", 275, phaseBisect, ""},
		{"gap within resolution", params, "100P 200P 400F 300F 250P 275F", 0, "", endResolution},
		{"start fails: bisect down", params, "100F", 50, phaseBisect, ""},
		{"down to 1 request/s", params, "100F 50F 25F 12F 6F 3F", 1, phaseBisect, ""},
		{"nothing passes", params, "100F 50F 25F 12F 6F 3F 1F", 0, "", endNoPass},
		{"start above max", searchParams{Start: 2000, Max: 1000, Resolution: 0.1}, "", 1000, phaseRamp, ""},
		{"gap of 1 ends", searchParams{Start: 10, Max: 100, Resolution: 0.001}, "10P 20P 40F 30P 35F 32P 33F", 0, "", endResolution},
		{"ignores order", params, "400F 100P 200P", 300, phaseBisect, ""},
	}
	for _, c := range cases {
		rate, phase, end := nextRate(c.p, steps(c.done))
		if rate != c.rate || phase != c.phase || end != c.end {
			t.Errorf("%s: nextRate after %q = (%d, %q, %q), want (%d, %q, %q)",
				c.name, c.done, rate, phase, end, c.rate, c.phase, c.end)
		}
	}
}

// TestNextRateConverges runs whole searches against targets that pass
// every rate up to a threshold.
func TestNextRateConverges(t *testing.T) {
	p := searchParams{Start: 100, Max: 5000, Resolution: 0.05}
	for _, threshold := range []int{0, 1, 7, 137, 999, 4999, 5000, 100000} {
		var done []probe
		end := ""
		for i := 0; i < 100 && end == ""; i++ {
			var rate int
			var phase string
			rate, phase, end = nextRate(p, done)
			if end != "" {
				break
			}
			if rate < 1 || rate > p.Max {
				t.Fatalf("threshold %d: step %d rate %d outside 1..%d", threshold, i+1, rate, p.Max)
			}
			pass, fail := searchBounds(done)
			if rate <= pass || (fail > 0 && rate >= fail) {
				t.Errorf("threshold %d: step %d (%s) rate %d not between pass %d and fail %d", threshold, i+1, phase, rate, pass, fail)
			}
			if phase == phaseRamp && fail > 0 {
				t.Errorf("threshold %d: step %d ramps after a failure", threshold, i+1)
			}
			done = append(done, probe{Rate: rate, Pass: rate <= threshold})
		}
		pass, fail := searchBounds(done)
		switch {
		case end == "":
			t.Errorf("threshold %d: no end after 100 steps: %v", threshold, done)
		case threshold >= p.Max:
			if end != endMaxRate || pass != p.Max {
				t.Errorf("threshold %d: end %q, pass %d; want %q and %d", threshold, end, pass, endMaxRate, p.Max)
			}
		case threshold == 0:
			if end != endNoPass || pass != 0 {
				t.Errorf("threshold 0: end %q, pass %d; want %q and 0", end, pass, endNoPass)
			}
		default:
			if pass > threshold || fail <= threshold || float64(fail-pass) > max(1, p.Resolution*float64(pass)) {
				t.Errorf("threshold %d: ended %q with pass %d, fail %d; want pass <= threshold < fail within 5%%", threshold, end, pass, fail)
			}
		}
	}
}

func TestStepJudgement(t *testing.T) {
	cfg := &Config{Rate: 1000, Duration: 10 * time.Second, Sweep: SweepConfig{SLO: 10 * time.Millisecond}}
	base := SweepStep{Requests: 10000, SuccessRatio: 1, FastLatencyMs: Percentiles{Count: 9500, P99: 2}}
	cases := []struct {
		name     string
		edit     func(*SweepStep)
		fail     string // a failure that must be listed; "" for a pass
		attacker string // an attacker limit that must be listed; "" for none
	}{
		{"pass", func(*SweepStep) {}, "", ""},
		{"slow p99", func(s *SweepStep) { s.FastLatencyMs.P99 = 10 }, "SLO", ""},
		{"one error", func(s *SweepStep) { s.SuccessRatio = 0.9999 }, "1 requests failed", ""},
		{"no fast responses", func(s *SweepStep) { s.FastLatencyMs.Count = 0 }, "no fast response", ""},
		{"short of requests", func(s *SweepStep) { s.Requests = 9000 }, "sent 9000 of 10000", "sent only 9000"},
		{"attacker uses the cores", func(s *SweepStep) { s.AttackerCPUPercent = 170 }, "", "near the 2 cores"},
		{"saturated by others", func(s *SweepStep) {
			s.MachineCPUPercent, s.CPUPercent, s.AttackerCPUPercent = ptr(95.0), ptr(5.0), 10
		}, "", ""},
		{"saturated, attacker larger", func(s *SweepStep) {
			s.MachineCPUPercent, s.CPUPercent, s.AttackerCPUPercent = ptr(95.0), ptr(60.0), 120
		}, "", "cores were 95% busy"},
		{"saturated, target larger", func(s *SweepStep) {
			s.MachineCPUPercent, s.CPUPercent, s.AttackerCPUPercent = ptr(95.0), ptr(110.0), 70
		}, "", ""},
	}
	for _, c := range cases {
		st := base
		c.edit(&st)
		failures := stepFailures(&st, &measurement{Outcome: &attackOutcome{}}, cfg)
		limits := attackerLimits(&st, cfg, 2)
		checkListed(t, c.name+" failures", failures, c.fail)
		checkListed(t, c.name+" attacker limits", limits, c.attacker)
	}
}

// checkListed checks that list is empty when want is "", else that an item
// contains want.
func checkListed(t *testing.T, what string, list []string, want string) {
	t.Helper()
	if want == "" {
		if len(list) > 0 {
			t.Errorf("%s = %q, want none", what, list)
		}
		return
	}
	for _, item := range list {
		if strings.Contains(item, want) {
			return
		}
	}
	t.Errorf("%s = %q, want one containing %q", what, list, want)
}

func TestAttackerWarning(t *testing.T) {
	cases := []struct {
		name string
		step *SweepStep
		want string
	}{
		{"no failure", nil, ""},
		{"flagged", &SweepStep{Rate: 800, AttackerLimited: true, AttackerReasons: []string{"it sent only 10 of 20 requests"}}, "the attacker was the limit (it sent only 10"},
		{"idle target, busy attacker", &SweepStep{Rate: 800, CPUPercent: ptr(30.0), AttackerCPUPercent: 60}, "the target was not short of CPU"},
		{"busy target", &SweepStep{Rate: 800, CPUPercent: ptr(90.0), AttackerCPUPercent: 120}, ""},
		{"target busier than attacker", &SweepStep{Rate: 800, CPUPercent: ptr(40.0), AttackerCPUPercent: 30}, ""},
		{"target not measured", &SweepStep{Rate: 800, AttackerCPUPercent: 60}, ""},
	}
	for _, c := range cases {
		got := attackerWarning(c.step)
		if c.want == "" && got != "" {
			t.Errorf("%s: warning %q, want none", c.name, got)
		}
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: warning %q, want it to contain %q", c.name, got, c.want)
		}
	}
}

func TestDecidingStepsPerRate(t *testing.T) {
	steps := []SweepStep{
		{Index: 1, Rate: 100, Pass: true},
		{Index: 2, Rate: 200, Pass: false},
		{Index: 3, Rate: 200, Pass: true, Retry: 1},
		{Index: 4, Rate: 400, Pass: false},
		{Index: 5, Rate: 400, Pass: false, Retry: 1},
		{Index: 6, Rate: 300, Pass: false, Interrupted: true},
	}
	got := decidingSteps(steps)
	var indexes []int
	for _, st := range got {
		indexes = append(indexes, st.Index)
	}
	if want := []int{1, 3, 5}; !slices.Equal(indexes, want) {
		t.Errorf("deciding steps = %v, want %v", indexes, want)
	}
}

func TestSweepReportsShowSteps(t *testing.T) {
	steps := []SweepStep{
		{Index: 1, Phase: phaseRamp, Rate: 100, Pass: true, SuccessRatio: 1, FastLatencyMs: Percentiles{Count: 95, P99: 2}, CPUPercent: ptr(12.0)},
		{Index: 2, Phase: phaseRamp, Rate: 200, SuccessRatio: 1, FastLatencyMs: Percentiles{Count: 190, P99: 20}, Failures: []string{"slow"}},
		{Index: 3, Phase: phaseRamp, Rate: 200, Retry: 1, SuccessRatio: 1, FastLatencyMs: Percentiles{Count: 190, P99: 30}, Failures: []string{"slow"}},
		{Index: 4, Phase: phaseBisect, Rate: 150, Pass: true, SuccessRatio: 1, FastLatencyMs: Percentiles{Count: 140, P99: 4}},
	}
	s := &Summary{
		Baseline: "nethttp", Sweep: &SweepSettings{SLOMs: 10, StartRate: 100, MaxRate: 400},
		Targets: []TargetSummary{
			{Name: "fasthttp", Status: statusOK, Sweep: steps, MaxSustainableRate: ptr(150), SweepEnd: endResolution},
			{Name: "nethttp", Status: statusOK, Sweep: steps[:1], MaxSustainableRate: ptr(100), SweepEnd: endTimeout},
		},
	}

	var html bytes.Buffer
	if err := writeHTML(&html, s, map[string]*measurement{}); err != nil {
		t.Fatalf("writeHTML: %v", err)
	}
	page := html.String()
	for _, want := range []string{`id="sweep-p99"`, `"maxRate":150`, `"rate":200,"p99":30`, "ramp (retry 1)"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// html/template pads numbers in scripts with spaces.
	if !strings.Contains(strings.ReplaceAll(page, " ", ""), "constSLO_MS=10;") {
		t.Error("report.html lacks the SLO of 10 ms for the chart")
	}

	var md bytes.Buffer
	writeMarkdown(&md, s)
	for _, want := range []string{"## Maximum sustainable rate", "fasthttp / nethttp: 1.50x (150/s vs 100/s)", "| 3 | ramp (retry 1) | 200/s | fail |", "| max sustainable rate | 150/s (1.50x) | 100/s |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md.String())
		}
	}
}
