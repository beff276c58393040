package cliflag

import (
	"errors"
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

func TestParseFlagOverridesBadEnvironment(t *testing.T) {
	fs, _, timeout := newFlagSet()
	err := Parse(fs, []string{"-redis-timeout", "2s"},
		envOf(map[string]string{"IOBENCH_REDIS_TIMEOUT": "soon"}))
	if err != nil {
		t.Fatalf("Parse with a bad variable that the flag overrides: %v, want nil", err)
	}
	if *timeout != 2*time.Second {
		t.Errorf("redis-timeout = %v, want the flag's 2s", *timeout)
	}
}

func TestParseEnvironmentFillsUnsetFlags(t *testing.T) {
	fs, addr, timeout := newFlagSet()
	err := Parse(fs, []string{"-addr", "127.0.0.1:9"},
		envOf(map[string]string{"IOBENCH_ADDR": ":1", "IOBENCH_REDIS_TIMEOUT": "250ms"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if *addr != "127.0.0.1:9" {
		t.Errorf("addr = %q, want the flag's 127.0.0.1:9", *addr)
	}
	if *timeout != 250*time.Millisecond {
		t.Errorf("redis-timeout = %v, want IOBENCH_REDIS_TIMEOUT's 250ms", *timeout)
	}
}

func TestParseHelpIgnoresBadEnvironment(t *testing.T) {
	fs, _, _ := newFlagSet()
	fs.Usage = func() {}
	err := Parse(fs, []string{"-h"}, envOf(map[string]string{"IOBENCH_REDIS_TIMEOUT": "soon"}))
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Parse(-h) with a bad variable: %v, want flag.ErrHelp", err)
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

// secretValue is a string flag whose input hides everything after "pw=".
type secretValue struct{ s *string }

func (v secretValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v secretValue) Set(s string) error {
	if strings.HasSuffix(s, "!") {
		return errors.New("want no trailing !")
	}
	*v.s = s
	return nil
}

func (v secretValue) Redact(s string) string {
	if before, _, ok := strings.Cut(s, "pw="); ok {
		return before + "pw=xxxxx"
	}
	return s
}

func TestParseRedactsSecrets(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"-secret", "user pw=hunter2!"}, nil},
		{"flag with =", []string{"-secret=user pw=hunter2!"}, nil},
		{"environment", nil, map[string]string{"IOBENCH_SECRET": "user pw=hunter2!"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Var(secretValue{new(string)}, "secret", "a value with a password")
			err := Parse(fs, tc.args, envOf(tc.env))
			if !IsUsage(err) {
				t.Fatalf("Parse: %v, want a usage error", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
			if !strings.Contains(err.Error(), `"user pw=xxxxx"`) {
				t.Errorf("error %q does not show the redacted value", err)
			}
		})
	}
}
