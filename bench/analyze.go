package bench

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/iobench/iobench/bench/procstat"
	"github.com/iobench/iobench/bench/stats"
)

// measurement is an attack with the process samples taken during it.
type measurement struct {
	Outcome  *attackOutcome
	Target   procstat.Series // nil when the target's process is unknown
	Attacker procstat.Series
	Redis    procstat.Series // nil when Redis is not a child of the harness
	// RedisInProcess is true for miniredis, whose CPU is in Attacker.
	RedisInProcess bool
	Exited         bool          // the target exited during the attack
	ExitErr        error         // exit status or signal of the target when Exited; nil when unknown
	Interval       time.Duration // sample interval, the shortest span of a CPU figure
	// MachineBusy is the CPU time all cores ran processes and interrupts
	// during the attack (steal time left out), nil when /proc/stat could
	// not be read or a core went on- or offline.
	MachineBusy *time.Duration
}

// latencySplit holds the latencies of one attack, all and split by the
// X-Delayed header. Requests without a response (status 0) carry no header
// and count only in All.
type latencySplit struct {
	All, Fast, Delayed []time.Duration
	Responses          int // results with a status code
	NoResponse         int // results with status 0
}

func splitLatencies(recs []record) latencySplit {
	var s latencySplit
	s.All = make([]time.Duration, 0, len(recs))
	for _, r := range recs {
		s.All = append(s.All, r.Latency)
		if r.Code == 0 {
			s.NoResponse++
			continue
		}
		s.Responses++
		if r.Delayed {
			s.Delayed = append(s.Delayed, r.Latency)
		} else {
			s.Fast = append(s.Fast, r.Latency)
		}
	}
	return s
}

func percentilesMs(l stats.Latency) Percentiles {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Percentiles{
		Count: l.Count, Mean: ms(l.Mean), P50: ms(l.P50), P90: ms(l.P90),
		P95: ms(l.P95), P99: ms(l.P99), P999: ms(l.P999), Max: ms(l.Max),
	}
}

// fill stores the figures of m in ts. It sorts the latency slices.
func (m *measurement) fill(ts *TargetSummary, c *Config) {
	o := m.Outcome
	met := &o.Metrics
	ts.Requests = int(met.Requests)
	ts.SuccessRatio = met.Success
	ts.Throughput = met.Throughput
	ts.AchievedRate = met.Rate
	ts.AttackS = met.Duration.Seconds()
	ts.WaitS = met.Wait.Seconds()

	split := splitLatencies(o.Records)
	ts.LatencyMs = percentilesMs(stats.Summarize(split.All))
	ts.FastLatencyMs = percentilesMs(stats.Summarize(split.Fast))
	ts.DelayedLatencyMs = percentilesMs(stats.Summarize(split.Delayed))
	if split.Responses > 0 {
		ts.DelayedRatio = float64(len(split.Delayed)) / float64(split.Responses)
	}
	ts.StatusCodes = o.Groups.StatusCodes()
	ts.Errors = o.Groups.Groups()

	if m.Target != nil {
		ts.PeakRSSBytes = ptr(m.Target.PeakRSS())
		ts.PeakRSSAnonBytes = ptr(m.Target.PeakRSSAnon())
		ts.CPUSeconds = ptr(m.Target.CPU().Seconds())
		ts.CPUPercentMean = ptr(m.Target.MeanCPUPercent())
		ts.CPUPercentPeak = ptr(m.Target.PeakCPUPercent(c.SampleInterval))
		if ts.Requests > 0 {
			ts.CPUUsPerRequest = ptr(1e6 * m.Target.CPU().Seconds() / float64(ts.Requests))
		}
	}
	ts.AttackerCPUSeconds = m.Attacker.CPU().Seconds()
	if m.Redis != nil {
		ts.RedisCPUSeconds = ptr(m.Redis.CPU().Seconds())
	}
	if m.MachineBusy != nil && m.Target != nil {
		other := m.MachineBusy.Seconds() - ts.AttackerCPUSeconds - m.Target.CPU().Seconds() - m.Redis.CPU().Seconds()
		ts.OtherCPUSeconds = ptr(other)
	}
	ts.Warnings = append(ts.Warnings, m.warnings(ts, c, split)...)
}

