// Command iobench serves a value from Redis over HTTP while a share of
// requests waits on purpose, and benchmarks such servers against each
// other. Run iobench -h for the commands and flags.
//
// The serve-only build, ./cmd/iobench-serve, leaves the bench command out.
package main

import (
	"os"

	"github.com/iobench/iobench/bench"
	"github.com/iobench/iobench/internal/cli"
)

func main() {
	os.Exit(cli.Program{Name: "iobench", Bench: bench.Main}.Run())
}
