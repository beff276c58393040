package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func newSummary(c *Config) *Summary {
	s := &Summary{
		StartedAt:   time.Now().UTC().Truncate(time.Second),
		Rate:        c.Rate,
		DurationS:   c.Duration.Seconds(),
		WarmupS:     c.Warmup.Seconds(),
		TimeoutS:    c.Timeout.Seconds(),
		MaxWorkers:  c.MaxWorkers,
		DelayS:      c.Delay.Seconds(),
		DelayRatio:  c.DelayRatio,
		DelaySeed:   c.DelaySeed,
		DelayPassed: c.URL == "",
		Key:         c.Key,
		Environment: machineEnvironment(),
		Warnings:    []string{},
		Targets:     []TargetSummary{},
	}
	if c.URL != "" {
		s.Warnings = append(s.Warnings, urlDelayNote)
	}
	if c.Sweep.Enabled {
		// Each step has its own rate; the step length is the duration.
		s.Rate, s.DurationS = 0, c.Sweep.StepDuration.Seconds()
		s.Sweep = newSweepSettings(c.Sweep)
	}
	return s
}

// urlDelayNote warns that -url leaves the delay settings to the user.
const urlDelayNote = "-url: the server at -url was not given -delay, -delay-ratio or -delay-seed; " +
	"summary.json records them as the expected settings (delay_passed false), so start the server with the same ones"

// machineEnvironment describes this machine; the Redis fields are filled
// once Redis runs.
func machineEnvironment() Environment {
	return Environment{
		GoVersion:   runtime.Version(),
		OS:          runtime.GOOS,
		Arch:        runtime.GOARCH,
		CPUCount:    runtime.NumCPU(),
		CPUModel:    cpuModel(),
		Kernel:      kernelRelease(),
		LoadAverage: loadAverage(),
	}
}

// loadAverage returns the 1-minute load average, or 0 when unknown.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(data), " ")
	v, err := strconv.ParseFloat(first, 64)
	if err != nil {
		return 0
	}
	return v
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func kernelRelease() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(data))
}

// listTargets prints every target with its description and whether it can
// run here.
func listTargets(ctx context.Context, c *Config, w io.Writer) error {
	exe, err := executable(c.Exe)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tSTATUS\tDESCRIPTION")
	// Reasons can be long, so they follow the table, one line each, rather
	// than widen its STATUS column.
	var reasons []string
	for _, t := range registry() {
		expand := placeholders(exe, c.Peers, 0, "redis://127.0.0.1:6379/0", c)
		status := "ready"
		if err := checkRequirements(ctx, t, expand); err != nil {
			status = statusNotRun
			reasons = append(reasons, fmt.Sprintf("%s: %v", t.Name, err))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, strings.ReplaceAll(status, "_", " "), t.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(reasons) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(reasons, "\n"))
	}
	return nil
}