// warnings returns the validity warnings of one measurement.
func (m *measurement) warnings(ts *TargetSummary, c *Config, split latencySplit) []string {
	var out []string
	if m.Exited {
		out = append(out, m.exitWarning())
	}
	if m.Outcome.EncodeErr != nil {
		out = append(out, fmt.Sprintf("the .bin file is incomplete: %v", m.Outcome.EncodeErr))
	}
	// One request has no rate to judge.
	if !m.Outcome.Interrupted && ts.Requests > 1 && ts.AchievedRate < 0.99*float64(c.Rate) {
		out = append(out, fmt.Sprintf(
			"achieved rate %.1f/s is below 99%% of the requested %d/s: the attacker could not keep up, so latency figures understate the load",
			ts.AchievedRate, c.Rate))
	}
	if w := m.delayedShareWarning(split, c.DelayRatio); w != "" {
		out = append(out, w)
	}
	if !m.spanTooShort() {
		if w := m.saturationWarning(); w != "" {
			out = append(out, w)
		}
		if w := m.otherProcessesWarning(ts.OtherCPUSeconds); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// exitWarning reports that the target exited during the attack, and its exit status.
func (m *measurement) exitWarning() string {
	if m.ExitErr == nil {
		return "the target exited during the attack"
	}
	return fmt.Sprintf("the target exited during the attack: %v", m.ExitErr)
}

// minCPUSamples is how many sample intervals an attack must span for its
// CPU shares to be judged: a shorter span divides counters that advance in
// steps (10 ms ticks of /proc/stat) by a tiny wall time.
const minCPUSamples = 5

// spanTooShort reports whether the attack was too short for CPU-share
// warnings.
func (m *measurement) spanTooShort() bool {
	return m.Attacker.Elapsed() < minCPUSamples*max(m.Interval, 10*time.Millisecond)
}

// delayedShareWarning judges the share of delayed responses among the
// responses. When requests got no response (interrupt, timeouts, a target
// that exited), the delayed ones are the most likely to be missing, so the
// share is not compared with -delay-ratio and the warning gives the reason.
func (m *measurement) delayedShareWarning(split latencySplit, p float64) string {
	w := delayedRatioWarning(len(split.Delayed), split.Responses, p)
	if w == "" {
		return ""
	}
	if split.NoResponse > 0 {
		return fmt.Sprintf(
			"%d of %d responses carried %s, but the share is not compared with -delay-ratio because %d requests got no response (status 0), and delayed requests are the likeliest to be among them",
			len(split.Delayed), split.Responses, delayedHeader, split.NoResponse)
	}
	if m.Outcome.Interrupted || m.Exited {
		return ""
	}
	return w
}

// delayedRatioWarning returns a warning when the observed share of delayed
// responses is more than 3 standard deviations away from the expected one
// (a binomial with n responses and probability p).
func delayedRatioWarning(delayed, n int, p float64) string {
	if n == 0 {
		return ""
	}
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(delayed)-mean) <= 3*sd {
		return ""
	}
	return fmt.Sprintf(
		"%d of %d responses (%.2f%%) carried %s, expected %.2f%% ± %.2f%% (3 standard deviations): the target does not apply -delay-ratio, or does not send the header",
		delayed, n, 100*float64(delayed)/float64(n), delayedHeader, 100*p, 300*sd/float64(n))
}

// saturationWarning returns a warning when the attacker, the target and
// Redis together used 90% or more of the machine's cores: then the attacker
// competed with the target for CPU, and latency includes waiting for a core.
func (m *measurement) saturationWarning() string {
	wall := m.Attacker.Elapsed().Seconds()
	if wall <= 0 {
		return ""
	}
	attacker := m.Attacker.CPU().Seconds()
	total := attacker + m.Target.CPU().Seconds() + m.Redis.CPU().Seconds()
	cores := float64(runtime.NumCPU())
	if total < 0.9*cores*wall {
		return ""
	}
	return fmt.Sprintf(
		"the attacker used %.1f CPU-seconds in %.1f s (%.0f%% of one core) and, with the target and Redis, %.0f%% of all %d cores: CPU was the limit, not the target alone",
		attacker, wall, 100*attacker/wall, 100*total/(cores*wall), runtime.NumCPU())
}

// negativeOtherTolerance is the share of one core by which other processes'
// CPU may fall below 0 before it is reported: the machine counters advance
// in 10 ms ticks, the per-process ones in nanoseconds.
const negativeOtherTolerance = 0.05

// otherProcessesWarning returns a warning when processes other than the
// attacker, the target and Redis used a quarter of a core or more on
// average during the attack, or when their CPU came out negative, which
// means the counters disagree.
func (m *measurement) otherProcessesWarning(otherSeconds *float64) string {
	wall := m.Attacker.Elapsed().Seconds()
	if otherSeconds == nil || wall <= 0 {
		return ""
	}
	if *otherSeconds < -negativeOtherTolerance*wall {
		return fmt.Sprintf(
			"other processes' CPU came out at %.2f CPU-seconds, below 0: the machine-wide counters of /proc/stat and the per-process counters disagree, so the CPU figures of this attack are uncertain by at least that much",
			*otherSeconds)
	}
	if *otherSeconds < 0.25*wall {
		return ""
	}
	return fmt.Sprintf(
		"other processes used %.2f cores on average during the attack (%.1f CPU-seconds): they competed with the target and the attacker, so compare targets only within one quiet run",
		*otherSeconds/wall, *otherSeconds)
}
