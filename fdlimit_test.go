package main

import (
	"bufio"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// fdLimit is the open-file limit of the server in TestServeSurvivesFileLimit:
// a few dozen descriptors, so that the test's connections exhaust it.
const fdLimit = 48

// TestServeSurvivesFileLimit opens more connections than the server has
// file descriptors for. The server must keep running, log that accepting
// failed, and serve again once the connections are closed.
func TestServeSurvivesFileLimit(t *testing.T) {
	_, bin := buildBinaries(t)
	redis := redistest.Start(t)
	redistest.Set(t, redis, "test", "hello")
	for _, engine := range []string{"fasthttp", "nethttp"} {
		t.Run(engine, func(t *testing.T) { testFileLimit(t, bin, engine, redis.URL()) })
	}
}

func testFileLimit(t *testing.T, bin, engine, redisURL string) {
	// ulimit -n sets the soft and the hard limit; the Go runtime raises
	// only the soft limit, up to the hard one.
	cmd := exec.Command("/bin/sh", "-c", "ulimit -n "+strconv.Itoa(fdLimit)+` && exec "$0" "$@"`,
		bin, "serve", "-engine", engine, "-addr", "127.0.0.1:0", "-redis", redisURL, "-delay-ratio", "0")
	logs := startLogged(t, cmd)
	addr := waitForLine(t, logs, regexp.MustCompile(`msg="iobench serve started" addr=(\S+)`))

	// Twice the limit is sure to exhaust it. Each connection sends a
	// request, so the server must read from it rather than wait.
	var conns []net.Conn
	for range 2 * fdLimit {
		c, err := net.DialTimeout("tcp", addr, eventually)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: iobench\r\n\r\n")); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	waitForLine(t, logs, regexp.MustCompile(`msg="accept failed, retrying".*too many open files`))
	for _, c := range conns {
		_ = c.Close()
	}

	// The server frees its descriptors when it reads EOF on the closed
	// connections, then accepts again.
	deadline := time.Now().Add(eventually)
	for {
		got, err := healthz(addr)
		if err == nil && got == "200" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz after the connections closed: %q, %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// healthz sends GET /healthz on a new connection and returns the status
// code.
func healthz(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return "", err
	}
	if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: iobench\r\nConnection: close\r\n\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 12 {
		return "", &net.AddrError{Err: "short status line " + strconv.Quote(line), Addr: addr}
	}
	return line[9:12], nil
}
