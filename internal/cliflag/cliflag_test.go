package cliflag

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func newFlagSet() (*flag.FlagSet, *string, *time.Duration) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", ":8000", "listen address")
	timeout := fs.Duration("redis-timeout", time.Second, "timeout")
	return fs, addr, timeout
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseEnvironmentSetsFlag(t *testing.T) {
	fs, _, timeout := newFlagSet()
	err := Parse(fs, nil, envOf(map[string]string{"IOBENCH_REDIS_TIMEOUT": "250ms"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if *timeout != 250*time.Millisecond {
		t.Errorf("redis-timeout = %v, want 250ms", *timeout)
	}
}

func TestParseFlagWinsOverEnvironment(t *testing.T) {
	fs, addr, _ := newFlagSet()
	err := Parse(fs, []string{"-addr", "127.0.0.1:9"}, envOf(map[string]string{"IOBENCH_ADDR": ":1"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if *addr != "127.0.0.1:9" {
		t.Errorf("addr = %q, want the flag's 127.0.0.1:9", *addr)
	}
}

func TestParseBadEnvironmentNamesVariable(t *testing.T) {
	fs, _, _ := newFlagSet()
	err := Parse(fs, nil, envOf(map[string]string{"IOBENCH_REDIS_TIMEOUT": "soon"}))
	if !IsUsage(err) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if !strings.Contains(err.Error(), "IOBENCH_REDIS_TIMEOUT") || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("err = %q, want it to name the variable and the value", err)
	}
}

func TestParseBadFlagIsUsageError(t *testing.T) {
	fs, _, _ := newFlagSet()
	err := Parse(fs, []string{"-redis-timeout", "x"}, envOf(nil))
	if !IsUsage(err) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if !strings.Contains(err.Error(), "redis-timeout") {
		t.Errorf("err = %q, want it to name the flag", err)
	}
}

func TestParseRejectsPositionalArgument(t *testing.T) {
	fs, _, _ := newFlagSet()
	err := Parse(fs, []string{"extra"}, envOf(nil))
	if !IsUsage(err) {
		t.Fatalf("err = %v, want a usage error", err)
	}
}

func TestParseHelp(t *testing.T) {
	fs, _, _ := newFlagSet()
	err := Parse(fs, []string{"-h"}, envOf(nil))
	if !IsUsage(err) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("delay-ratio"); got != "IOBENCH_DELAY_RATIO" {
		t.Errorf("EnvName = %q, want IOBENCH_DELAY_RATIO", got)
	}
}
