package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/iobench/iobench/bench"
	"github.com/iobench/iobench/internal/cli"
	"github.com/iobench/iobench/internal/cliflag"
	"github.com/iobench/iobench/internal/redistest"
)

// roleEnv makes the test binary act as the iobench binary: the harness
// starts the Go targets with its own executable, which is this test binary.
const roleEnv = "BENCH_TEST_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "iobench" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := cli.Program{Name: "iobench", Bench: bench.Main}.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintf(os.Stderr, "iobench: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Setenv(roleEnv, "iobench")
	os.Exit(m.Run())
}

// shortRun are the flags of a short attack with many delayed requests.
var shortRun = []string{
	"-rate", "200", "-duration", "2s", "-delay", "200ms", "-delay-ratio", "0.2",
	"-delay-seed", "42", "-progress", "off", "-stop-timeout", "5s",
}

// requireRedisServer skips the test where redis-server is missing, unless
// IOBENCH_REQUIRE_REDIS=1.
func requireRedisServer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv(redistest.RequireEnv) == "1" {
			t.Fatalf("redis-server not found (%s=1 requires it): %v", redistest.RequireEnv, err)
		}
		t.Skipf("skipping: redis-server not found (apt-get install redis-server): %v", err)
	}
}

// runBench runs the harness with args plus -out, and returns the parsed
// summary.json, the raw JSON, stdout and the returned error.
func runBench(t *testing.T, ctx context.Context, args ...string) (bench.Summary, []byte, string, error) {
	t.Helper()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := bench.Main(ctx, append(args, "-out", out), &stdout, &stderr)
	t.Logf("stderr:\n%s", stderr.String())

	raw, readErr := os.ReadFile(filepath.Join(out, "summary.json"))
	if readErr != nil {
		t.Fatalf("read summary.json (run error %v): %v\nstdout:\n%s", err, readErr, stdout.String())
	}
	var s bench.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("decode summary.json: %v", err)
	}
	return s, raw, stdout.String(), err
}

func findTarget(t *testing.T, s bench.Summary, name string) bench.TargetSummary {
	t.Helper()
	for _, ts := range s.Targets {
		if ts.Name == name {
			return ts
		}
	}
	t.Fatalf("target %s missing from summary.json", name)
	return bench.TargetSummary{}
}

func TestBenchGoTargetsEndToEnd(t *testing.T) {
	requireRedisServer(t)
	targets := []string{"fasthttp", "fasthttp-nocache", "nethttp"}
	s, raw, stdout, err := runBench(t, context.Background(),
		append(shortRun, "-targets", strings.Join(targets, ","))...)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}

	checkJSONNames(t, raw)
	if s.Environment.RedisMode != "embedded redis-server" || !s.Environment.ClientSideCaching {
		t.Errorf("environment = %+v, want embedded redis-server with client-side caching", s.Environment)
	}
	if s.Baseline != "nethttp" {
		t.Errorf("baseline = %q, want nethttp", s.Baseline)
	}
	if s.Partial {
		t.Error("summary marked partial after a complete run")
	}
	for _, name := range targets {
		checkTargetFigures(t, s, findTarget(t, s, name))
	}
	for _, want := range []string{"vegeta report", "exact latency", "comparison (ratio to nethttp)", "fast p99"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

// checkJSONNames checks the field names of summary.json that readers rely
// on, independently of the Go struct tags.
func checkJSONNames(t *testing.T, raw []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("decode summary.json: %v", err)
	}
	for _, k := range []string{"started_at", "rate", "duration_s", "delay_s", "delay_ratio", "environment", "warnings", "targets"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("summary.json lacks top-level %q", k)
		}
	}
	env, _ := doc["environment"].(map[string]any)
	for _, k := range []string{"go_version", "cpu_count", "cpu_model", "kernel", "redis_version", "redis_embedded"} {
		if _, ok := env[k]; !ok {
			t.Errorf("summary.json environment lacks %q", k)
		}
	}
	targets, _ := doc["targets"].([]any)
	if len(targets) == 0 {
		t.Fatal("summary.json has no targets")
	}
	target, _ := targets[0].(map[string]any)
	for _, k := range []string{"warnings", "errors"} {
		if _, ok := target[k].([]any); !ok {
			t.Errorf("summary.json target %q = %v, want a list (empty when there are none)", k, target[k])
		}
	}
	for _, k := range []string{
		"name", "command", "requests", "success_ratio", "throughput", "achieved_rate",
		"latency_ms", "fast_latency_ms", "delayed_latency_ms", "delayed_ratio", "status_codes",
		"errors", "peak_rss_bytes", "peak_rss_anon_bytes", "cpu_seconds", "cpu_percent_mean", "cpu_percent_peak",
		"cpu_us_per_request", "attacker_cpu_seconds", "redis_cpu_seconds", "warnings",
	} {
		if _, ok := target[k]; !ok {
			t.Errorf("summary.json target lacks %q", k)
		}
	}
	lat, _ := target["latency_ms"].(map[string]any)
	for _, k := range []string{"mean", "p50", "p90", "p95", "p99", "p999", "max"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("summary.json latency_ms lacks %q", k)
		}
	}
}

