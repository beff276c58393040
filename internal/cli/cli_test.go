package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/iobench/iobench/internal/cliflag"
)

// testProgram is the full binary with a bench command that records its
// arguments in benchArgs.
var testProgram = Program{Name: "iobench", Bench: func(_ context.Context, args []string, _, _ io.Writer) error {
	benchArgs = args
	return nil
}}

var benchArgs []string

// serveOnly is the serve-only binary.
var serveOnly = Program{Name: "iobench-serve"}

// runMain runs testProgram.Main with args and returns its stdout and its
// error.
func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := testProgram.Main(context.Background(), args, &stdout, &stderr)
	return stdout.String(), err
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string // substrings of the error
	}{
		{"no command", nil, nil, []string{"missing command"}},
		{"unknown command", []string{"sevre"}, nil, []string{`"sevre"`, "serve, bench"}},
		{"version argument", []string{"version", "x"}, nil, []string{`"x"`}},
		{"engine", []string{"serve", "-engine", "gin"}, nil, []string{"-engine", "fasthttp, nethttp"}},
		{"client", []string{"serve", "-client", "redigo"}, nil, []string{"-client", "rueidis, goredis"}},
		{"log format", []string{"serve", "-log-format", "xml"}, nil, []string{"-log-format", "text, json"}},
		{"negative delay", []string{"serve", "-delay", "-1s"}, nil, []string{"-delay", "0 or a positive duration"}},
		{"delay unit", []string{"serve", "-delay", "3"}, nil, []string{"-delay", "such as 250ms"}},
		{"zero redis timeout", []string{"serve", "-redis-timeout", "0"}, nil,
			[]string{"-redis-timeout", "a positive duration"}},
		{"negative cache TTL", []string{"serve", "-cache-ttl", "-1m"}, nil, []string{"-cache-ttl"}},
		{"negative redis wait", []string{"serve", "-redis-wait", "-1s"}, nil, []string{"-redis-wait"}},
		{"negative shutdown timeout", []string{"serve", "-shutdown-timeout", "-1s"}, nil,
			[]string{"-shutdown-timeout"}},
		{"ratio above 1", []string{"serve", "-delay-ratio", "1.5"}, nil, []string{"-delay-ratio", "from 0 to 1"}},
		{"negative ratio", []string{"serve", "-delay-ratio", "-0.1"}, nil, []string{"-delay-ratio", "from 0 to 1"}},
		{"ratio NaN", []string{"serve", "-delay-ratio", "NaN"}, nil, []string{"-delay-ratio", "from 0 to 1"}},
		{"seed", []string{"serve", "-delay-seed", "x"}, nil, []string{"-delay-seed", "integer"}},
		{"redis scheme", []string{"serve", "-redis", "http://127.0.0.1:6379"}, nil,
			[]string{"-redis", "redis://[user:password@]host:port/db"}},
		{"redis port", []string{"serve", "-redis", "redis://127.0.0.1:99999/0"}, nil,
			[]string{"-redis", `invalid port "99999"`}},
		{"redis database", []string{"serve", "-redis", "redis://127.0.0.1:6379/x"}, nil,
			[]string{"-redis", `invalid database "x"`}},
		{"redis password", []string{"serve", "-redis", "redis://u:hunter2@127.0.0.1:99999/0"}, nil,
			[]string{"-redis", `"redis://u:xxxxx@127.0.0.1:99999/0"`}},
		{"redis password after =", []string{"serve", "-redis=http://:hunter2@h/0"}, nil,
			[]string{"-redis", `"http://:xxxxx@h/0"`}},
		{"env redis password", []string{"serve"}, map[string]string{"IOBENCH_REDIS": "redis://:hunter2@h:1/x"},
			[]string{"IOBENCH_REDIS", `"redis://:xxxxx@h:1/x"`}},
		{"addr", []string{"serve", "-addr", "8000"}, nil, []string{"-addr", "host:port"}},
		{"empty key", []string{"serve", "-key", ""}, nil, []string{"-key", "non-empty"}},
		{"unknown flag", []string{"serve", "-port", "80"}, nil, []string{"-port"}},
		{"argument", []string{"serve", "now"}, nil, []string{`"now"`}},
		{"env engine", []string{"serve"}, map[string]string{"IOBENCH_ENGINE": "gin"},
			[]string{"IOBENCH_ENGINE", "-engine", "fasthttp, nethttp"}},
		{"env ratio", []string{"serve"}, map[string]string{"IOBENCH_DELAY_RATIO": "5%"},
			[]string{"IOBENCH_DELAY_RATIO", "from 0 to 1"}},
		{"healthcheck url", []string{"healthcheck", "-url", "127.0.0.1:8000/healthz"}, nil,
			[]string{"-url", "http://"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := runMain(t, tc.args...)
			if !cliflag.IsUsage(err) {
				t.Fatalf("Main(%q): %v, want a usage error", tc.args, err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Main(%q) error %q does not contain %q", tc.args, err, want)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Main(%q) error %q shows the password", tc.args, err)
			}
		})
	}
}

