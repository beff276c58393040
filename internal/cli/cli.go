// Package cli implements the iobench command line: it dispatches to the
// serve, bench, healthcheck and version subcommands and prints the help.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/iobench/iobench/bench"
	"github.com/iobench/iobench/internal/cliflag"
)

// Main runs the iobench command line args (without the program name).
// It returns flag.ErrHelp after printing requested help, an error for which
// cliflag.IsUsage is true for a bad command line, and other errors for
// failures at run time. ctx ending stops a running server gracefully.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cliflag.Usagef("missing command: run 'iobench serve', or 'iobench -h' for help")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench.Main(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout)
	case "version", "-version", "--version":
		return runVersion(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return flag.ErrHelp
	}
	return cliflag.Usagef("unknown command %q: want serve, bench, healthcheck or version (run 'iobench -h' for help)",
		args[0])
}

// printUsage writes the help of iobench: the commands, the flags of each
// command and examples.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: iobench <command> [flags]

iobench measures how web stacks behave when requests wait on IO: GET /test
returns a value read from Redis, and a share of requests waits longer.

Commands:
  serve        serve GET /test and GET /healthz
  bench        attack each target server in turn and compare them
               (its flags: iobench bench -h)
  healthcheck  probe the /healthz of a running server; exit 0 when healthy
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
		fmt.Fprintf(w, "  %s\n", e)
	}
}