// checkTargetFigures checks that one target's figures are consistent with a
// 200/s, 2 s attack with 20% of requests delayed by 200ms.
func checkTargetFigures(t *testing.T, s bench.Summary, ts bench.TargetSummary) {
	t.Helper()
	name := ts.Name
	if ts.Status != "ok" {
		t.Fatalf("%s: status %q (reason %q, output %q), want ok", name, ts.Status, ts.Reason, ts.StderrTail)
	}
	if ts.Requests < 300 || ts.Requests > 420 {
		t.Errorf("%s: requests = %d, want about 400", name, ts.Requests)
	}
	if ts.SuccessRatio != 1 {
		t.Errorf("%s: success ratio = %v, want 1 (errors %+v)", name, ts.SuccessRatio, ts.Errors)
	}
	if got := ts.StatusCodes["200"]; got != ts.Requests {
		t.Errorf("%s: status 200 count = %d, want %d", name, got, ts.Requests)
	}
	if n := ts.FastLatencyMs.Count + ts.DelayedLatencyMs.Count; n != ts.Requests {
		t.Errorf("%s: fast + delayed = %d, want every request (%d)", name, n, ts.Requests)
	}
	// 20% of ~400 responses: 3 standard deviations are about 6 points.
	if math.Abs(ts.DelayedRatio-0.2) > 0.08 {
		t.Errorf("%s: delayed ratio = %.3f, want about 0.2", name, ts.DelayedRatio)
	}
	if ts.DelayedLatencyMs.P50 < 200 {
		t.Errorf("%s: delayed p50 = %.1fms, want at least the 200ms delay", name, ts.DelayedLatencyMs.P50)
	}
	if ts.FastLatencyMs.P50 >= 200 {
		t.Errorf("%s: fast p50 = %.1fms, want below the 200ms delay", name, ts.FastLatencyMs.P50)
	}
	if ts.PeakRSSBytes == nil || *ts.PeakRSSBytes < 1<<20 {
		t.Errorf("%s: peak RSS = %v, want at least 1 MiB", name, ts.PeakRSSBytes)
	}
	if ts.PeakRSSAnonBytes == nil || *ts.PeakRSSAnonBytes <= 0 {
		t.Errorf("%s: peak anonymous RSS = %v, want above 0", name, ts.PeakRSSAnonBytes)
	} else if ts.PeakRSSBytes != nil && *ts.PeakRSSAnonBytes >= *ts.PeakRSSBytes {
		t.Errorf("%s: peak anonymous RSS %d, want below the peak RSS %d", name, *ts.PeakRSSAnonBytes, *ts.PeakRSSBytes)
	}
	if ts.CPUSeconds == nil || *ts.CPUSeconds <= 0 {
		t.Errorf("%s: cpu_seconds = %v, want above 0", name, ts.CPUSeconds)
	}
	if ts.RedisCPUSeconds == nil {
		t.Errorf("%s: redis_cpu_seconds is null with an embedded redis-server", name)
	}
	if ts.AttackerCPUSeconds <= 0 {
		t.Errorf("%s: attacker_cpu_seconds = %v, want above 0", name, ts.AttackerCPUSeconds)
	}
	if ts.Versions["go"] == "" {
		t.Errorf("%s: versions = %v, want a go version", name, ts.Versions)
	}
	for _, w := range ts.Warnings {
		if strings.Contains(w, "X-Delayed") {
			t.Errorf("%s: unexpected delayed-share warning: %s", name, w)
		}
	}
}

