package bench

import (
	"context"
	"fmt"
	"time"
)

// Sweep limits.
const (
	// minSentRatio is the share of the requested requests a step must send
	// to pass: below it the attacker, not the target, set the rate.
	minSentRatio = 0.97
	// stepMargin is added to -step-duration and -delay when checking
	// that a step fits in what is left of -sweep-timeout.
	stepMargin = time.Second
	// stepPause separates two steps, so that one step's closing
	// connections do not load the next.
	stepPause = 500 * time.Millisecond
)

// SweepSettings are the -sweep settings in summary.json.
type SweepSettings struct {
	SLOMs         float64 `json:"slo_ms"`
	StepDurationS float64 `json:"step_duration_s"`
	StartRate     int     `json:"start_rate"`
	MaxRate       int     `json:"max_rate"`
	Resolution    float64 `json:"resolution"`
	Retries       int     `json:"retries"`
	TimeoutS      float64 `json:"timeout_s"` // per target
}

func newSweepSettings(s SweepConfig) *SweepSettings {
	return &SweepSettings{
		SLOMs: ms(s.SLO), StepDurationS: s.StepDuration.Seconds(), StartRate: s.Start,
		MaxRate: s.MaxRate, Resolution: s.Resolution, Retries: s.Retries, TimeoutS: s.Timeout.Seconds(),
	}
}

// SweepStep is one attack of a sweep in summary.json. CPU percentages are
// CPU time over the time the step sent requests, without the wait for the
// last responses. They are in percent of one core, except
// machine_cpu_percent, which is in percent of all cores. Target figures
// are null when the target's process is unknown.
type SweepStep struct {
	Index       int      `json:"index"` // 1, 2, ... in the order the steps ran
	Phase       string   `json:"phase"` // ramp or bisect
	Retry       int      `json:"retry"` // 0 for the first try of a rate, then 1, 2, ...
	Rate        int      `json:"rate"`  // requested, per second
	Pass        bool     `json:"pass"`
	Failures    []string `json:"failures"` // reasons the step did not pass
	Interrupted bool     `json:"interrupted"`
	StartedS    float64  `json:"started_s"` // since the target's sweep began
	ElapsedS    float64  `json:"elapsed_s"` // attack plus the wait for the last response

	Requests      int         `json:"requests"`
	SuccessRatio  float64     `json:"success_ratio"`
	AchievedRate  float64     `json:"achieved_rate"`
	FastLatencyMs Percentiles `json:"fast_latency_ms"`
	DelayedRatio  float64     `json:"delayed_ratio"`

	PeakRSSBytes       *int64   `json:"peak_rss_bytes"`
	CPUSeconds         *float64 `json:"cpu_seconds"`
	CPUPercent         *float64 `json:"cpu_percent"`
	AttackerCPUSeconds float64  `json:"attacker_cpu_seconds"`
	AttackerCPUPercent float64  `json:"attacker_cpu_percent"`
	RedisCPUSeconds    *float64 `json:"redis_cpu_seconds"`
	MachineCPUPercent  *float64 `json:"machine_cpu_percent"`
	// AttackerLimited is true when the load generator, which shares the
	// cores with the target, and not the target set the step's limit.
	AttackerLimited bool     `json:"attacker_limited"`
	AttackerReasons []string `json:"attacker_reasons"`
	Warnings        []string `json:"warnings"`
}

// sweepResult is one step with what is needed to report it in full.
type sweepResult struct {
	step SweepStep
	m    *measurement
	cfg  Config // the run's settings with the step's rate and length
}

