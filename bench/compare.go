package bench

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// figure is one row of the comparison table: how to read a value from a
// target and how to print it. ok is false when the figure was not measured.
type figure struct {
	label  string
	value  func(*TargetSummary) (v float64, ok bool)
	format func(float64) string
}

func always(f func(*TargetSummary) float64) func(*TargetSummary) (float64, bool) {
	return func(ts *TargetSummary) (float64, bool) { return f(ts), true }
}

func optional[T int64 | float64](f func(*TargetSummary) *T) func(*TargetSummary) (float64, bool) {
	return func(ts *TargetSummary) (float64, bool) {
		p := f(ts)
		if p == nil {
			return 0, false
		}
		return float64(*p), true
	}
}

// latency returns a figure's value function for one percentile of a
// latency group; an empty group has no value.
func latency(group func(*TargetSummary) Percentiles, pick func(Percentiles) float64) func(*TargetSummary) (float64, bool) {
	return func(ts *TargetSummary) (float64, bool) {
		p := group(ts)
		return pick(p), p.Count > 0
	}
}

func allLatency(t *TargetSummary) Percentiles     { return t.LatencyMs }
func fastLatency(t *TargetSummary) Percentiles    { return t.FastLatencyMs }
func delayedLatency(t *TargetSummary) Percentiles { return t.DelayedLatencyMs }

func fmtPercent(v float64) string { return fmt.Sprintf("%.2f%%", v) }
func fmtRate(v float64) string    { return fmt.Sprintf("%.1f/s", v) }
func fmtSeconds(v float64) string { return fmt.Sprintf("%.2fs", v) }
func fmtMB(v float64) string      { return fmt.Sprintf("%.1f MB", v/1e6) }
func fmtMicros(v float64) string  { return fmt.Sprintf("%.0fµs", v) }

// fmtMs prints a latency given in milliseconds with a unit that suits it.
func fmtMs(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.3fs", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.3fms", v)
	}
}

var figures = []figure{
	{"success", always(func(t *TargetSummary) float64 { return 100 * t.SuccessRatio }), fmtPercent},
	{"throughput (vegeta)", always(func(t *TargetSummary) float64 { return t.Throughput }), fmtRate},
	{"achieved rate", always(func(t *TargetSummary) float64 { return t.AchievedRate }), fmtRate},
	{"fast p50", latency(fastLatency, func(p Percentiles) float64 { return p.P50 }), fmtMs},
	{"fast p99", latency(fastLatency, func(p Percentiles) float64 { return p.P99 }), fmtMs},
	{"fast p99.9", latency(fastLatency, func(p Percentiles) float64 { return p.P999 }), fmtMs},
	{"all p95", latency(allLatency, func(p Percentiles) float64 { return p.P95 }), fmtMs},
	{"all p99", latency(allLatency, func(p Percentiles) float64 { return p.P99 }), fmtMs},
	{"all max", latency(allLatency, func(p Percentiles) float64 { return p.Max }), fmtMs},
	{"delayed p50", latency(delayedLatency, func(p Percentiles) float64 { return p.P50 }), fmtMs},
	{"delayed share", always(func(t *TargetSummary) float64 { return 100 * t.DelayedRatio }), fmtPercent},
	{"peak RSS", optional(func(t *TargetSummary) *int64 { return t.PeakRSSBytes }), fmtMB},
	{"peak anonymous RSS", optional(func(t *TargetSummary) *int64 { return t.PeakRSSAnonBytes }), fmtMB},
	{"CPU time", optional(func(t *TargetSummary) *float64 { return t.CPUSeconds }), fmtSeconds},
	{"CPU mean (% of a core)", optional(func(t *TargetSummary) *float64 { return t.CPUPercentMean }), fmtPercent},
	{"CPU peak (% of a core)", optional(func(t *TargetSummary) *float64 { return t.CPUPercentPeak }), fmtPercent},
	{"CPU per request", optional(func(t *TargetSummary) *float64 { return t.CPUUsPerRequest }), fmtMicros},
	{"attacker CPU", always(func(t *TargetSummary) float64 { return t.AttackerCPUSeconds }), fmtSeconds},
	{"redis CPU", optional(func(t *TargetSummary) *float64 { return t.RedisCPUSeconds }), fmtSeconds},
	{"other processes' CPU", optional(func(t *TargetSummary) *float64 { return t.OtherCPUSeconds }), fmtSeconds},
}

// maxRateFigure leads the comparison of a sweep; the other figures are
// those of each target's step at its maximum sustainable rate.
var maxRateFigure = figure{"max sustainable rate", func(t *TargetSummary) (float64, bool) {
	if t.MaxSustainableRate == nil {
		return 0, false
	}
	return float64(*t.MaxSustainableRate), true
}, func(v float64) string { return fmt.Sprintf("%.0f/s", v) }}

// measuredTargets returns the targets that were attacked.
func measuredTargets(s *Summary) []*TargetSummary {
	var out []*TargetSummary
	for i := range s.Targets {
		switch s.Targets[i].Status {
		case statusOK, statusPartial, statusExited:
			out = append(out, &s.Targets[i])
		}
	}
	return out
}