func TestBenchBinFilesDecode(t *testing.T) {
	requireRedisServer(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	// The warm-up results must stay out of the .bin file and the figures.
	args := append(append([]string{}, shortRun...), "-targets", "fasthttp", "-warmup", "1s", "-out", out)
	if err := bench.Main(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	ts := findTarget(t, readSummary(t, out), "fasthttp")
	if ts.Requests > 420 {
		t.Errorf("requests = %d, want about 400: the 1s warm-up at 200/s must not count", ts.Requests)
	}

	f, err := os.Open(filepath.Join(out, "fasthttp.bin"))
	if err != nil {
		t.Fatalf("open fasthttp.bin: %v", err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var n, delayed int
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode result %d: %v", n, err)
		}
		n++
		if r.Code != 200 {
			t.Errorf("result %d: status %d, want 200", n, r.Code)
		}
		if r.Headers.Get("X-Delayed") == "true" {
			delayed++
		}
	}
	if n != ts.Requests {
		t.Errorf("fasthttp.bin holds %d results, want %d", n, ts.Requests)
	}
	if delayed != ts.DelayedLatencyMs.Count {
		t.Errorf("fasthttp.bin holds %d delayed results, want %d", delayed, ts.DelayedLatencyMs.Count)
	}

	for _, name := range []string{"summary.md", "report.html"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if !bytes.Contains(data, []byte("fasthttp")) {
			t.Errorf("%s does not mention the target", name)
		}
		for _, ref := range []string{`src="http`, `href="http`, "@import", "fetch("} {
			if bytes.Contains(data, []byte(ref)) {
				t.Errorf("%s contains %q: it must open offline", name, ref)
			}
		}
	}
}

func TestBenchFailedTargetsReported(t *testing.T) {
	requireRedisServer(t)
	restore := bench.SetPeerTargets([]bench.Target{
		{
			Name:        "exits-at-once",
			Description: "serve with an invalid engine",
			Command:     []string{"{exe}", "serve", "-engine", "bogus", "-addr", "{addr}"},
		},
		{
			Name:        "wrong-key",
			Description: "serve reading another key, so /test returns 404",
			Command:     []string{"{exe}", "serve", "-addr", "{addr}", "-redis", "{redis}", "-key", "no-such-key", "-delay-ratio", "0"},
		},
		{
			Name:        "missing-tool",
			Description: "needs a program that is not installed",
			Command:     []string{"no-such-program-iobench"},
			Requires:    []bench.Requirement{{Program: "no-such-program-iobench", Missing: "no-such-program-iobench is not installed", Install: "apt-get install no-such-program"}},
		},
	})
	defer restore()

	s, _, stdout, err := runBench(t, context.Background(),
		append(shortRun, "-targets", "exits-at-once,wrong-key,missing-tool,fasthttp", "-duration", "1s")...)
	if err == nil || !strings.Contains(err.Error(), "exits-at-once, wrong-key") {
		t.Errorf("bench error = %v, want one that names the two failed targets", err)
	}

	exits := findTarget(t, s, "exits-at-once")
	if exits.Status != "failed" {
		t.Errorf("exits-at-once status = %q, want failed", exits.Status)
	}
	if !strings.Contains(strings.Join(exits.StderrTail, "\n"), "bogus") {
		t.Errorf("exits-at-once stderr tail = %q, want the serve error naming bogus", exits.StderrTail)
	}

	wrong := findTarget(t, s, "wrong-key")
	if wrong.Status != "failed" {
		t.Errorf("wrong-key status = %q, want failed", wrong.Status)
	}
	if !strings.Contains(wrong.Reason, "404") {
		t.Errorf("wrong-key reason = %q, want it to name status 404", wrong.Reason)
	}

	missing := findTarget(t, s, "missing-tool")
	if missing.Status != "not_run" {
		t.Errorf("missing-tool status = %q, want not_run", missing.Status)
	}
	if want := "no-such-program-iobench is not installed; install with apt-get install no-such-program"; missing.Reason != want {
		t.Errorf("missing-tool reason = %q, want %q", missing.Reason, want)
	}

	if ok := findTarget(t, s, "fasthttp"); ok.Status != "ok" || ok.Requests == 0 {
		t.Errorf("fasthttp after the failures: status %q, %d requests; want ok with requests", ok.Status, ok.Requests)
	}
	if s.Baseline != "fasthttp" {
		t.Errorf("baseline = %q, want fasthttp (the only target attacked)", s.Baseline)
	}
	if !strings.Contains(stdout, "exits-at-once: failed") {
		t.Errorf("comparison output lacks the failed target:\n%s", stdout)
	}
}

func TestBenchInterruptWritesPartial(t *testing.T) {
	requireRedisServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupt at the first progress line, 5 s into the first attack.
	stderr := &callOnWrite{match: "fasthttp: ", also: "responses", call: cancel}

	out := t.TempDir()
	err := bench.Main(ctx, []string{"-targets", "fasthttp,nethttp", "-rate", "100",
		"-duration", "60s", "-delay", "3s", "-delay-ratio", "0.1", "-progress", "lines",
		"-out", out}, io.Discard, stderr)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("bench error = %v, want context.Canceled", err)
	}
	s := readSummary(t, out)
	if !s.Partial {
		t.Error("summary.partial = false, want true")
	}
	first := findTarget(t, s, "fasthttp")
	if first.Status != "partial" {
		t.Errorf("fasthttp status = %q (reason %q), want partial", first.Status, first.Reason)
	}
	if first.Requests < 400 || first.Requests > 1000 {
		t.Errorf("fasthttp requests = %d, want about 500 (5 s at 100/s)", first.Requests)
	}
	if first.AttackS >= 60 {
		t.Errorf("fasthttp attack lasted %.1f s, want it stopped before -duration 60s", first.AttackS)
	}
	for _, w := range first.Warnings {
		if strings.Contains(w, "does not apply -delay-ratio") {
			t.Errorf("interrupted attack blames the target for the delayed share: %s", w)
		}
		if strings.Contains(w, "killed it") {
			t.Errorf("target needed SIGKILL after the interrupt: %s", w)
		}
	}
	if second := findTarget(t, s, "nethttp"); second.Status != "not_run" {
		t.Errorf("nethttp status = %q, want not_run", second.Status)
	}
	if resp, err := http.Get(first.URL); err == nil {
		_ = resp.Body.Close()
		t.Errorf("target at %s still answers after the interrupt (status %d)", first.URL, resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("report.html not written after the interrupt: %v", err)
	}
}

// callOnWrite calls call once, at the first write that contains both
// match and also.
type callOnWrite struct {
	mu          sync.Mutex
	match, also string
	call        func()
	called      bool
}

func (c *callOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.called && bytes.Contains(p, []byte(c.match)) && bytes.Contains(p, []byte(c.also)) {
		c.called = true
		c.call()
	}
	return len(p), nil
}

func readSummary(t *testing.T, dir string) bench.Summary {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("read summary.json: %v", err)
	}
	var s bench.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("decode summary.json: %v", err)
	}
	return s
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitUp polls url until it returns 200, for at most 30 s.
func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not return 200 within 30s", url)
}

