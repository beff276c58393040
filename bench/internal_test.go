package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/bench/procstat"
	"github.com/iobench/iobench/redisclient"
)

func TestDelayedRatioWarning(t *testing.T) {
	cases := []struct {
		delayed, n int
		p          float64
		warn       bool
	}{
		{600, 12000, 0.05, false},
		{650, 12000, 0.05, false}, // 3 standard deviations are about 72
		{700, 12000, 0.05, true},
		{0, 12000, 0.05, true}, // the target ignores -delay-ratio
		{0, 12000, 0, false},
		{5, 12000, 0, true},
		{0, 0, 0.05, false}, // no responses, nothing to judge
	}
	for _, c := range cases {
		got := delayedRatioWarning(c.delayed, c.n, c.p)
		if (got != "") != c.warn {
			t.Errorf("delayedRatioWarning(%d, %d, %v) = %q, want warning %v", c.delayed, c.n, c.p, got, c.warn)
		}
	}
}

func TestFillSplitsFastAndDelayed(t *testing.T) {
	recs := []record{
		{Latency: time.Millisecond, Code: 200},
		{Latency: 2 * time.Millisecond, Code: 200},
		{Latency: 3 * time.Second, Code: 200, Delayed: true},
		{Latency: 30 * time.Second, Code: 0, Failed: true},
	}
	out := &attackOutcome{Records: recs}
	for _, r := range recs {
		errText := ""
		if r.Failed {
			errText = `Get "x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
		}
		out.Groups.Add(r.Code, errText)
	}
	m := &measurement{Outcome: out}
	var ts TargetSummary
	m.fill(&ts, &Config{Rate: 1, DelayRatio: 1.0 / 3})

	if ts.LatencyMs.Count != 4 || ts.FastLatencyMs.Count != 2 || ts.DelayedLatencyMs.Count != 1 {
		t.Errorf("counts all/fast/delayed = %d/%d/%d, want 4/2/1",
			ts.LatencyMs.Count, ts.FastLatencyMs.Count, ts.DelayedLatencyMs.Count)
	}
	if ts.DelayedRatio < 0.333 || ts.DelayedRatio > 0.334 {
		t.Errorf("delayed ratio = %v, want 1/3 of the responses", ts.DelayedRatio)
	}
	if ts.FastLatencyMs.Max != 2 {
		t.Errorf("fast max = %vms, want 2ms", ts.FastLatencyMs.Max)
	}
	if len(ts.Errors) != 1 || ts.Errors[0].Kind != "timeout" {
		t.Errorf("errors = %+v, want one timeout group", ts.Errors)
	}
	if ts.PeakRSSBytes != nil || ts.CPUSeconds != nil || ts.RedisCPUSeconds != nil {
		t.Error("resource figures set although nothing was sampled")
	}
}

func TestSaturationWarning(t *testing.T) {
	series := func(cpu time.Duration) procstat.Series {
		return procstat.Series{
			{At: 0},
			{At: 10 * time.Second, Usage: procstat.Usage{CPU: cpu}},
		}
	}
	busy := &measurement{Attacker: series(100 * time.Second), Target: series(time.Second)}
	if busy.saturationWarning() == "" {
		t.Error("no warning when the attacker used 10 cores' worth of CPU")
	}
	idle := &measurement{Attacker: series(time.Second), Target: series(time.Second)}
	if w := idle.saturationWarning(); w != "" {
		t.Errorf("warning with 0.2 cores used: %s", w)
	}
}

func TestComparisonRatios(t *testing.T) {
	s := &Summary{Baseline: "nethttp", Targets: []TargetSummary{
		{Name: "fasthttp", Status: statusOK, CPUSeconds: ptr(1.0), FastLatencyMs: Percentiles{Count: 10, P50: 0.5}},
		{Name: "broken", Status: statusFailed, Reason: "exited"},
		{Name: "nethttp", Status: statusOK, CPUSeconds: ptr(4.0), FastLatencyMs: Percentiles{Count: 10, P50: 1}},
	}}
	rows := comparisonRows(s)
	if got := strings.Join(rows[0], "|"); got != "figure|fasthttp|nethttp (baseline)" {
		t.Errorf("header = %q", got)
	}
	cells := map[string][]string{}
	for _, r := range rows[1:] {
		cells[r[0]] = r[1:]
	}
	if got := cells["CPU time"]; got[0] != "1.00s (0.25x)" || got[1] != "4.00s" {
		t.Errorf("CPU time cells = %q, want 1.00s (0.25x) and 4.00s", got)
	}
	if got := cells["fast p50"]; got[0] != "0.500ms (0.50x)" {
		t.Errorf("fast p50 cell = %q, want 0.500ms (0.50x)", got[0])
	}
	if got := cells["peak RSS"]; got[0] != "n/a" {
		t.Errorf("peak RSS cell = %q, want n/a when not measured", got[0])
	}
}

func TestChooseBaseline(t *testing.T) {
	a, b := &TargetSummary{Name: "fasthttp"}, &TargetSummary{Name: "nethttp"}
	if got := chooseBaseline([]*TargetSummary{a, b}); got != "nethttp" {
		t.Errorf("baseline = %q, want nethttp", got)
	}
	if got := chooseBaseline([]*TargetSummary{a}); got != "fasthttp" {
		t.Errorf("baseline without nethttp = %q, want fasthttp", got)
	}
	if got := chooseBaseline(nil); got != "" {
		t.Errorf("baseline of no targets = %q, want empty", got)
	}
}

func TestSelectTargets(t *testing.T) {
	all, err := selectTargets("all")
	if err != nil || len(all) != len(registry()) {
		t.Errorf("selectTargets(all) = %d targets, %v; want %d", len(all), err, len(registry()))
	}
	two, err := selectTargets(" nethttp , fasthttp")
	if err != nil || len(two) != 2 || two[0].Name != "nethttp" {
		t.Errorf("selectTargets(nethttp,fasthttp) = %v, %v; want both in that order", two, err)
	}
	if _, err := selectTargets("fasthttp,fasthttp"); err == nil {
		t.Error("a target listed twice is accepted")
	}
	_, err = selectTargets("rust2")
	if err == nil || !strings.Contains(err.Error(), "fasthttp,fasthttp-nocache,nethttp") {
		t.Errorf("unknown target error = %v, want the list of names", err)
	}
}

func TestPlaceholdersExpand(t *testing.T) {
	c := &Config{Key: "k", Delay: 250 * time.Millisecond, DelayRatio: 0.05, DelaySeed: 7}
	expand := placeholders("/bin/iobench", "peers", 8123, "redis://127.0.0.1:1/0", c)
	got := expand("{exe} {addr} {port} {redis} {key} {delay} {delay_ratio} {delay_seed} {peers}/django")
	want := "/bin/iobench 127.0.0.1:8123 8123 redis://127.0.0.1:1/0 k 250ms 0.05 7 peers/django"
	if got != want {
		t.Errorf("expand = %q, want %q", got, want)
	}
}

func TestCheckRequirements(t *testing.T) {
	expand := func(s string) string { return s }
	ok := Target{Requires: []Requirement{{Program: "sh"}, {Command: []string{"true"}}}}
	if err := checkRequirements(context.Background(), ok, expand); err != nil {
		t.Errorf("met requirements: %v", err)
	}
	failing := Target{Requires: []Requirement{{Command: []string{"sh", "-c", "echo broken >&2; exit 1"}, Install: "fix it"}}}
	err := checkRequirements(context.Background(), failing, expand)
	if err == nil || !strings.Contains(err.Error(), "broken") || !strings.HasSuffix(err.Error(), "; install with fix it") {
		t.Errorf("failing command requirement: %v, want its output and the install command", err)
	}
	missing := Target{Requires: []Requirement{{File: "/nonexistent/iobench-peer", Missing: "the peer is not built"}}}
	err = checkRequirements(context.Background(), missing, expand)
	if err == nil || err.Error() != "not run: the peer is not built" {
		t.Errorf("missing file requirement: %v", err)
	}
}

func TestShellJoinQuotes(t *testing.T) {
	got := shellJoin([]string{"/usr/bin/python3", "-c", "import django; print(1)", "", "it's"})
	want := `/usr/bin/python3 -c 'import django; print(1)' '' 'it'\''s'`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}

func TestCommandLinePeerEnv(t *testing.T) {
	all := registry()
	i := slices.IndexFunc(all, func(t Target) bool { return t.Name == "rust" })
	if i < 0 {
		t.Fatal("no rust target in the registry")
	}
	c := &Config{Key: "test", Delay: 3 * time.Second, DelayRatio: 0.05, DelaySeed: 7}
	redisURL := redisclient.RedactURL("redis://user:secret@127.0.0.1:35549/0")
	got := commandLine(all[i], placeholders("/bin/iobench", "/src/peers", 41803, redisURL, c))

	want := "IOBENCH_REDIS=redis://user:xxxxx@127.0.0.1:35549/0 IOBENCH_KEY=test IOBENCH_DELAY=3s " +
		"IOBENCH_DELAY_RATIO=0.05 IOBENCH_DELAY_SEED=7 IOBENCH_ADDR=127.0.0.1:41803 " +
		"/src/peers/rust/target/release/iobench-rust"
	if got != want {
		t.Errorf("commandLine(rust) =\n%s\nwant\n%s", got, want)
	}
}

func TestCommandLineQuotesEnvValue(t *testing.T) {
	target := Target{Env: []string{"IOBENCH_KEY={key}"}, Command: []string{"{exe}", "serve"}}
	c := &Config{Key: "a b"}
	got := commandLine(target, placeholders("/bin/iobench", "peers", 1, "", c))
	if want := "IOBENCH_KEY='a b' /bin/iobench serve"; got != want {
		t.Errorf("commandLine = %s, want %s", got, want)
	}
}

func TestTailBufferKeepsEnd(t *testing.T) {
	tb := &tailBuffer{max: 10}
	_, _ = tb.Write([]byte("0123456789"))
	_, _ = tb.Write([]byte("abc\ndef"))
	if got := tb.String(); got != "789abc\ndef" {
		t.Errorf("tail = %q, want the last 10 bytes", got)
	}
	if got := lastLines("a\n\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines = %q, want b and c", got)
	}
}

func TestWriteHTMLWithEmptyAttack(t *testing.T) {
	s := &Summary{Baseline: "fasthttp", Targets: []TargetSummary{
		{Name: "fasthttp", Status: statusPartial},
		{Name: "nethttp", Status: statusNotRun, Reason: "the run was interrupted before this target"},
	}}
	measured := map[string]*measurement{"fasthttp": {Outcome: &attackOutcome{}}}
	var buf bytes.Buffer
	if err := writeHTML(&buf, s, measured); err != nil {
		t.Fatalf("writeHTML: %v", err)
	}
	page := buf.String()
	for _, want := range []string{"const TARGETS = [", `"name":"fasthttp"`, `"curveX":[]`, "the run was interrupted before this target"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if !strings.Contains(page, `"t":[]`) || strings.Contains(page, `"t":null`) {
		t.Error("report.html lacks an empty latency array; null ones break the page script")
	}
}

func TestProgressLinesAndBar(t *testing.T) {
	spec := attackSpec{Name: "fasthttp", Rate: 10, Duration: time.Second}
	cnt := &counters{}
	cnt.done.Store(10)
	cnt.ok.Store(9)

	var lines bytes.Buffer
	startProgress(progressLines, &lines, spec, cnt).Stop()
	got := lines.String()
	if !strings.HasPrefix(got, "fasthttp: 10/10 responses, 90.00% ok, ") || !strings.HasSuffix(got, "s/1s\n") {
		t.Errorf("lines mode printed %q, want one line with the counts and the elapsed time", got)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("lines mode printed %d lines, want 1", strings.Count(got, "\n"))
	}

	var bar bytes.Buffer
	startProgress(progressBar, &bar, spec, cnt).Stop()
	if got := bar.String(); !strings.HasPrefix(got, "\r\033[K") || !strings.Contains(got, "100%") || !strings.HasSuffix(got, "\n") {
		t.Errorf("bar mode printed %q, want a redrawn line at 100%% ending in a newline", got)
	}

	var off bytes.Buffer
	startProgress(progressOff, &off, spec, cnt).Stop()
	if off.Len() != 0 {
		t.Errorf("off mode printed %q", off.String())
	}
	if got := resolveProgressMode(progressAuto, &off); got != progressLines {
		t.Errorf("auto mode on a buffer = %q, want lines", got)
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Main(context.Background(), []string{"-h"}, &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Main(-h) error = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stdout.String(), "-delay-ratio") || strings.Count(stdout.String(), "Usage:") != 1 {
		t.Errorf("help on stdout = %q, want one usage text listing the flags", stdout.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("help wrote to stderr: %q", stderr.String())
	}
}

func TestListTargetsShowsNotRun(t *testing.T) {
	restore := SetPeerTargets([]Target{{
		Name:     "needs-tool",
		Requires: []Requirement{{Program: "no-such-program-iobench", Missing: "the tool is missing", Install: "get-tool"}},
	}})
	defer restore()

	var out bytes.Buffer
	if err := Main(context.Background(), []string{"-list"}, &out, io.Discard); err != nil {
		t.Fatalf("bench -list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+len(goTargets)+1+2 {
		t.Fatalf("bench -list printed %d lines, want a header, one per target, a blank line and the reason:\n%s", len(lines), out.String())
	}
	row := lines[len(goTargets)+1]
	if !strings.HasPrefix(row, "needs-tool") || !strings.Contains(row, "not run") || strings.Contains(row, "get-tool") {
		t.Errorf("bench -list row = %q, want the status without the reason", row)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "needs-tool: ") || !strings.Contains(last, "the tool is missing; install with get-tool") {
		t.Errorf("bench -list reason line = %q, want the reason and the install command", last)
	}
	if !strings.Contains(lines[1], "fasthttp") || !strings.Contains(lines[1], "ready") {
		t.Errorf("bench -list line = %q, want fasthttp ready", lines[1])
	}
}

func TestExecutableFlag(t *testing.T) {
	if _, err := executable("/nonexistent/iobench"); err == nil {
		t.Error("a missing -exe binary is accepted")
	}
	exe, err := executable("")
	if err != nil || exe == "" {
		t.Errorf("default executable = %q, %v; want this test binary", exe, err)
	}
}

func TestDelayedShareWithLostRequests(t *testing.T) {
	out := &attackOutcome{}
	for i := range 120 {
		code := 200
		if i >= 100 {
			code = 0 // cut off by an interrupt
		}
		out.Records = append(out.Records, record{Latency: time.Millisecond, Code: uint16(code)})
	}
	m := &measurement{Outcome: out}
	var ts TargetSummary
	m.fill(&ts, &Config{Rate: 1, DelayRatio: 0.5})

	joined := strings.Join(ts.Warnings, "\n")
	if strings.Contains(joined, "does not apply -delay-ratio") {
		t.Errorf("warnings blame the target although 20 requests got no response:\n%s", joined)
	}
	if !strings.Contains(joined, "20 requests got no response") {
		t.Errorf("warnings = %q, want one saying 20 requests got no response", ts.Warnings)
	}
}

// cpuSeries returns a series of span wall time that used cpu.
func cpuSeries(span, cpu time.Duration) procstat.Series {
	return procstat.Series{{At: 0}, {At: span, Usage: procstat.Usage{CPU: cpu}}}
}

func TestOtherCPUNegativeIsWarned(t *testing.T) {
	m := &measurement{
		Outcome:     &attackOutcome{},
		Attacker:    cpuSeries(10*time.Second, 5*time.Second),
		Target:      cpuSeries(10*time.Second, 5*time.Second),
		Interval:    100 * time.Millisecond,
		MachineBusy: ptr(8 * time.Second),
	}
	var ts TargetSummary
	m.fill(&ts, &Config{Rate: 1})

	if ts.OtherCPUSeconds == nil || *ts.OtherCPUSeconds > -1.99 {
		t.Errorf("other CPU = %v, want -2 s kept visible", ts.OtherCPUSeconds)
	}
	if !strings.Contains(strings.Join(ts.Warnings, "\n"), "below 0") {
		t.Errorf("warnings = %q, want one about the negative other CPU", ts.Warnings)
	}
}

func TestShortSpanHasNoCPUWarnings(t *testing.T) {
	m := &measurement{
		Outcome:     &attackOutcome{},
		Attacker:    cpuSeries(time.Millisecond, time.Millisecond),
		Target:      cpuSeries(time.Millisecond, 0),
		Interval:    100 * time.Millisecond,
		MachineBusy: ptr(20 * time.Millisecond),
	}
	var ts TargetSummary
	m.fill(&ts, &Config{Rate: 1})

	for _, w := range ts.Warnings {
		if strings.Contains(w, "cores") {
			t.Errorf("CPU-share warning for a 1 ms attack: %s", w)
		}
	}
}

func TestOneRequestHasNoRateWarning(t *testing.T) {
	out := &attackOutcome{Records: []record{{Latency: time.Millisecond, Code: 200}}}
	out.Metrics.Requests = 1
	m := &measurement{Outcome: out}
	var ts TargetSummary
	m.fill(&ts, &Config{Rate: 800})

	for _, w := range ts.Warnings {
		if strings.Contains(w, "achieved rate") {
			t.Errorf("rate warning for a single request: %s", w)
		}
	}
}

func TestHTMLTimesKeepMilliseconds(t *testing.T) {
	start := 12345 * time.Millisecond
	m := &measurement{Outcome: &attackOutcome{Records: []record{
		{Start: start, Latency: 1234567 * time.Microsecond, Code: 200},
	}}}
	h := chartData("fasthttp", m)
	if len(h.T) != 1 || h.T[0] != 12.345 {
		t.Errorf("start times = %v, want [12.345] (1 ms resolution)", h.T)
	}
	if len(h.Lat) != 1 || h.Lat[0] != 1234.567 {
		t.Errorf("latencies = %v, want [1234.567] ms", h.Lat)
	}
}

func TestEmptyLatencyGroupIsNA(t *testing.T) {
	m := &measurement{Outcome: &attackOutcome{Records: []record{{Latency: time.Millisecond, Code: 200}}}}
	ts := TargetSummary{Name: "fasthttp", Status: statusOK}
	m.fill(&ts, &Config{Rate: 1})

	raw, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"delayed_latency_ms":{"count":0,"mean":null,`) {
		t.Errorf("summary.json of an empty delayed group: %s, want null percentiles", raw)
	}
	var text bytes.Buffer
	printPercentiles(&text, &ts)
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "delayed  ") && !strings.Contains(line, "n/a") {
			t.Errorf("text line %q, want n/a for the empty group", line)
		}
	}
	var page bytes.Buffer
	if err := writeHTML(&page, &Summary{Targets: []TargetSummary{ts}}, map[string]*measurement{"fasthttp": m}); err != nil {
		t.Fatalf("writeHTML: %v", err)
	}
	if !strings.Contains(page.String(), "<td>n/a</td>") {
		t.Error("report.html targets table lacks n/a for the empty delayed group")
	}
	rows := comparisonRows(&Summary{Baseline: "fasthttp", Targets: []TargetSummary{ts}})
	for _, row := range rows {
		if row[0] == "delayed p50" && row[1] != "n/a" {
			t.Errorf("comparison delayed p50 = %q, want n/a", row[1])
		}
	}
}

func TestDelayRatioNegativeZero(t *testing.T) {
	c, err := parseConfig([]string{"-delay-ratio", "-0"}, io.Discard)
	if err != nil {
		t.Fatalf("parse -delay-ratio -0: %v", err)
	}
	if got := fmt.Sprint(c.DelayRatio); got != "0" {
		t.Errorf("-delay-ratio -0 prints as %q, want 0", got)
	}
}
