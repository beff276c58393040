package main

import (
	"debug/buildinfo"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iobench/iobench/internal/redistest"
)

// TestServeOnlyBinary checks that iobench-serve serves without the bench
// harness: its commands work, bench is refused, and no harness module is
// linked in.
func TestServeOnlyBinary(t *testing.T) {
	_, bin := buildBinaries(t)
	cases := []struct {
		args     []string
		code     int
		contains string // in stdout for code 0, in stderr otherwise
	}{
		{[]string{"version"}, 0, "iobench-serve v0.0.0-test ("},
		{[]string{"-h"}, 0, "Usage: iobench-serve <command>"},
		{[]string{"serve", "-h"}, 0, "Usage: iobench-serve serve [flags]"},
		{[]string{"bench"}, 2, "iobench-serve: no bench command in this serve-only build"},
		{[]string{"serve", "-delay", "3"}, 2, "run 'iobench-serve serve -h'"},
		{[]string{"healthcheck", "-url", "http://127.0.0.1:1/healthz"}, 1, "health check of"},
	}
	for _, tc := range cases {
		stdout, stderr, code := runBinary(t, bin, tc.args...)
		out := stderr
		if tc.code == 0 {
			out = stdout
		}
		if code != tc.code || !strings.Contains(out, tc.contains) {
			t.Errorf("iobench-serve %q: exit %d, output %q; want exit %d and %q", tc.args, code, out, tc.code, tc.contains)
		}
	}

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build information of %s: %v", bin, err)
	}
	for _, d := range info.Deps {
		for _, harness := range []string{"github.com/tsenart/vegeta", "github.com/alicebob/miniredis"} {
			if strings.HasPrefix(d.Path, harness) {
				t.Errorf("iobench-serve links %s %s, a module of the bench harness", d.Path, d.Version)
			}
		}
	}
}

// TestBenchRunsServeOnlyBuild runs iobench bench from the folder that holds
// both binaries and checks that the Go target ran iobench-serve, without the
// full-build warning.
func TestBenchRunsServeOnlyBuild(t *testing.T) {
	full, serveOnly := buildBinaries(t)
	redis := redistest.Start(t)
	out := filepath.Join(t.TempDir(), "run")
	_, stderr, code := runBinary(t, full, "bench", "-targets", "fasthttp", "-redis", redis.URL(),
		"-rate", "20", "-duration", "1s", "-delay", "100ms", "-stop-timeout", "5s",
		"-progress", "off", "-out", out)
	if code != 0 {
		t.Fatalf("iobench bench: exit %d, stderr:\n%s", code, stderr)
	}

	if !strings.Contains(stderr, "go targets: "+serveOnly+" (serve-only build)") {
		t.Errorf("stderr does not name the serve-only build:\n%s", stderr)
	}

	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Environment struct {
			Binary    string `json:"go_targets_binary"`
			ServeOnly bool   `json:"go_targets_serve_only"`
		} `json:"environment"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("parse summary.json: %v", err)
	}

	if s.Environment.Binary != serveOnly || !s.Environment.ServeOnly {
		t.Errorf("summary.json environment: binary %q serve-only %v, want %q true",
			s.Environment.Binary, s.Environment.ServeOnly, serveOnly)
	}
	for _, w := range s.Warnings {
		if strings.Contains(w, "full build") || strings.Contains(w, "revision") || strings.Contains(w, "cgo") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
}