func TestBenchURLMode(t *testing.T) {
	srv := redistest.Start(t)
	redistest.Set(t, srv, "test", "url-mode-1")

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ln := freeAddr(t)
	cmd := exec.Command(exe, "serve", "-addr", ln, "-redis", srv.URL(), "-delay-ratio", "0")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start iobench serve: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	waitUp(t, "http://"+ln+"/healthz")

	s, _, stdout, err := runBench(t, context.Background(), "-url", "http://"+ln+"/test",
		"-pid", fmt.Sprint(cmd.Process.Pid), "-redis", srv.URL(), "-value", "url-mode-1",
		"-rate", "100", "-duration", "1s", "-delay-ratio", "0", "-progress", "off")
	if err != nil {
		t.Fatalf("bench -url: %v", err)
	}
	if s.DelayPassed {
		t.Error("delay_passed = true with -url, want false: the user started the server")
	}
	if !strings.Contains(stdout, "was not given -delay") {
		t.Errorf("stdout does not say the delay settings were not passed:\n%s", stdout)
	}
	ts := findTarget(t, s, "url")
	if ts.Status != "ok" {
		t.Fatalf("url target status = %q (reason %q), want ok", ts.Status, ts.Reason)
	}
	if ts.SuccessRatio != 1 {
		t.Errorf("success ratio = %v, want 1", ts.SuccessRatio)
	}
	if ts.CPUSeconds == nil || ts.PeakRSSBytes == nil {
		t.Error("CPU or RSS not measured although -pid was given")
	}
	if ts.RedisCPUSeconds != nil {
		t.Errorf("redis_cpu_seconds = %v for an external Redis, want null", *ts.RedisCPUSeconds)
	}
	if s.Environment.RedisMode != "external" {
		t.Errorf("redis mode = %q, want external", s.Environment.RedisMode)
	}
}

