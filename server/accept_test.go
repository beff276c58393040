package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestAcceptRetrying(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()

	results := []error{emfile, emfile, syscall.ENFILE, nil}
	var waits []time.Duration
	c, err := acceptRetrying(func() (net.Conn, error) {
		err := results[0]
		results = results[1:]
		if err != nil {
			return nil, err
		}
		return server, nil
	}, func(err error, wait time.Duration) {
		if !acceptRetryable(err) {
			t.Errorf("onError got %v, which is not retryable", err)
		}
		waits = append(waits, wait)
	})
	if err != nil || c != server {
		t.Fatalf("acceptRetrying = %v, %v; want the connection after three errors", c, err)
	}
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}

	for _, final := range []error{net.ErrClosed, fmt.Errorf("accept: %w", syscall.EINVAL)} {
		calls := 0
		_, err := acceptRetrying(func() (net.Conn, error) {
			calls++
			return nil, final
		}, func(error, time.Duration) { t.Errorf("onError called for %v", final) })
		if !errors.Is(err, final) || calls != 1 {
			t.Errorf("acceptRetrying with %v: %v after %d calls, want the error after 1", final, err, calls)
		}
	}
}

func TestNextAcceptWaitCaps(t *testing.T) {
	var wait time.Duration
	for range 20 {
		wait = nextAcceptWait(wait)
	}
	if wait != maxAcceptWait {
		t.Errorf("wait after 20 errors = %v, want %v", wait, maxAcceptWait)
	}
}
