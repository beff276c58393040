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

// readBuild returns the build information of the Go binary exe, or an
// empty one when exe has none (a script, or a file that is gone).
func readBuild(exe string) *debug.BuildInfo {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return &debug.BuildInfo{}
	}
	return info
}

// isServeOnly reports whether exe is a serve-only build, from the main
// package recorded in its build information.
func isServeOnly(exe string) bool {
	return readBuild(exe).Path == serveOnlyPackage
}

// noteGoBinary records in the summary and prints on stderr which binary
// runs the Go targets. It warns when that binary is a full build, whose
// memory figures include the harness, a cgo build, or a build from another
// revision than this harness.
func (r *runner) noteGoBinary() {
	if !slices.ContainsFunc(r.targets(), runsExe) {
		return
	}
	build := readBuild(r.exe)
	env := &r.summary.Environment
	env.GoTargetsBinary = r.exe
	env.GoTargetsServeOnly = build.Path == serveOnlyPackage
	if self, err := os.Executable(); err == nil {
		if warn := mismatchWarning(r.exe, revisionOf(readBuild(self)), revisionOf(build)); warn != "" {
			r.warn(warn)
		}
	}
	if buildSetting(build, "CGO_ENABLED") == "1" {
		// With cgo, the net package resolves names through the C library,
		// so the binary links it dynamically.
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

// buildSetting returns the value of the build setting key, or "".
func buildSetting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// revisionOf returns the VCS revision of a build, with "+modified" for a
// tree with uncommitted changes, or "" when go build stamped none.
func revisionOf(info *debug.BuildInfo) string {
	rev := buildSetting(info, "vcs.revision")
	if rev != "" && buildSetting(info, "vcs.modified") == "true" {
		rev += "+modified"
	}
	return rev
}

// mismatchWarning returns a warning when the harness (revision selfRev)
// and the Go targets' binary exe (exeRev) come from different revisions,
// as when only one of the two binaries was rebuilt. It returns "" when the
// revisions match or either is unknown.
func mismatchWarning(exe, selfRev, exeRev string) string {
	if selfRev == "" || exeRev == "" || selfRev == exeRev {
		return ""
	}
	return fmt.Sprintf("the Go targets ran %s, built from revision %s, and this harness is revision %s: "+
		"if you meant to measure this revision, rebuild both with 'CGO_ENABLED=0 go build -o DIR/ . ./cmd/iobench-serve'", exe, exeRev, selfRev)
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