func TestBenchDispatch(t *testing.T) {
	if _, err := runMain(t, "bench", "-rate", "5"); err != nil {
		t.Fatalf("Main(bench -rate 5): %v", err)
	}
	if !slices.Equal(benchArgs, []string{"-rate", "5"}) {
		t.Errorf("bench got %q, want [-rate 5]", benchArgs)
	}
}

func TestServeOnlyProgram(t *testing.T) {
	var stdout bytes.Buffer
	err := serveOnly.Main(context.Background(), []string{"bench"}, &stdout, io.Discard)
	if !cliflag.IsUsage(err) || !strings.Contains(err.Error(), "no bench command in this serve-only build") ||
		!strings.Contains(err.Error(), "CGO_ENABLED=0 go build -o bin/ . ./cmd/iobench-serve") {
		t.Errorf("serve-only bench: %v, want a usage error that names the full build", err)
	}
	err = serveOnly.Main(context.Background(), []string{"sevre"}, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "want serve, healthcheck, version (run 'iobench-serve -h'") {
		t.Errorf("serve-only unknown command: %v", err)
	}
	for _, args := range [][]string{{"-h"}, {"serve", "-h"}, {"version", "-h"}} {
		stdout.Reset()
		if err := serveOnly.Main(context.Background(), args, &stdout, io.Discard); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("serve-only %q: %v, want flag.ErrHelp", args, err)
		}
		if !strings.Contains(stdout.String(), "Usage: iobench-serve ") {
			t.Errorf("serve-only %q help does not start with its own name:\n%s", args, stdout.String())
		}
		// "iobench-serve" itself contains "bench", so look for the command.
		if strings.Contains(stdout.String(), "  bench ") || strings.Contains(stdout.String(), "iobench serve") {
			t.Errorf("serve-only %q help names bench or the full binary:\n%s", args, stdout.String())
		}
	}
}

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{cliflag.Usagef("bad flag"), 2},
		{errors.New("redis down"), 1},
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		code := serveOnly.exitCode(tc.err, &stderr)
		if code != tc.code {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, code, tc.code)
		}
		if tc.code != 0 && stderr.String() != "iobench-serve: "+tc.err.Error()+"\n" {
			t.Errorf("exitCode(%v) printed %q, want the program name and the error", tc.err, stderr.String())
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	serve, _ := newServeFlags()
	health, _, _ := newHealthcheckFlags()
	cases := []struct {
		args  []string
		flags []*flag.FlagSet
	}{
		{[]string{"-h"}, []*flag.FlagSet{serve, health}},
		{[]string{"serve", "-h"}, []*flag.FlagSet{serve}},
		{[]string{"healthcheck", "-h"}, []*flag.FlagSet{health}},
	}
	for _, tc := range cases {
		stdout, err := runMain(t, tc.args...)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Main(%q): %v, want flag.ErrHelp", tc.args, err)
		}
		for _, fs := range tc.flags {
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(stdout, "  -"+f.Name+" ") {
					t.Errorf("Main(%q) help does not list -%s", tc.args, f.Name)
				}
			})
		}
		for _, want := range []string{"default ", "Examples:\n  iobench "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("Main(%q) help does not contain %q", tc.args, want)
			}
		}
	}
	stdout, _ := runMain(t, "serve", "-h")
	for _, want := range []string{"default 3s, env IOBENCH_DELAY\n", "default 0.05, env IOBENCH_DELAY_RATIO\n",
		"-cache-ttl duration", "default redis://127.0.0.1:6379/0, env IOBENCH_REDIS\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("serve -h does not contain %q:\n%s", want, stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, err := runMain(t, "version")
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if !strings.HasPrefix(stdout, "iobench ") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("version printed %q, want iobench VERSION (%s, ...)", stdout, runtime.Version())
	}

	stdout, err = runMain(t, "version", "-h")
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(stdout, "Usage: iobench version") {
		t.Errorf("version -h: %v, printed %q; want flag.ErrHelp and the usage", err, stdout)
	}

	old := version
	version = "v9.8.7"
	t.Cleanup(func() { version = old })
	if got := Version(); !strings.HasPrefix(got, "iobench v9.8.7 (") {
		t.Errorf("Version() with -X version=v9.8.7 = %q, want it to start %q", got, "iobench v9.8.7 (")
	}
}

func TestDefaultHealthURL(t *testing.T) {
	cases := map[string]string{
		"":               "http://127.0.0.1:8000/healthz",
		":9000":          "http://127.0.0.1:9000/healthz",
		"0.0.0.0:9001":   "http://127.0.0.1:9001/healthz",
		"[::]:9002":      "http://127.0.0.1:9002/healthz",
		"127.0.0.2:9003": "http://127.0.0.2:9003/healthz",
		"[::1]:9004":     "http://[::1]:9004/healthz",
	}
	for addr, want := range cases {
		if got := defaultHealthURL(addr); got != want {
			t.Errorf("defaultHealthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
