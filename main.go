// Command iobench serves a value from Redis over HTTP while a share of
// requests waits on purpose, to measure how web stacks handle IO waits.
// Run iobench -h for the commands and flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/iobench/iobench/internal/cli"
	"github.com/iobench/iobench/internal/cliflag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling, so a second
	// SIGINT or SIGTERM ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()

	err := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err))
}

// exitCode prints err and returns the exit status: 0 for success or
// requested help, 2 for a usage error, 1 for any other error.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case cliflag.IsUsage(err):
		fmt.Fprintf(os.Stderr, "iobench: %v\n", err)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "iobench: %v\n", err)
		return 1
	}
}
