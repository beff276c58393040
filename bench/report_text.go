package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// printTarget writes one target's report: vegeta's own text report, the
// exact percentiles, the resources, the failures and the warnings. m is nil
// for a target that was not attacked.
func printTarget(w io.Writer, ts *TargetSummary, m *measurement) {
	fmt.Fprintf(w, "\n=== %s: %s ===\n", ts.Name, ts.Description)
	if ts.Command != "" {
		fmt.Fprintf(w, "command: %s\n", ts.Command)
	}
	fmt.Fprintf(w, "status:  %s\n", strings.ReplaceAll(ts.Status, "_", " "))
	if ts.Reason != "" {
		fmt.Fprintf(w, "reason:  %s\n", ts.Reason)
	}
	for _, l := range ts.StderrTail {
		fmt.Fprintf(w, "  | %s\n", l)
	}
	if m == nil {
		return
	}

	fmt.Fprintln(w, "\nvegeta report (its percentiles are t-digest estimates):")
	_ = vegeta.NewTextReporter(&m.Outcome.Metrics).Report(w)

	printPercentiles(w, ts)
	printResources(w, ts, m.RedisInProcess)
	printFailures(w, ts)
	if len(ts.Warnings) > 0 {
		fmt.Fprintln(w, "\nwarnings:")
		for _, warn := range ts.Warnings {
			fmt.Fprintf(w, "- %s\n", warn)
		}
	}
}

func printPercentiles(w io.Writer, ts *TargetSummary) {
	fmt.Fprintln(w, "\nexact latency (every result):")
	const row = "%-20s %6v %9v %9v %9v %9v %9v %9v %9v\n"
	fmt.Fprintf(w, row, "", "count", "mean", "p50", "p90", "p95", "p99", "p99.9", "max")
	lines := []struct {
		label string
		p     Percentiles
	}{
		{"all", ts.LatencyMs},
		{"fast (no " + delayedHeader + ")", ts.FastLatencyMs},
		{"delayed", ts.DelayedLatencyMs},
	}
	for _, l := range lines {
		p := l.p
		cells := []any{l.label, p.Count}
		for _, v := range []float64{p.Mean, p.P50, p.P90, p.P95, p.P99, p.P999, p.Max} {
			if p.Count == 0 {
				cells = append(cells, "n/a")
			} else {
				cells = append(cells, fmtMs(v))
			}
		}
		fmt.Fprintf(w, row, cells...)
	}
	fmt.Fprintf(w, "delayed share of responses: %.2f%%\n", 100*ts.DelayedRatio)
}

func printResources(w io.Writer, ts *TargetSummary, redisInProcess bool) {
	fmt.Fprintln(w, "\nresources during the attack:")
	if ts.CPUSeconds != nil {
		perReq := "n/a"
		if ts.CPUUsPerRequest != nil {
			perReq = fmtMicros(*ts.CPUUsPerRequest)
		}
		fmt.Fprintf(w, "target:   peak RSS %s (anonymous %s), CPU %s (mean %s, peak %s of one core), %s per request\n",
			fmtMB(float64(*ts.PeakRSSBytes)), fmtMB(float64(*ts.PeakRSSAnonBytes)), fmtSeconds(*ts.CPUSeconds),
			fmtPercent(*ts.CPUPercentMean), fmtPercent(*ts.CPUPercentPeak), perReq)
	} else {
		fmt.Fprintln(w, "target:   not measured (give -pid with -url)")
	}
	attacker := "vegeta in this process"
	if redisInProcess {
		attacker = "vegeta and miniredis in this process"
	}
	fmt.Fprintf(w, "attacker: CPU %s (%s)\n", fmtSeconds(ts.AttackerCPUSeconds), attacker)
	switch {
	case ts.RedisCPUSeconds != nil:
		fmt.Fprintf(w, "redis:    CPU %s\n", fmtSeconds(*ts.RedisCPUSeconds))
	case redisInProcess:
		fmt.Fprintln(w, "redis:    in-process miniredis: its CPU is part of the attacker figure")
	default:
		fmt.Fprintln(w, "redis:    not measured (not a child process of the harness)")
	}
	if ts.OtherCPUSeconds != nil {
		fmt.Fprintf(w, "others:   CPU %s (every other process on the machine)\n", fmtSeconds(*ts.OtherCPUSeconds))
	}
}

func printFailures(w io.Writer, ts *TargetSummary) {
	codes := make([]string, 0, len(ts.StatusCodes))
	for code, n := range ts.StatusCodes {
		codes = append(codes, fmt.Sprintf("%s:%d", code, n))
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "\nstatus codes: %s\n", strings.Join(codes, " "))
	if len(ts.Errors) == 0 {
		fmt.Fprintln(w, "errors: none")
		return
	}
	fmt.Fprintln(w, "errors:")
	for _, g := range ts.Errors {
		fmt.Fprintf(w, "- %d x %s: %s\n  e.g. %s\n", g.Count, g.Kind, g.Explanation, g.Example)
	}
}

// writeReports completes the summary and writes summary.json, summary.md
// and report.html, then prints the comparison table.
func (r *runner) writeReports() error {
	s := r.summary
	s.Baseline = chooseBaseline(measuredTargets(s))
	for _, t := range s.Targets {
		for _, warn := range t.Warnings {
			s.Warnings = append(s.Warnings, t.Name+": "+warn)
		}
	}
	if s.Partial {
		s.Warnings = append(s.Warnings, "the run was interrupted: the results are partial")
	}

	fmt.Fprintln(r.stdout)
	printComparison(r.stdout, s)
	if s.Sweep != nil {
		printSweepTotals(r.stdout, s)
	}
	if len(s.Warnings) > 0 {
		fmt.Fprintln(r.stdout, "\nwarnings:")
		for _, warn := range s.Warnings {
			fmt.Fprintf(r.stdout, "- %s\n", warn)
		}
	}

	if err := writeJSON(r.cfg.Out, summaryFile, s); err != nil {
		return err
	}
	var md bytes.Buffer
	writeMarkdown(&md, s)
	if err := writeFile(r.cfg.Out, summaryMDFile, md.Bytes()); err != nil {
		return err
	}
	var html bytes.Buffer
	if err := writeHTML(&html, s, r.measured); err != nil {
		return err
	}
	if err := writeFile(r.cfg.Out, reportFile, html.Bytes()); err != nil {
		return err
	}
	files := "summary.json, summary.md, report.html, <target>.bin"
	if s.Sweep != nil {
		files = "summary.json, summary.md, report.html; a sweep writes no .bin"
	}
	fmt.Fprintf(r.stdout, "\nresults: %s (%s)\n", r.cfg.Out, files)
	return nil
}

func writeFile(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