func TestBenchMiniredisFallback(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // hides redis-server
	s, _, stdout, err := runBench(t, context.Background(),
		append(shortRun, "-targets", "fasthttp", "-duration", "1s")...)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	if s.Environment.RedisMode != "embedded miniredis" {
		t.Errorf("redis mode = %q, want embedded miniredis", s.Environment.RedisMode)
	}
	if s.Environment.ClientSideCaching {
		t.Error("client_side_caching = true with miniredis, want false")
	}
	if !strings.Contains(strings.Join(s.Warnings, "\n"), "client-side caching is unavailable") {
		t.Errorf("warnings = %q, want the miniredis note", s.Warnings)
	}
	if !strings.Contains(stdout, "client-side caching is unavailable") {
		t.Error("stdout does not say that client-side caching is unavailable")
	}
	ts := findTarget(t, s, "fasthttp")
	if ts.Status != "ok" || ts.SuccessRatio != 1 {
		t.Errorf("fasthttp on miniredis: status %q, success %v; want ok and 1 (reason %q, output %q)",
			ts.Status, ts.SuccessRatio, ts.Reason, ts.StderrTail)
	}
	if strings.Contains(ts.Description, "with client-side caching") {
		t.Errorf("fasthttp description %q claims client-side caching on miniredis", ts.Description)
	}
	if !strings.Contains(stdout, "in-process miniredis: its CPU is part of the attacker figure") {
		t.Errorf("stdout does not say where miniredis' CPU went:\n%s", stdout)
	}
	if strings.Contains(s.Environment.RedisVersion, "miniredis") {
		t.Errorf("redis_version = %q repeats the mode %q", s.Environment.RedisVersion, s.Environment.RedisMode)
	}
}

// badFlags is a command line and a part of the usage error it must cause.
type badFlags struct {
	args []string
	want string
}

