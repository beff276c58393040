package cli

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// version is the release version, set at build time with
// -ldflags "-X github.com/iobench/iobench/internal/cli.version=v1.2.3".
// When empty, Version falls back to the module version Go records.
var version string

// Version returns the build version: the -ldflags version, else the main
// module's version from the build information ("(devel)" for a plain
// go build), followed by the Go version, the platform and, when known, the
// VCS revision.
func Version() string {
	v := version
	var extra []string
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		extra = append(extra, vcsDetails(info)...)
	}
	if v == "" {
		v = "(unknown)"
	}
	extra = append([]string{runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}, extra...)
	return fmt.Sprintf("iobench %s (%s)", v, strings.Join(extra, ", "))
}

// vcsDetails returns the revision and the modified flag that go build
// stamps from the repository.
func vcsDetails(info *debug.BuildInfo) []string {
	var out []string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev := s.Value
			if len(rev) > 12 {
				rev = rev[:12]
			}
			out = append(out, "revision "+rev)
		case s.Key == "vcs.modified" && s.Value == "true":
			out = append(out, "modified")
		}
	}
	return out
}

// runVersion prints Version on stdout, or its help for -h.
func runVersion(prog string, args []string, stdout io.Writer) error {
	if len(args) == 1 && slices.Contains([]string{"-h", "-help", "--help"}, args[0]) {
		fmt.Fprintf(stdout, "Usage: %s version\n\n"+
			"Prints the build version, the Go version, the platform and, when known,\n"+
			"the VCS revision. It takes no flags.\n", prog)
		return flag.ErrHelp
	}
	if len(args) > 0 {
		return usageError(prog, "version", fmt.Errorf("unexpected argument %q: version takes none", args[0]))
	}
	v := Version()
	if prog != "iobench" {
		// Name the build that prints it: iobench-serve has the same
		// version as the full iobench binary of its revision.
		v = prog + strings.TrimPrefix(v, "iobench")
	}
	_, err := fmt.Fprintln(stdout, v)
	return err
}
