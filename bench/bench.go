// Package bench implements iobench bench. It starts each target server in
// turn on a loopback port, attacks it with vegeta at a constant rate and
// samples the CPU and memory of its process tree. It reports exact latency
// percentiles, split into fast and delayed responses, and one table that
// compares the targets.
//
// A run writes, to the -out folder, <target>.bin (vegeta's gob encoding,
// readable by vegeta report and vegeta plot), summary.json, summary.md and a
// self-contained report.html.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/iobench/iobench/bench/procstat"
)

// Main runs iobench bench with args (the flags after "bench"). It returns a
// *cliflag.UsageError for a bad flag, so that the binary exits 2. When ctx
// ends (Ctrl-C) it stops the attack, every child process and Redis, writes
// what was measured marked partial, and returns ctx's error. A target that
// failed or exited makes it return an error after the reports are written;
// a target that was not run does not.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stdout)
	if err != nil {
		return err
	}
	if c.List {
		return listTargets(ctx, c, stdout)
	}
	return run(ctx, c, stdout, stderr)
}

// runner carries the state of one run.
type runner struct {
	cfg      *Config
	stdout   io.Writer
	stderr   io.Writer
	progress string // bar, lines or off
	exe      string
	redis    *redisBackend
	summary  *Summary
	measured map[string]*measurement // by target name, for report.html
	sampling bool                    // whether /proc can be read for CPU and memory
}

func run(ctx context.Context, c *Config, stdout, stderr io.Writer) error {
	exe, err := executable(c.Exe)
	if err != nil {
		return err
	}
	if err := checkOut(c.Out, c.Force); err != nil {
		return err
	}
	r := &runner{
		cfg: c, stdout: stdout, stderr: stderr, exe: exe,
		progress: resolveProgressMode(c.Progress, stderr),
		summary:  newSummary(c),
		measured: map[string]*measurement{},
		sampling: true,
	}
	if err := procstat.Supported(); err != nil {
		r.sampling = false
		warn := fmt.Sprintf("CPU and memory are not measured on this system: %v", err)
		r.warn(warn)
	}

	r.noteGoBinary()
	gcPercent, restoreGC := tuneHarnessGC()
	defer restoreGC()
	r.summary.Environment.HarnessGOGC = gcPercent
	if err := r.setupRedis(ctx); err != nil {
		return err
	}
	defer func() {
		if err := r.redis.Stop(); err != nil {
			fmt.Fprintf(stderr, "redis: stop: %v\n", err)
		}
	}()
	// Created only once Redis is reachable, so a bad -redis leaves no
	// empty folder behind.
	if err := prepareOut(c.Out, c.Force); err != nil {
		return err
	}

	for _, t := range r.targets() {
		ts := r.runTarget(ctx, t)
		r.summary.Targets = append(r.summary.Targets, ts)
		printTarget(stdout, &ts, r.measured[ts.Name])
		if c.Sweep.Enabled && len(ts.Sweep) > 0 {
			printSweep(stdout, &ts, c)
		}
	}
	r.summary.Partial = ctx.Err() != nil

	if err := r.writeReports(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("run interrupted; partial results in %s: %w", c.Out, ctx.Err())
	}
	return failedTargets(r.summary)
}

// errTargetsFailed is returned when a target failed or exited during its
// attack; the reports are written first.
var errTargetsFailed = errors.New("targets failed")

func failedTargets(s *Summary) error {
	var names []string
	for _, t := range s.Targets {
		if t.Status == statusFailed || t.Status == statusExited {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s (see the report above)", errTargetsFailed, strings.Join(names, ", "))
}

// setupRedis starts or connects to Redis and seeds the key. With -url and no
// -redis the server under test has its own Redis, so none is used.
func (r *runner) setupRedis(ctx context.Context) error {
	c := r.cfg
	if c.URL != "" && c.RedisURL == "" {
		r.redis = &redisBackend{Mode: redisNone}
		r.fillRedisEnvironment()
		return nil
	}
	backend, err := startRedis(ctx, c.RedisURL, r.stderr)
	if err != nil {
		return err
	}
	r.redis = backend
	if err := seed(ctx, backend.URL, c.Key, c.Value); err != nil {
		_ = backend.Stop()
		return err
	}
	fmt.Fprintf(r.stderr, "redis: seeded key %q with %q\n", c.Key, c.Value)
	r.fillRedisEnvironment()
	if !backend.Caching {
		r.summary.Warnings = append(r.summary.Warnings, noCacheNote)
	}
	return nil
}

func (r *runner) fillRedisEnvironment() {
	env := &r.summary.Environment
	env.RedisMode = r.redis.Mode
	env.RedisVersion = r.redis.Version
	env.RedisEmbedded = r.redis.Mode == redisEmbedded || r.redis.Mode == redisMiniredis
	env.ClientSideCaching = r.redis.Caching
}

// targets returns the targets of the run: the selected ones, or one that
// represents the -url server.
func (r *runner) targets() []Target {
	if r.cfg.URL != "" {
		return []Target{{Name: urlTargetName, Description: "server at " + r.cfg.URL}}
	}
	ts, _ := selectTargets(r.cfg.Targets) // checked by parseConfig
	return ts
}

// urlTargetName names the -url server in the reports.
const urlTargetName = "url"

// errInterrupted is the reason of the targets skipped after Ctrl-C.
var errInterrupted = errors.New("the run was interrupted before this target")

// interruptStopMargin is added to -delay for the stop grace after Ctrl-C:
// a target finishes its in-flight delayed requests before it exits.
const interruptStopMargin = 2 * time.Second

// stopGrace returns how long a target may take to stop: -stop-timeout, but
// once the run is interrupted at most -delay plus a margin, so that a
// target can finish its in-flight delayed requests and exit on SIGTERM.
func (r *runner) stopGrace(ctx context.Context) time.Duration {
	if ctx.Err() != nil {
		return min(r.cfg.StopTimeout, r.cfg.Delay+interruptStopMargin)
	}
	return r.cfg.StopTimeout
}
