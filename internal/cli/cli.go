// Package cli implements the iobench command line: it dispatches to the
// serve, bench, healthcheck and version subcommands and prints the help.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/iobench/iobench/internal/cliflag"
)

// BenchFunc runs the bench command with the arguments that follow "bench".
type BenchFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Program is one binary built on this package: its name, used in help and
// messages, and whether it has the bench command.
type Program struct {
	// Name is the binary's name, e.g. "iobench" or "iobench-serve".
	Name string
	// Bench runs the bench command; nil in a serve-only binary, which
	// leaves the harness and its dependencies out of the executable.
	Bench BenchFunc
}

// Main runs the command line args (without the program name).
// It returns flag.ErrHelp after printing requested help, an error for which
// cliflag.IsUsage is true for a bad command line, and other errors for
// failures at run time. ctx ending stops a running server gracefully.
func (p Program) Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cliflag.Usagef("missing command: run '%s serve', or '%s -h' for help", p.Name, p.Name)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, p.Name, args[1:], stdout, stderr)
	case "bench":
		if p.Bench == nil {
			return cliflag.Usagef("no bench command in this serve-only build; build both binaries with 'CGO_ENABLED=0 go build -o bin/ . ./cmd/iobench-serve' and run 'bin/iobench bench'")
		}
		return p.Bench(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, p.Name, args[1:], stdout)
	case "version", "-version", "--version":
		return runVersion(p.Name, args[1:], stdout)
	case "help", "-h", "-help", "--help":
		p.printUsage(stdout)
		return flag.ErrHelp
	}
	return cliflag.Usagef("unknown command %q: want %s (run '%s -h' for help)",
		args[0], strings.Join(p.commands(), ", "), p.Name)
}

// commands lists the commands of p.
func (p Program) commands() []string {
	if p.Bench == nil {
		return []string{"serve", "healthcheck", "version"}
	}
	return []string{"serve", "bench", "healthcheck", "version"}
}

// printUsage writes the help of p: the commands, the flags of each
// command and examples.
func (p Program) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\n", p.Name)
	fmt.Fprintf(w, "%s measures how web stacks behave when requests wait on IO: GET /test\n", p.Name)
	fmt.Fprint(w, "returns a value read from Redis, and a share of requests waits longer.\n")
	if p.Bench == nil {
		fmt.Fprint(w, "This serve-only build leaves out the bench command and its dependencies.\n")
	}
	fmt.Fprint(w, "\nCommands:\n  serve        serve GET /test and GET /healthz\n")
	if p.Bench != nil {
		fmt.Fprintf(w, "  bench        attack each target server in turn and compare them\n"+
			"               (its flags: %s bench -h)\n", p.Name)
	}
	fmt.Fprint(w, `  healthcheck  probe the /healthz of a running server; exit 0 when healthy
  version      print the build version
  help         print this help

`)
	serve, _ := newServeFlags()
	fmt.Fprintln(w, "Flags of serve (each also read from its environment variable; a flag wins):")
	printFlags(w, serve, true)
	health, _, _ := newHealthcheckFlags()
	fmt.Fprintln(w, "\nFlags of healthcheck:")
	printFlags(w, health, false)

	fmt.Fprintln(w, "\nExamples:")
	for _, e := range slices.Concat(serveExamples, healthcheckExamples) {
		fmt.Fprintf(w, "  %s\n", withName(e, p.Name))
	}
}
