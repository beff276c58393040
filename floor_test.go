package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/iobench/iobench/server"
)

// floorAddrEnv, when set to host:port, makes TestServeFloor run the no-Redis
// floor server there, so that iobench bench -url can measure the floor at a
// constant rate:
//
//	go test -c -o floor.test .
//	IOBENCH_FLOOR_ADDR=127.0.0.1:8001 ./floor.test -test.run '^TestServeFloor$' &
//	iobench bench -url http://127.0.0.1:8001/test -pid $! -value iobench-42
//
// The floor serves benchValue through the real server package and
// floorClient, with serve's default delay (3s for 5% of requests).
// IOBENCH_FLOOR_ENGINE picks the engine (default fasthttp). SIGINT or
// SIGTERM stops it.
const (
	floorAddrEnv   = "IOBENCH_FLOOR_ADDR"
	floorEngineEnv = "IOBENCH_FLOOR_ENGINE"
)

// TestServeFloor is not a test: it runs the floor server when
// IOBENCH_FLOOR_ADDR is set, and skips otherwise.
func TestServeFloor(t *testing.T) {
	addr := os.Getenv(floorAddrEnv)
	if addr == "" {
		t.Skipf("skipping: set %s=host:port to run the no-Redis floor server", floorAddrEnv)
	}
	if err := serveFloor(addr, os.Getenv(floorEngineEnv)); err != nil {
		t.Fatalf("floor server: %v", err)
	}
}

// serveFloor serves the floor on addr until SIGINT or SIGTERM.
func serveFloor(addr, engine string) error {
	s, err := server.New(server.Config{
		Engine:     engine,
		Client:     floorClient{},
		Key:        benchKey,
		Delay:      3 * time.Second,
		DelayRatio: 0.05,
	})
	if err != nil {
		return fmt.Errorf("configure the floor server: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (%s): %w", addr, floorAddrEnv, err)
	}
	fmt.Fprintf(os.Stderr, "floor server: engine %s on %s\n", s.Engine(), ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(s.Shutdown(sctx), <-served)
}
