package server

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// Waits between two attempts to accept a connection after an error that
// can pass, as when the process has no file descriptor left.
const (
	firstAcceptWait = 5 * time.Millisecond
	maxAcceptWait   = time.Second
)

// acceptRetryable reports whether an Accept error can pass by itself: the
// process or the system is out of file descriptors or socket memory, or a
// client reset its connection before it was accepted. fasthttp v1.79.0
// stops serving on any Accept error but a timeout, so without a retry a
// burst of connections past the file limit would end the server.
func acceptRetryable(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS,
		syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// nextAcceptWait doubles the wait after an Accept error, from
// firstAcceptWait up to maxAcceptWait.
func nextAcceptWait(wait time.Duration) time.Duration {
	if wait == 0 {
		return firstAcceptWait
	}
	return min(2*wait, maxAcceptWait)
}

// acceptRetrying calls accept until it returns a connection or an error
// that does not pass by itself, such as net.ErrClosed at shutdown. It
// reports each retryable error to onError with the wait before the next
// attempt.
func acceptRetrying(accept func() (net.Conn, error), onError func(err error, wait time.Duration)) (net.Conn, error) {
	var wait time.Duration
	for {
		c, err := accept()
		if err == nil || !acceptRetryable(err) {
			return c, err
		}
		wait = nextAcceptWait(wait)
		onError(err, wait)
		time.Sleep(wait)
	}
}
