package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iobench/iobench/bench/procstat"
	"github.com/iobench/iobench/bench/stats"
	"github.com/iobench/iobench/redisclient"
)

// tailLines is how many lines of a failed target's output the report keeps.
const tailLines = 15

// runTarget starts t, checks it, attacks it and stops it. Every outcome,
// failures included, is a TargetSummary; the measurement goes to r.measured.
func (r *runner) runTarget(ctx context.Context, t Target) (ts TargetSummary) {
	ts = TargetSummary{
		Name: t.Name, Description: t.Description,
		Versions: map[string]string{}, StatusCodes: map[string]int{},
		Errors: []stats.Group{}, Warnings: []string{},
	}
	if ctx.Err() != nil {
		return r.skip(ts, statusNotRun, errInterrupted.Error())
	}
	if r.cfg.URL != "" {
		return r.runURL(ctx, ts)
	}

	port, err := freePort()
	if err != nil {
		return r.skip(ts, statusFailed, err.Error())
	}
	expand := placeholders(r.exe, r.cfg.Peers, port, r.redis.URL, r.cfg)
	argv := expandAll(t.Command, expand)
	ts.Command = commandLine(t, placeholders(r.exe, r.cfg.Peers, port, redisclient.RedactURL(r.redis.URL), r.cfg))
	ts.URL = fmt.Sprintf("http://127.0.0.1:%d/test", port)
	if err := checkRequirements(ctx, t, expand); err != nil {
		return r.skip(ts, statusNotRun, err.Error())
	}
	ts.Versions = probeVersions(ctx, t, r.exe, expand)
	if !r.redis.Caching && t.NoTrackingDescription != "" {
		ts.Description = t.NoTrackingDescription
	}

	fmt.Fprintf(r.stderr, "%s: starting %s\n", t.Name, ts.Command)
	ch, err := startChild(argv, expandAll(t.Env, expand), expand(t.Dir))
	if err != nil {
		return r.skip(ts, statusFailed, err.Error())
	}
	defer r.stopChild(ctx, &ts, ch)

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := r.checkTarget(ctx, base, ch); err != nil {
		if ctx.Err() != nil {
			return r.skip(ts, statusNotRun, "the run was interrupted while the target started")
		}
		ts.StderrTail = ch.Tail(tailLines)
		return r.skip(ts, statusFailed, err.Error())
	}
	if err := r.attackTarget(ctx, &ts, ch.PID(), ch); err != nil {
		return r.skip(ts, statusFailed, err.Error())
	}
	if ts.Status == statusExited {
		ts.StderrTail = ch.Tail(tailLines)
	}
	return ts
}

// runURL attacks the server at -url, measuring -pid when given.
func (r *runner) runURL(ctx context.Context, ts TargetSummary) TargetSummary {
	ts.URL = r.cfg.URL
	want := ""
	if r.redis.URL != "" {
		want = r.cfg.Value
	}
	if r.cfg.PID > 0 && r.sampling {
		if _, err := procstat.NewCounter(r.cfg.PID, true).Sample(); err != nil {
			return r.skip(ts, statusFailed, fmt.Sprintf("-pid %d: %v", r.cfg.PID, err))
		}
	}
	if err := verifyValue(ctx, ts.URL, want, r.cfg.Delay+10*time.Second); err != nil {
		return r.skip(ts, statusFailed, err.Error())
	}
	if err := r.attackTarget(ctx, &ts, r.cfg.PID, nil); err != nil {
		return r.skip(ts, statusFailed, err.Error())
	}
	return ts
}

// attackTarget attacks ts.URL once, or searches its maximum sustainable
// rate with -sweep, and stores the figures in ts. pid is the target's
// process, 0 when unknown; ch is nil for the -url server.
func (r *runner) attackTarget(ctx context.Context, ts *TargetSummary, pid int, ch *child) error {
	if r.cfg.Sweep.Enabled {
		r.sweepTarget(ctx, ts, ts.URL, pid, ch)
		return nil
	}
	m, err := r.warmAndMeasure(ctx, ts.Name, ts.URL, pid, ch)
	if err != nil {
		return err
	}
	r.record(ts, m)
	return nil
}

// checkTarget waits for /healthz and checks that /test returns the seeded
// value.
func (r *runner) checkTarget(ctx context.Context, base string, ch *child) error {
	if err := waitHealthy(ctx, base+"/healthz", ch, r.cfg.StartTimeout); err != nil {
		return err
	}
	// A delayed response takes -delay longer; allow for it.
	return verifyValue(ctx, base+"/test", r.cfg.Value, r.cfg.Delay+10*time.Second)
}

// warmAndMeasure runs the -warmup attack, whose results are dropped, then
// the measured attack, which writes <name>.bin.
func (r *runner) warmAndMeasure(ctx context.Context, name, url string, pid int, ch *child) (*measurement, error) {
	spec := attackSpec{
		Name: name, URL: url, Rate: r.cfg.Rate, Duration: r.cfg.Duration,
		Timeout: r.cfg.Timeout, MaxWorkers: r.cfg.MaxWorkers,
	}
	if r.cfg.Warmup > 0 {
		warm := spec
		warm.Name, warm.Duration = name+" warm-up", r.cfg.Warmup
		cnt := &counters{}
		prog := startProgress(r.progress, r.stderr, warm, cnt)
		attack(ctx, warm, nil, cnt)
		prog.Stop()
	}
	return r.measure(ctx, spec, filepath.Join(r.cfg.Out, name+".bin"), pid, ch)
}

