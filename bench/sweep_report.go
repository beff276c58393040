package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// finishSweep fills ts's figures from the best step (the last one when
// none passed), sets its status and adds the sweep's warnings.
func (r *runner) finishSweep(ts *TargetSummary, best, last *sweepResult) {
	pick := best
	if pick == nil {
		pick = last
	}
	if pick != nil {
		pick.m.fill(ts, &pick.cfg)
		r.measured[ts.Name] = pick.m
	}
	switch {
	case ts.SweepEnd == endExited:
		ts.Status = statusExited
	case ts.SweepEnd == endInterrupt:
		ts.Status = statusPartial
		ts.Warnings = append(ts.Warnings, "the sweep was interrupted: the maximum sustainable rate covers only the steps that ran")
	case pick == nil:
		ts.Status = statusFailed
		ts.Reason = "-sweep-timeout ended the sweep before its first step"
	default:
		ts.Status = statusOK
	}
	ts.Warnings = append(ts.Warnings, sweepWarnings(ts, r.cfg)...)
}

// sweepWarnings explains the end of a sweep and warns when the attacker,
// not the target, set the limit.
func sweepWarnings(ts *TargetSummary, c *Config) []string {
	var out []string
	pass := *ts.MaxSustainableRate
	var lowestFail *SweepStep
	for _, st := range decidingSteps(ts.Sweep) {
		if !st.Pass && (lowestFail == nil || st.Rate < lowestFail.Rate) {
			lowestFail = st
		}
	}
	switch ts.SweepEnd {
	case endMaxRate:
		out = append(out, fmt.Sprintf("every step passed up to -max-rate %d/s: the limit is higher", c.Sweep.MaxRate))
	case endNoPass:
		out = append(out, "no step passed, not even 1 request/s")
	case endTimeout:
		if lowestFail != nil {
			out = append(out, fmt.Sprintf("-sweep-timeout %v ended the search before the resolution: the limit lies between %d/s and %d/s",
				c.Sweep.Timeout, pass, lowestFail.Rate))
		} else {
			out = append(out, fmt.Sprintf("-sweep-timeout %v ended the ramp at %d/s before any step failed: the limit is higher", c.Sweep.Timeout, pass))
		}
	}
	if w := attackerWarning(lowestFail); w != "" {
		out = append(out, w)
	}
	return out
}

// decidingSteps returns, per rate tried, the step that decided its
// outcome: a passing try, else the last completed one. Interrupted steps
// decide nothing. The steps come in the order of first try.
func decidingSteps(steps []SweepStep) []*SweepStep {
	var out []*SweepStep
	byRate := map[int]int{} // rate to its index in out
	for i := range steps {
		st := &steps[i]
		if st.Interrupted {
			continue
		}
		j, seen := byRate[st.Rate]
		switch {
		case !seen:
			byRate[st.Rate] = len(out)
			out = append(out, st)
		case !out[j].Pass:
			out[j] = st
		}
	}
	return out
}

// attackerWarning returns a warning when the attacker was, or may have
// been, the limit at the lowest failing step: flagged as such, or using
// more CPU than a target that used less than half a core.
func attackerWarning(st *SweepStep) string {
	switch {
	case st == nil:
		return ""
	case st.AttackerLimited:
		return fmt.Sprintf(
			"at %d/s, the lowest rate that failed, the attacker was the limit (%s): the maximum sustainable rate measures the target and the load generator sharing the cores, not the target alone",
			st.Rate, strings.Join(st.AttackerReasons, "; "))
	case st.CPUPercent != nil && *st.CPUPercent < 50 && st.AttackerCPUPercent > *st.CPUPercent:
		return fmt.Sprintf(
			"at %d/s, the lowest rate that failed, the target used %.0f%% of one core and the attacker %.0f%%: the target was not short of CPU, so the latency that failed the step may come from sharing the cores with the attacker and other processes",
			st.Rate, *st.CPUPercent, st.AttackerCPUPercent)
	}
	return ""
}

// printStep writes one step's outcome to stderr.
func (r *runner) printStep(name string, st *SweepStep) {
	verdict := "pass"
	if !st.Pass {
		verdict = "fail: " + strings.Join(st.Failures, "; ")
	}
	fmt.Fprintf(r.stderr, "%s: step %d %d/s: %s (fast p99 %s, success %.2f%%, achieved %.1f/s, target CPU %s, attacker CPU %.0f%%)\n",
		name, st.Index, st.Rate, verdict, fmtMs(st.FastLatencyMs.P99), 100*st.SuccessRatio, st.AchievedRate,
		optPercent(st.CPUPercent), st.AttackerCPUPercent)
	if st.AttackerLimited {
		fmt.Fprintf(r.stderr, "%s: step %d: warning: the attacker was the limit: %s\n", name, st.Index, strings.Join(st.AttackerReasons, "; "))
	}
}