// chooseBaseline returns the name of the target the ratios divide by:
// nethttp when it was attacked, else the first attacked target.
func chooseBaseline(measured []*TargetSummary) string {
	for _, t := range measured {
		if t.Name == baselineName {
			return t.Name
		}
	}
	if len(measured) > 0 {
		return measured[0].Name
	}
	return ""
}

// comparisonRows returns the comparison table: a header row with the target
// names, then one row per figure. Each cell shows the value and its ratio to
// the baseline's value.
func comparisonRows(s *Summary) [][]string {
	measured := measuredTargets(s)
	var base *TargetSummary
	for _, t := range measured {
		if t.Name == s.Baseline {
			base = t
		}
	}

	header := []string{"figure"}
	for _, t := range measured {
		name := t.Name
		if t == base {
			name += " (baseline)"
		}
		header = append(header, name)
	}
	rows := [][]string{header}
	list := figures
	if s.Sweep != nil {
		list = append([]figure{maxRateFigure}, figures...)
	}
	for _, f := range list {
		row := []string{f.label}
		for _, t := range measured {
			row = append(row, f.cell(t, base))
		}
		rows = append(rows, row)
	}
	return rows
}

func (f figure) cell(t, base *TargetSummary) string {
	v, ok := f.value(t)
	if !ok {
		return "n/a"
	}
	out := f.format(v)
	if base == nil || t == base {
		return out
	}
	if b, ok := f.value(base); ok && b != 0 {
		out += fmt.Sprintf(" (%.2fx)", v/b)
	}
	return out
}

// printComparison writes the comparison table as aligned text, then the
// targets that were not attacked.
func printComparison(w io.Writer, s *Summary) {
	fmt.Fprintf(w, "=== comparison (ratio to %s) ===\n", baselineLabel(s))
	if s.Sweep != nil {
		fmt.Fprintln(w, "(each target's figures come from its step at the maximum sustainable rate)")
	}
	rows := comparisonRows(s)
	if len(rows[0]) > 1 {
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		_ = tw.Flush()
	} else {
		fmt.Fprintln(w, "no target was attacked")
	}
	for _, t := range s.Targets {
		if t.Status == statusFailed || t.Status == statusNotRun {
			fmt.Fprintf(w, "%s: %s: %s\n", t.Name, strings.ReplaceAll(t.Status, "_", " "), t.Reason)
		}
	}
}

func baselineLabel(s *Summary) string {
	if s.Baseline == "" {
		return "no baseline"
	}
	return s.Baseline
}

// writeMarkdown writes summary.md: the run settings, the comparison table
// and the warnings.
func writeMarkdown(w io.Writer, s *Summary) {
	env := s.Environment
	fmt.Fprintf(w, "# iobench bench, %s\n\n", s.StartedAt.Format("2006-01-02 15:04 UTC"))
	if s.Sweep != nil {
		fmt.Fprintf(w, "Sweep from %d/s up to %d/s in steps of %gs, SLO fast p99 below %s, at most %gs per target",
			s.Sweep.StartRate, s.Sweep.MaxRate, s.DurationS, fmtMs(s.Sweep.SLOMs), s.Sweep.TimeoutS)
	} else {
		fmt.Fprintf(w, "%d requests/s for %gs per target", s.Rate, s.DurationS)
	}
	fmt.Fprintf(w, ", %.0f%% of requests delayed by %gs (seed %d), timeout %gs",
		100*s.DelayRatio, s.DelayS, s.DelaySeed, s.TimeoutS)
	if s.WarmupS > 0 {
		fmt.Fprintf(w, ", after an unmeasured %gs warm-up", s.WarmupS)
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintf(w, "Machine: %s, %d cores, Linux %s, %s, load average %.2f at the start. Redis: %s %s.",
		env.CPUModel, env.CPUCount, env.Kernel, env.GoVersion, env.LoadAverage, env.RedisMode, env.RedisVersion)
	if env.GoTargetsBinary != "" {
		fmt.Fprintf(w, " Go targets: %s, %s.", filepath.Base(env.GoTargetsBinary), buildKind(env.GoTargetsServeOnly))
	}
	fmt.Fprint(w, "\n\n")
	if s.Partial {
		fmt.Fprint(w, "**Partial run: it was interrupted; some figures cover less than the full duration.**\n\n")
	}

	rows := comparisonRows(s)
	if len(rows[0]) > 1 {
		fmt.Fprintf(w, "Ratios are to %s.\n\n", baselineLabel(s))
		for i, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			if i == 0 {
				fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(row)))
			}
		}
		fmt.Fprintln(w)
	}
	for _, t := range s.Targets {
		if t.Status == statusFailed || t.Status == statusNotRun {
			fmt.Fprintf(w, "- %s %s: %s\n", t.Name, strings.ReplaceAll(t.Status, "_", " "), t.Reason)
		}
	}
	if s.Sweep != nil {
		writeSweepMarkdown(w, s)
	}
	if len(s.Warnings) > 0 {
		fmt.Fprint(w, "\n## Warnings\n\n")
		for _, warn := range s.Warnings {
			fmt.Fprintf(w, "- %s\n", warn)
		}
	}
}