// measure runs spec while sampling pid's process tree (when pid > 0), this
// process and an embedded Redis. It writes the results to binPath in
// vegeta's gob encoding; an empty binPath writes no file.
func (r *runner) measure(ctx context.Context, spec attackSpec, binPath string, pid int, ch *child) (*measurement, error) {
	bin, closeBin, err := createBin(binPath)
	if err != nil {
		return nil, err
	}
	targetRec, redisRec, selfRec := r.startRecorders(pid)
	machineBefore, machineErr := procstat.ReadMachine()

	cnt := &counters{}
	prog := startProgress(r.progress, r.stderr, spec, cnt)
	out := attack(ctx, spec, bin, cnt)
	prog.Stop()

	m := &measurement{Outcome: out, Interval: r.cfg.SampleInterval, RedisInProcess: r.redis.Mode == redisMiniredis}
	if machineAfter, err := procstat.ReadMachine(); err == nil && machineErr == nil &&
		machineAfter.Cores() == machineBefore.Cores() {
		m.MachineBusy = ptr(machineAfter.BusySince(machineBefore))
	}
	if selfRec != nil {
		m.Attacker, _ = selfRec.Stop()
	}
	if redisRec != nil {
		m.Redis, _ = redisRec.Stop()
	}
	if targetRec != nil {
		m.Target, _ = targetRec.Stop()
		m.Exited = targetRec.Exited()
	}
	if ch != nil && ch.Exited() {
		m.Exited = true
		m.ExitErr = ch.ExitError()
	}

	if err := closeBin(); err != nil && out.EncodeErr == nil {
		out.EncodeErr = err
	}
	return m, nil
}

// createBin creates path for a .bin file and returns a buffered writer and
// the function that flushes and closes it. An empty path returns a nil
// writer.
func createBin(path string) (io.Writer, func() error, error) {
	if path == "" {
		return nil, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", path, err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	closeBin := func() error {
		if err := buf.Flush(); err != nil {
			_ = f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", path, err)
		}
		return nil
	}
	return buf, closeBin, nil
}

// startRecorders starts sampling the target's process tree (when pid > 0),
// an embedded Redis and this process. Each is nil when not sampled.
func (r *runner) startRecorders(pid int) (target, redis, self *procstat.Recorder) {
	if !r.sampling {
		return nil, nil, nil
	}
	interval := r.cfg.SampleInterval
	if pid > 0 {
		target = procstat.Record(procstat.NewCounter(pid, true), interval)
	}
	if r.redis.PID > 0 {
		redis = procstat.Record(procstat.NewCounter(r.redis.PID, false), interval)
	}
	self = procstat.Record(procstat.NewCounter(os.Getpid(), false), interval)
	return target, redis, self
}

// record stores m's figures in ts and keeps m for report.html.
func (r *runner) record(ts *TargetSummary, m *measurement) {
	m.fill(ts, r.cfg)
	switch {
	case m.Exited:
		ts.Status = statusExited
	case m.Outcome.Interrupted:
		ts.Status = statusPartial
		ts.Warnings = append(ts.Warnings, "the attack was interrupted: the figures cover only part of -duration")
	default:
		ts.Status = statusOK
	}
	r.measured[ts.Name] = m
}

// skip marks ts as not run or failed, and prints the reason on stderr.
func (r *runner) skip(ts TargetSummary, status, reason string) TargetSummary {
	ts.Status = status
	ts.Reason = strings.TrimPrefix(reason, errNotRun.Error()+": ")
	label := strings.ReplaceAll(status, "_", " ")
	fmt.Fprintf(r.stderr, "%s: %s: %s\n", ts.Name, label, ts.Reason)
	for _, l := range ts.StderrTail {
		fmt.Fprintf(r.stderr, "  | %s\n", l)
	}
	return ts
}

// stopChild stops the target and notes a stop that needed SIGKILL.
func (r *runner) stopChild(ctx context.Context, ts *TargetSummary, ch *child) {
	err := ch.Stop(r.stopGrace(ctx))
	if err != nil && ts.Status != statusFailed {
		ts.Warnings = append(ts.Warnings, err.Error())
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "%s: %v\n", ts.Name, err)
	}
}

// commandLine returns how to start t from a shell: the environment
// assignments the harness sets, then the program and its arguments. The
// caller's expand should hide the Redis password.
func commandLine(t Target, expand func(string) string) string {
	words := make([]string, 0, len(t.Env)+len(t.Command))
	for _, kv := range expandAll(t.Env, expand) {
		name, value, _ := strings.Cut(kv, "=")
		words = append(words, name+"="+shellQuote(value))
	}
	return strings.Join(append(words, shellJoin(expandAll(t.Command, expand))), " ")
}

// shellJoin quotes argv for display so that it can be pasted into a shell.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

// shellQuote returns a as one shell word, in single quotes when needed.
func shellQuote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`&|;<>()*?[]{}!#~") {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