// sweepTarget searches the maximum sustainable rate of the target at url,
// whose process is pid (0 when unknown), and fills ts. ts's figures are
// those of the step at the maximum sustainable rate, or of the last step
// when none passed. A failing step runs again up to -step-retries times and
// counts as failed only when every try failed: noise from other processes
// only adds latency, so one passing try shows the rate is sustainable.
func (r *runner) sweepTarget(ctx context.Context, ts *TargetSummary, url string, pid int, ch *child) {
	sc := r.cfg.Sweep
	began := time.Now()
	deadline := began.Add(sc.Timeout)
	stepCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	params := searchParams{Start: sc.Start, Max: sc.MaxRate, Resolution: sc.Resolution}
	var done []probe
	var best, last *sweepResult
	plan := stepPlan{}
	ts.Sweep = []SweepStep{}
	for {
		end := ""
		if plan.Retry == 0 {
			plan.Rate, plan.Phase, end = nextRate(params, done)
		}
		if end == "" {
			end = r.sweepStopped(ctx, deadline)
		}
		if end != "" {
			ts.SweepEnd = end
			break
		}
		res := r.sweepStep(stepCtx, ts.Name, url, pid, ch, plan, len(ts.Sweep)+1, began)
		ts.Sweep = append(ts.Sweep, res.step)
		r.printStep(ts.Name, &res.step)
		if res.step.Interrupted {
			ts.SweepEnd = endTimeout
			if ctx.Err() != nil {
				ts.SweepEnd = endInterrupt
			}
			break
		}
		last = res
		if res.m.Exited {
			ts.SweepEnd = endExited
			break
		}
		if !res.step.Pass && plan.Retry < sc.Retries {
			plan.Retry++
		} else {
			done = append(done, probe{Rate: plan.Rate, Pass: res.step.Pass})
			plan.Retry = 0
		}
		if res.step.Pass {
			best = res // every new rate is above the highest passing one
		}
		sleepCtx(ctx, stepPause)
	}
	pass, _ := searchBounds(done)
	ts.MaxSustainableRate = ptr(pass)
	r.finishSweep(ts, best, last)
}

// sweepStopped returns why no further step may start: Ctrl-C, or too
// little time left in -sweep-timeout; "" when one may.
func (r *runner) sweepStopped(ctx context.Context, deadline time.Time) string {
	switch {
	case ctx.Err() != nil:
		return endInterrupt
	case time.Until(deadline) < r.cfg.Sweep.StepDuration+r.cfg.delayTail()+stepMargin:
		return endTimeout
	}
	return ""
}

// stepPlan is the rate and phase of the next step, and which try of that
// rate it is (0 for the first).
type stepPlan struct {
	Rate  int
	Phase string
	Retry int
}

// sweepStep attacks url at rate for -step-duration and judges the step.
func (r *runner) sweepStep(ctx context.Context, name, url string, pid int, ch *child, plan stepPlan, index int, began time.Time) *sweepResult {
	rate := plan.Rate
	cfg := *r.cfg
	cfg.Rate, cfg.Duration, cfg.Warmup = rate, cfg.Sweep.StepDuration, 0
	try := ""
	if plan.Retry > 0 {
		try = fmt.Sprintf(", retry %d of %d", plan.Retry, cfg.Sweep.Retries)
	}
	fmt.Fprintf(r.stderr, "%s: sweep step %d (%s%s): %d/s for %v\n", name, index, plan.Phase, try, rate, cfg.Duration)
	spec := attackSpec{
		Name: fmt.Sprintf("%s %d/s", name, rate), URL: url, Rate: rate, Duration: cfg.Duration,
		Timeout: cfg.Timeout, MaxWorkers: cfg.MaxWorkers,
	}
	start := time.Now()
	machine := probeMachine(ctx, cfg.Duration)
	// measure returns an error only when it cannot create the .bin file,
	// and a sweep writes none.
	m, _ := r.measure(ctx, spec, "", pid, ch)
	var ts TargetSummary
	m.fill(&ts, &cfg)
	step := newSweepStep(&ts, m, &cfg, <-machine)
	step.Index, step.Phase, step.Retry = index, plan.Phase, plan.Retry
	step.StartedS = start.Sub(began).Seconds()
	step.ElapsedS = time.Since(start).Seconds()
	return &sweepResult{step: step, m: m, cfg: cfg}
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