func optPercent(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", *v)
}

// sweepRows returns the table of a target's sweep: a header, then one row
// per step in the order they ran.
func sweepRows(ts *TargetSummary) [][]string {
	rows := [][]string{{"step", "phase", "rate", "result", "fast p99", "success", "achieved", "target CPU", "peak RSS", "attacker CPU", "machine CPU", "attacker limit"}}
	for _, st := range ts.Sweep {
		result := "pass"
		switch {
		case st.Interrupted:
			result = "interrupted"
		case !st.Pass:
			result = "fail"
		}
		rss, machine, limited := "n/a", optPercent(st.MachineCPUPercent), ""
		if st.PeakRSSBytes != nil {
			rss = fmtMB(float64(*st.PeakRSSBytes))
		}
		if st.MachineCPUPercent != nil {
			machine += " of all"
		}
		if st.AttackerLimited {
			limited = "yes"
		}
		phase := st.Phase
		if st.Retry > 0 {
			phase += fmt.Sprintf(" (retry %d)", st.Retry)
		}
		rows = append(rows, []string{
			fmt.Sprint(st.Index), phase, fmt.Sprintf("%d/s", st.Rate), result,
			fmtMs(st.FastLatencyMs.P99), fmtPercent(100 * st.SuccessRatio), fmtRate(st.AchievedRate),
			optPercent(st.CPUPercent), rss, fmt.Sprintf("%.0f%%", st.AttackerCPUPercent), machine, limited,
		})
	}
	return rows
}

// sweepHeadline returns one line with a target's maximum sustainable rate
// and why the search ended.
func sweepHeadline(ts *TargetSummary, sloMs float64) string {
	if ts.MaxSustainableRate == nil {
		return fmt.Sprintf("%s: not swept (%s)", ts.Name, strings.ReplaceAll(ts.Status, "_", " "))
	}
	return fmt.Sprintf("%s: maximum sustainable rate %d/s (fast p99 below %s, every request succeeded; %d steps, ended by %s)",
		ts.Name, *ts.MaxSustainableRate, fmtMs(sloMs), len(ts.Sweep), strings.ReplaceAll(ts.SweepEnd, "_", " "))
}

// printSweep writes a target's sweep table as aligned text.
func printSweep(w io.Writer, ts *TargetSummary, c *Config) {
	fmt.Fprintf(w, "\nsweep (rate vs fast p99; the figures above are those of the step at the maximum sustainable rate):\n")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, row := range sweepRows(ts) {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, sweepHeadline(ts, ms(c.Sweep.SLO)))
}

// writeSweepMarkdown writes every target's sweep table and the ratio of
// the maximum sustainable rates to the baseline's.
func writeSweepMarkdown(w io.Writer, s *Summary) {
	fmt.Fprint(w, "\n## Maximum sustainable rate\n\n")
	fmt.Fprintf(w, "A step passes when every request succeeds and the fast p99 is below %s.\n\n", fmtMs(s.Sweep.SLOMs))
	for i := range s.Targets {
		ts := &s.Targets[i]
		fmt.Fprintf(w, "- %s\n", sweepHeadline(ts, s.Sweep.SLOMs))
	}
	for _, line := range sweepRatios(s) {
		fmt.Fprintf(w, "- %s\n", line)
	}
	for i := range s.Targets {
		ts := &s.Targets[i]
		if len(ts.Sweep) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n### %s\n\n", ts.Name)
		for j, row := range sweepRows(ts) {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			if j == 0 {
				fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(row)))
			}
		}
	}
}

// printSweepTotals writes each target's maximum sustainable rate and the
// ratios to the baseline's.
func printSweepTotals(w io.Writer, s *Summary) {
	fmt.Fprintln(w, "\n=== maximum sustainable rate ===")
	for i := range s.Targets {
		fmt.Fprintln(w, sweepHeadline(&s.Targets[i], s.Sweep.SLOMs))
	}
	for _, line := range sweepRatios(s) {
		fmt.Fprintln(w, line)
	}
}

// sweepRatios returns, for each swept target other than the baseline, the
// ratio of its maximum sustainable rate to the baseline's.
func sweepRatios(s *Summary) []string {
	var base *TargetSummary
	for i := range s.Targets {
		if s.Targets[i].Name == s.Baseline {
			base = &s.Targets[i]
		}
	}
	if base == nil || base.MaxSustainableRate == nil || *base.MaxSustainableRate == 0 {
		return nil
	}
	var out []string
	for i := range s.Targets {
		t := &s.Targets[i]
		if t == base || t.MaxSustainableRate == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s / %s: %.2fx (%d/s vs %d/s)", t.Name, base.Name,
			float64(*t.MaxSustainableRate)/float64(*base.MaxSustainableRate), *t.MaxSustainableRate, *base.MaxSustainableRate))
	}
	return out
}
