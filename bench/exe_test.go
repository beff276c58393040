package bench

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDefaultExe(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "iobench")
	if got := defaultExe(self); got != self {
		t.Errorf("defaultExe without iobench-serve = %s, want %s", got, self)
	}
	// A folder named iobench-serve is not a binary.
	if err := os.Mkdir(filepath.Join(dir, serveOnlyName+exeSuffix()), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := defaultExe(self); got != self {
		t.Errorf("defaultExe with a folder iobench-serve = %s, want %s", got, self)
	}
	other := t.TempDir()
	self = filepath.Join(other, "iobench")
	sibling := filepath.Join(other, serveOnlyName+exeSuffix())
	if err := os.WriteFile(sibling, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := defaultExe(self); got != sibling {
		t.Errorf("defaultExe with iobench-serve beside it = %s, want %s", got, sibling)
	}
}

func TestIsServeOnly(t *testing.T) {
	// The test binary's main package is the test's, and a script has no Go
	// build information: neither is the serve-only build.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "iobench-serve")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, exe := range []string{self, script} {
		if isServeOnly(exe) {
			t.Errorf("isServeOnly(%s) = true, want false", exe)
		}
	}
}

func TestCheckGoBinary(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A test binary of this module passes every check but the package.
	if err := checkGoBinary(self); err == nil || !strings.Contains(err.Error(), ".test") {
		t.Errorf("checkGoBinary(test binary of this module) = %v, want an error naming its package", err)
	}
	for _, pkg := range []string{modulePath, serveOnlyPackage} {
		if err := checkMainPackage("x", pkg, modulePath); err != nil {
			t.Errorf("checkMainPackage(%s) = %v, want nil", pkg, err)
		}
	}
	if err := checkMainPackage("x", serveOnlyPackage, "example.com/fork"); err == nil {
		t.Error("checkMainPackage with another module = nil, want an error")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "iobench-serve")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{dir, script, "/bin/sh", filepath.Join(dir, "missing")} {
		if err := checkGoBinary(bad); err == nil {
			t.Errorf("checkGoBinary(%s) = nil, want an error", bad)
		}
	}
}

func TestRevisionMismatch(t *testing.T) {
	built := func(settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Settings: settings}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "abc123"}
	cases := []struct {
		info *debug.BuildInfo
		want string
	}{
		{built(), ""},
		{built(rev), "abc123"},
		{built(rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "abc123+modified"},
		{built(rev, debug.BuildSetting{Key: "vcs.modified", Value: "false"}), "abc123"},
	}
	for _, tc := range cases {
		if got := revisionOf(tc.info); got != tc.want {
			t.Errorf("revisionOf(%v) = %q, want %q", tc.info.Settings, got, tc.want)
		}
	}

	if w := mismatchWarning("bin/iobench-serve", "abc123", "def456"); !strings.Contains(w, "revision def456") ||
		!strings.Contains(w, "this harness is revision abc123") {
		t.Errorf("mismatchWarning for two revisions = %q", w)
	}
	for _, same := range [][2]string{{"abc123", "abc123"}, {"", "abc123"}, {"abc123", ""}} {
		if w := mismatchWarning("x", same[0], same[1]); w != "" {
			t.Errorf("mismatchWarning(%q, %q) = %q, want none", same[0], same[1], w)
		}
	}
}

func TestBuildSetting(t *testing.T) {
	info := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "-trimpath", Value: "true"}, {Key: "CGO_ENABLED", Value: "1"},
	}}
	if got := buildSetting(info, "CGO_ENABLED"); got != "1" {
		t.Errorf("buildSetting(CGO_ENABLED) = %q, want 1", got)
	}
	if got := buildSetting(info, "GOARCH"); got != "" {
		t.Errorf("buildSetting of a missing key = %q, want empty", got)
	}
}