func TestBenchBadFlags(t *testing.T) {
	checkBadFlags(t, []badFlags{
		{[]string{"-rate", "0"}, "-rate"},
		{[]string{"-rate", "fast"}, "-rate"},
		{[]string{"-duration", "-1s"}, "-duration"},
		{[]string{"-delay-ratio", "1.5"}, "-delay-ratio"},
		{[]string{"-targets", "fasthttp,nope"}, `unknown target "nope"`},
		{[]string{"-redis", "localhost:6379"}, "redis://"},
		{[]string{"-url", "127.0.0.1:8000"}, "-url"},
		{[]string{"-pid", "12"}, "-pid"},
		{[]string{"-url", "http://127.0.0.1:1/test", "-targets", "nethttp"}, "-targets and -url"},
		{[]string{"-progress", "loud"}, "-progress"},
		{[]string{"-rate", "100000", "-duration", "1h"}, "at most 50000000"},
		{[]string{"-rate", "abc"}, `"abc" for flag -rate: want a whole number`},
		{[]string{"-delay", "3"}, `"3" for flag -delay: want a Go duration with a unit`},
		{[]string{"-max-workers", "-1"}, `"-1" for flag -max-workers: want a whole number of 0 or more`},
		{[]string{"-key", ""}, `invalid value "" for -key`},
		{[]string{"-list=maybe"}, `"maybe" for -list: want true or false`},
		{[]string{"-duration", "1ns"}, "raise -rate or -duration"},
		{[]string{"-exe", "/nonexistent/iobench"}, `"/nonexistent/iobench" for -exe`},
		{[]string{"-redis", "redis://127.0.0.1:/0"}, "host:port"},
		{[]string{"-redis", "redis://u:secret@127.0.0.1:/0"}, `"redis://u:xxxxx@127.0.0.1:/0"`},
		{[]string{"-sweep", "-step-duration", "10s", "-sweep-timeout", "5s"}, `invalid value "5s" for -sweep-timeout`},
	})
}

func TestBenchBadEnvironmentNamed(t *testing.T) {
	t.Setenv("IOBENCH_RATE", "0")
	checkBadFlags(t, []badFlags{{nil, `invalid value "0" for IOBENCH_RATE (sets -rate)`}})
}

