package bench

import (
	"os"
	"path/filepath"
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
	if err := checkGoBinary(self); err != nil {
		t.Errorf("checkGoBinary(test binary of this module) = %v, want nil", err)
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
