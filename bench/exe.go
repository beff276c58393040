package bench

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/iobench/iobench/internal/cliflag"
)

// serveOnlyName is the file name of the serve-only build beside iobench.
const serveOnlyName = "iobench-serve"

// serveOnlyPackage is the main package of the serve-only build, as its
// build information records it.
const serveOnlyPackage = "github.com/iobench/iobench/cmd/iobench-serve"

// executable returns the binary that runs the Go targets: -exe when set,
// else iobench-serve in the folder of this executable when it is there,
// else this executable.
func executable(flagValue string) (string, error) {
	if flagValue != "" {
		if err := checkGoBinary(flagValue); err != nil {
			return "", cliflag.Usagef("invalid value %q for -exe: %w; want the path of an iobench or iobench-serve binary, or no -exe for the default", flagValue, err)
		}
		// A target's working directory may differ from the harness's.
		abs, err := filepath.Abs(flagValue)
		if err != nil {
			return "", fmt.Errorf("resolve -exe %s: %w", flagValue, err)
		}
		return abs, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this executable to run the Go targets (set -exe): %w", err)
	}
	return defaultExe(self), nil
}

// modulePath is the module that both iobench binaries are built from.
const modulePath = "github.com/iobench/iobench"

// checkGoBinary returns an error unless exe is an executable file built
// from this module, so that a folder, a script or another program fails
// before Redis starts rather than as a failed target.
func checkGoBinary(exe string) error {
	info, err := os.Stat(exe)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", exe)
	}
	build, err := buildinfo.ReadFile(exe)
	if err != nil {
		return fmt.Errorf("not a Go binary: %w", err)
	}
	return checkMainPackage(exe, build.Path, build.Main.Path)
}

// checkMainPackage returns an error unless the main package pkg of exe,
// built from module mod, is iobench or iobench-serve. A test binary of
// this module (go test -c) has the right module but cannot serve.
func checkMainPackage(exe, pkg, mod string) error {
	if mod != modulePath {
		return fmt.Errorf("%s is built from module %q, not %s", exe, mod, modulePath)
	}
	if pkg != modulePath && pkg != serveOnlyPackage {
		return fmt.Errorf("%s is built from package %s, not %s or %s", exe, pkg, modulePath, serveOnlyPackage)
	}
	return nil
}

// defaultExe returns iobench-serve in the folder of self when it is a
// regular file there, else self.
func defaultExe(self string) string {
	sibling := filepath.Join(filepath.Dir(self), serveOnlyName+exeSuffix())
	if info, err := os.Stat(sibling); err == nil && info.Mode().IsRegular() {
		return sibling
	}
	return self
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// isServeOnly reports whether exe is a serve-only build, from the main
// package recorded in its build information.
func isServeOnly(exe string) bool {
	info, err := buildinfo.ReadFile(exe)
	return err == nil && info.Path == serveOnlyPackage
}

// noteGoBinary records in the summary and prints on stderr which binary
// runs the Go targets, with a warning when it is a full build, whose
// memory figures include the harness.
func (r *runner) noteGoBinary() {
	if !slices.ContainsFunc(r.targets(), runsExe) {
		return
	}
	env := &r.summary.Environment
	env.GoTargetsBinary = r.exe
	env.GoTargetsServeOnly = isServeOnly(r.exe)
	if self, err := os.Executable(); err == nil {
		if warn := revisionMismatch(self, r.exe); warn != "" {
			r.warn(warn)
		}
	}
	if usesCgo(r.exe) {
		r.warn(fmt.Sprintf("the Go targets ran %s, built with cgo: it maps the C library and the dynamic "+
			"loader, which add to its RSS (1.7 MB for iobench-serve on the test machine) and which the "+
			"container's static build does not; build both binaries with CGO_ENABLED=0", r.exe))
	}
	if env.GoTargetsServeOnly {
		fmt.Fprintf(r.stderr, "go targets: %s (serve-only build)\n", r.exe)
		return
	}
	r.warn(fmt.Sprintf("the Go targets ran %s, a full build that links the bench harness, so their RSS "+
		"includes pages of harness code that the serve-only build (the container's binary) does not map; "+
		"build both with 'CGO_ENABLED=0 go build -o DIR/ . ./cmd/iobench-serve' and run DIR/iobench bench, or pass -exe DIR/iobench-serve", r.exe))
}

// warn records a warning of the whole run and prints it on stderr.
func (r *runner) warn(msg string) {
	r.summary.Warnings = append(r.summary.Warnings, msg)
	fmt.Fprintf(r.stderr, "warning: %s\n", msg)
}

// revision returns the VCS revision that go build stamped into exe, or ""
// when unknown.
func revision(exe string) string {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return ""
	}
	return revisionOf(info)
}

// revisionOf returns the VCS revision of a build, with "+modified" for a
// tree with uncommitted changes, or "" when go build stamped none.
func revisionOf(info *debug.BuildInfo) string {
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + modified
}

// revisionMismatch returns a warning when the harness self and the Go
// targets' binary exe were built from different revisions, as when only
// one of the two binaries was rebuilt, or "" when they match or either
// revision is unknown.
func revisionMismatch(self, exe string) string {
	return mismatchWarning(exe, revision(self), revision(exe))
}

func mismatchWarning(exe, selfRev, exeRev string) string {
	if selfRev == "" || exeRev == "" || selfRev == exeRev {
		return ""
	}
	return fmt.Sprintf("the Go targets ran %s, built from revision %s, and this harness is revision %s: "+
		"if you meant to measure this revision, rebuild both with 'CGO_ENABLED=0 go build -o DIR/ . ./cmd/iobench-serve'", exe, exeRev, selfRev)
}

// usesCgo reports whether exe was built with cgo, from its build
// information. A cgo build of iobench links the C library dynamically,
// because the net package then resolves names through it.
func usesCgo(exe string) bool {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return false
	}
	return cgoEnabled(info)
}

func cgoEnabled(info *debug.BuildInfo) bool {
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" {
			return s.Value == "1"
		}
	}
	return false
}

// runsExe reports whether t's command runs the Go binary {exe}.
func runsExe(t Target) bool {
	return len(t.Command) > 0 && t.Command[0] == "{exe}"
}

// buildKind names the kind of Go binary for the reports.
func buildKind(serveOnly bool) string {
	if serveOnly {
		return "serve-only build"
	}
	return "full build with the harness"
}
