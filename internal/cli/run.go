package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/iobench/iobench/internal/cliflag"
)

// Run runs p with the process's arguments and returns the exit status for
// os.Exit. SIGINT or SIGTERM cancels the context that Main gets; a second
// signal ends the process at once.
func (p Program) Run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling, so a second
	// SIGINT or SIGTERM ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()

	err := p.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	return p.exitCode(err, os.Stderr)
}

// exitCode prints err on stderr and returns the exit status: 0 for success
// or requested help, 2 for a usage error, 1 for any other error.
func (p Program) exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
	if cliflag.IsUsage(err) {
		return 2
	}
	return 1
}
