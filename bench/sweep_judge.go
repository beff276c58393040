package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/iobench/iobench/bench/procstat"
)

// Thresholds of the attacker-limit checks, in shares of all cores.
const (
	attackerCoresShare = 0.8  // the attacker alone used this much of the machine
	machineBusyShare   = 0.85 // the machine was saturated
	// attackerBusyShare is the least share of the machine the attacker
	// must use on a saturated machine to be blamed: below it, other
	// processes rather than the attacker took the cores.
	attackerBusyShare = 0.25
)

// newSweepStep copies the figures of one step from ts, which m.fill filled
// with cfg, and judges whether the step passed. busy is the machine's CPU
// use while the step sent requests, nil when unknown.
func newSweepStep(ts *TargetSummary, m *measurement, cfg *Config, busy *machineWindow) SweepStep {
	st := SweepStep{
		Rate: cfg.Rate, Interrupted: m.Outcome.Interrupted,
		Requests: ts.Requests, SuccessRatio: ts.SuccessRatio, AchievedRate: ts.AchievedRate,
		FastLatencyMs: ts.FastLatencyMs, DelayedRatio: ts.DelayedRatio,
		PeakRSSBytes: ts.PeakRSSBytes, CPUSeconds: ts.CPUSeconds,
		AttackerCPUSeconds: ts.AttackerCPUSeconds, RedisCPUSeconds: ts.RedisCPUSeconds,
		Failures: []string{}, AttackerReasons: []string{}, Warnings: ts.Warnings,
	}
	if st.Warnings == nil {
		st.Warnings = []string{}
	}
	st.AttackerCPUPercent = windowPercent(m.Attacker, cfg.Duration)
	if m.Target != nil {
		st.CPUPercent = ptr(windowPercent(m.Target, cfg.Duration))
	}
	if busy != nil {
		st.MachineCPUPercent = ptr(busy.percent())
	}
	st.Failures = stepFailures(&st, m, cfg)
	st.Pass = len(st.Failures) == 0
	st.AttackerReasons = attackerLimits(&st, cfg, runtime.NumCPU())
	st.AttackerLimited = len(st.AttackerReasons) > 0
	return st
}

// stepFailures returns why a step did not pass: a step passes when it ran
// to its end, sent at least minSentRatio of its requests, every request
// succeeded and the fast responses' p99 is below the SLO.
func stepFailures(st *SweepStep, m *measurement, cfg *Config) []string {
	out := []string{}
	if st.Interrupted {
		out = append(out, "the step was interrupted")
	}
	if m.Exited {
		out = append(out, "the target exited")
	}
	want := float64(cfg.Rate) * cfg.Duration.Seconds()
	if !st.Interrupted && float64(st.Requests) < minSentRatio*want {
		out = append(out, fmt.Sprintf("sent %d of %.0f requests (%.1f%%): the attacker could not keep the rate",
			st.Requests, want, 100*float64(st.Requests)/want))
	}
	if st.SuccessRatio < 1 {
		out = append(out, fmt.Sprintf("success %.3f%%: %d requests failed",
			100*st.SuccessRatio, st.Requests-int(st.SuccessRatio*float64(st.Requests)+0.5)))
	}
	slo := ms(cfg.Sweep.SLO)
	switch {
	case st.FastLatencyMs.Count == 0:
		out = append(out, "no fast response (without "+delayedHeader+") to measure")
	case st.FastLatencyMs.P99 >= slo:
		out = append(out, fmt.Sprintf("fast p99 %s is not below the SLO %s", fmtMs(st.FastLatencyMs.P99), fmtMs(slo)))
	}
	return out
}

// attackerLimits returns the signs that the attacker, not the target, was
// the limit of a step on a machine with the given cores. The signs are: it
// sent fewer requests than requested, it used most of the cores, or the
// cores were saturated while it used more CPU than the target and a
// quarter of the cores.
func attackerLimits(st *SweepStep, cfg *Config, cores int) []string {
	out := []string{}
	want := float64(cfg.Rate) * cfg.Duration.Seconds()
	if !st.Interrupted && float64(st.Requests) < minSentRatio*want {
		reason := fmt.Sprintf("it sent only %d of %.0f requests", st.Requests, want)
		if cfg.MaxWorkers > 0 {
			reason += fmt.Sprintf(" with -max-workers %d", cfg.MaxWorkers)
		}
		out = append(out, reason)
	}
	if st.AttackerCPUPercent >= 100*attackerCoresShare*float64(cores) {
		out = append(out, fmt.Sprintf("it used %.0f%% of one core, near the %d cores available", st.AttackerCPUPercent, cores))
	}
	if st.MachineCPUPercent != nil && *st.MachineCPUPercent >= 100*machineBusyShare &&
		st.AttackerCPUPercent >= 100*attackerBusyShare*float64(cores) &&
		st.CPUPercent != nil && st.AttackerCPUPercent >= *st.CPUPercent {
		out = append(out, fmt.Sprintf("the machine's cores were %.0f%% busy and the attacker used more CPU (%.0f%% of one core) than the target (%.0f%%)",
			*st.MachineCPUPercent, st.AttackerCPUPercent, *st.CPUPercent))
	}
	return out
}

// windowPercent returns the CPU use of the first d of s (the time the step
// sent requests, without the wait for the last responses), in percent of
// one core.
func windowPercent(s procstat.Series, d time.Duration) float64 {
	if len(s) < 2 {
		return 0
	}
	end := 1
	for end+1 < len(s) && s[end+1].At-s[0].At <= d {
		end++
	}
	return s[:end+1].MeanCPUPercent()
}

// machineWindow is the non-idle CPU time of all cores over a span,
// interrupt and steal time included.
type machineWindow struct {
	busy, span time.Duration
	cores      int
}

func (w *machineWindow) percent() float64 {
	return 100 * w.busy.Seconds() / w.span.Seconds() / float64(w.cores)
}

// probeMachine reads the machine's busy CPU time now and again after d,
// and sends the difference, or nil when /proc/stat cannot be read or ctx
// ends first.
func probeMachine(ctx context.Context, d time.Duration) <-chan *machineWindow {
	out := make(chan *machineWindow, 1)
	before, err := procstat.ReadMachine()
	start := time.Now()
	go func() {
		if err != nil {
			out <- nil
			return
		}
		sleepCtx(ctx, d)
		after, err := procstat.ReadMachine()
		// A core that went on- or offline makes wall time x cores wrong.
		if err != nil || ctx.Err() != nil || after.Cores() != before.Cores() {
			out <- nil
			return
		}
		// The cores of /proc/stat, not runtime.NumCPU: under taskset or a
		// cpuset, NumCPU counts only the cores this process may use, and
		// the share of the whole machine came out at up to 200%.
		out <- &machineWindow{busy: after.NonIdleSince(before), span: time.Since(start), cores: after.Cores()}
	}()
	return out
}
