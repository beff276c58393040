// Command iobench-serve is the serve-only build of iobench: the serve,
// healthcheck and version commands without the bench harness. Leaving the
// harness and its dependencies out makes the executable about a third of
// the size, and the server's resident memory smaller, since fewer pages of
// code and data are mapped in. The container image and the Go targets of
// iobench bench run this binary.
package main

import (
	"os"

	"github.com/iobench/iobench/internal/cli"
)

func main() {
	os.Exit(cli.Program{Name: "iobench-serve"}.Run())
}