// checkBadFlags checks that each command line fails with a usage error
// that contains its text.
func checkBadFlags(t *testing.T, cases []badFlags) {
	t.Helper()
	for _, c := range cases {
		err := bench.Main(context.Background(), c.args, io.Discard, io.Discard)
		if !cliflag.IsUsage(err) {
			t.Errorf("bench %v: error %v, want a usage error", c.args, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %v: error %q, want it to contain %q", c.args, err, c.want)
		}
	}
}

func TestBenchMaxWorkersWarnsLowRate(t *testing.T) {
	requireRedisServer(t)
	// Two workers and half the requests delayed by 200ms allow about 20
	// requests/s, far below the 200/s requested.
	s, _, _, err := runBench(t, context.Background(), "-targets", "fasthttp", "-rate", "200",
		"-duration", "1s", "-delay", "200ms", "-delay-ratio", "0.5", "-max-workers", "2", "-progress", "off")
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	ts := findTarget(t, s, "fasthttp")
	if ts.AchievedRate >= 198 {
		t.Errorf("achieved rate = %.1f/s with 2 workers, want well below 200/s", ts.AchievedRate)
	}
	if !strings.Contains(strings.Join(ts.Warnings, "\n"), "below 99% of the requested 200/s") {
		t.Errorf("warnings = %q, want the achieved-rate warning", ts.Warnings)
	}
	if s.MaxWorkers != 2 {
		t.Errorf("max_workers = %d, want 2", s.MaxWorkers)
	}
}

func TestBenchTargetExitsDuringAttack(t *testing.T) {
	requireRedisServer(t)
	pidFile := filepath.Join(t.TempDir(), "serve.pid")
	restore := bench.SetPeerTargets([]bench.Target{{
		Name:        "dies",
		Description: "iobench serve under a shell that exits when serve is killed",
		Command: []string{"sh", "-c",
			`"$0" serve -addr "$1" -redis "$2" -delay-ratio 0 & echo $! > "$PIDFILE"; wait $!`,
			"{exe}", "{addr}", "{redis}"},
		Env: []string{"PIDFILE=" + pidFile},
	}})
	defer restore()

	// Kill serve at the first progress line, 5 s into the 8 s attack.
	stderr := &callOnWrite{match: "dies: ", also: "responses", call: func() {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			t.Errorf("read the serve pid: %v", err)
			return
		}
		var pid int
		if _, err := fmt.Sscan(string(data), &pid); err != nil || pid <= 0 {
			t.Errorf("parse the serve pid %q: %v", data, err)
			return
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}}

	out := t.TempDir()
	err := bench.Main(context.Background(), []string{"-targets", "dies", "-rate", "100",
		"-duration", "8s", "-progress", "lines", "-out", out}, io.Discard, stderr)
	if err == nil || !strings.Contains(err.Error(), "dies") {
		t.Errorf("bench error = %v, want one that names the target that exited", err)
	}
	ts := findTarget(t, readSummary(t, out), "dies")
	if ts.Status != "exited" {
		t.Errorf("status = %q, want exited", ts.Status)
	}
	if !strings.Contains(strings.Join(ts.Warnings, "\n"), "exited during the attack: exit status 137") {
		t.Errorf("warnings = %q, want the exit warning with the shell's exit status", ts.Warnings)
	}
	if ts.SuccessRatio >= 1 || ts.StatusCodes["0"] == 0 {
		t.Errorf("success %v, status codes %v: want failures after the kill", ts.SuccessRatio, ts.StatusCodes)
	}
	var refused bool
	for _, g := range ts.Errors {
		refused = refused || g.Kind == "connection refused"
	}
	if !refused {
		t.Errorf("errors = %+v, want a connection refused group", ts.Errors)
	}
}

func TestBenchOutMustBeEmpty(t *testing.T) {
	requireRedisServer(t)
	out := t.TempDir()
	for _, name := range []string{"old.bin", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-targets", "fasthttp", "-rate", "50", "-duration", "1s", "-progress", "off", "-out", out}

	err := bench.Main(context.Background(), args, io.Discard, io.Discard)
	if !cliflag.IsUsage(err) {
		t.Fatalf("bench into a non-empty -out: error %v, want a usage error", err)
	}
	for _, want := range []string{out, "-force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}

	if err := bench.Main(context.Background(), append(args, "-force"), io.Discard, io.Discard); err != nil {
		t.Fatalf("bench -force: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "old.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale old.bin after -force: stat error %v, want it removed", err)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Errorf("notes.txt, not a result file, was removed by -force: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "fasthttp.bin")); err != nil {
		t.Errorf("fasthttp.bin not written: %v", err)
	}
}

func TestBenchOutIsFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(out, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		args := []string{"-targets", "fasthttp", "-progress", "off", "-out", out}
		if force {
			args = append(args, "-force")
		}

		err := bench.Main(context.Background(), args, io.Discard, io.Discard)
		if !cliflag.IsUsage(err) {
			t.Fatalf("bench -out FILE (force %v): error %v, want a usage error", force, err)
		}
		for _, want := range []string{"-out", out, "must be a folder"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "x" {
		t.Errorf("-out file changed: content %q, error %v", b, err)
	}
}

func TestBenchDeadRedis(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	err := bench.Main(context.Background(), []string{"-redis", "redis://user:secret@" + freeAddr(t) + "/0",
		"-progress", "off", "-out", out}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("bench with a dead -redis succeeded")
	}
	if !strings.Contains(err.Error(), "leave -redis out") {
		t.Errorf("error %q gives no hint", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q shows the password", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-out created although Redis was unreachable: stat error %v", err)
	}
}
