package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// eventually bounds the waits of these tests, generous for a loaded 2-core
// machine.
const eventually = 30 * time.Second

// built holds the binaries that buildBinaries made once for every test.
var built struct {
	once      sync.Once
	dir       string
	full      string // iobench
	serveOnly string // iobench-serve
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinaries builds iobench and iobench-serve once into one temporary
// folder the way the Dockerfile does: static, trimmed paths, stripped, with
// the version set by -ldflags. It returns the paths of iobench and
// iobench-serve. The first build compiles the standard library again for
// these flags, which takes minutes on a 2-core machine.
func buildBinaries(t *testing.T) (full, serveOnly string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the binary build in -short mode")
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "iobench-test-")
		if built.err != nil {
			return
		}
		built.full = filepath.Join(built.dir, "iobench")
		built.serveOnly = filepath.Join(built.dir, "iobench-serve")
		cmd := exec.Command("go", "build", "-trimpath",
			"-ldflags", "-s -w -X github.com/iobench/iobench/internal/cli.version=v0.0.0-test",
			"-o", built.dir+string(filepath.Separator), ".", "./cmd/iobench-serve")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.full, built.serveOnly
}

// buildBinary returns the full iobench binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	full, _ := buildBinaries(t)
	return full
}

// runBinary runs bin with args and returns its output and exit code.
func runBinary(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %s %q: %v", bin, args, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestBinaryExitCodes(t *testing.T) {
	bin := buildBinary(t)
	cases := []struct {
		args     []string
		code     int
		contains string // in stdout for code 0, in stderr otherwise
	}{
		{[]string{"version"}, 0, "iobench v0.0.0-test ("},
		{[]string{"-h"}, 0, "Examples:"},
		{[]string{"serve", "-h"}, 0, "-shutdown-timeout duration"},
		{[]string{}, 2, "missing command"},
		{[]string{"serve", "-delay-ratio", "2"}, 2, `invalid value "2" for flag -delay-ratio`},
		{[]string{"serve", "-redis", "127.0.0.1:6379"}, 2, "redis://[user:password@]host:port/db"},
		{[]string{"healthcheck", "-url", "http://127.0.0.1:1/healthz"}, 1, "health check of"},
	}
	for _, tc := range cases {
		stdout, stderr, code := runBinary(t, bin, tc.args...)
		if code != tc.code {
			t.Errorf("iobench %q: exit code %d, want %d; stderr %q", tc.args, code, tc.code, stderr)
		}
		out := stderr
		if tc.code == 0 {
			out = stdout
		}
		if !strings.Contains(out, tc.contains) {
			t.Errorf("iobench %q: output %q does not contain %q", tc.args, out, tc.contains)
		}
	}
}

// TestBinarySIGTERM sends SIGTERM to iobench serve while a delayed request
// waits: the request completes with 200 and the process exits 0.
func TestBinarySIGTERM(t *testing.T) {
	full, serveOnly := buildBinaries(t)
	for _, bin := range []string{full, serveOnly} {
		t.Run(filepath.Base(bin), func(t *testing.T) { testSIGTERM(t, bin) })
	}
}

func testSIGTERM(t *testing.T, bin string) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, "test", "hello")

	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-redis", redis.URL(),
		"-delay", "1s", "-delay-ratio", "1")
	logs := startLogged(t, cmd)
	addr := waitForLine(t, logs, regexp.MustCompile(`msg="iobench serve started" addr=(\S+)`))

	// Serve one request on a keep-alive connection first, so the server is
	// already reading it when GET /test is written. The server then has
	// the request within microseconds; the sleep leaves room for a loaded
	// machine before SIGTERM.
	conn, err := net.DialTimeout("tcp", addr, eventually)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(eventually)); err != nil {
		t.Fatalf("set deadline: %v", err)
	}
	br := bufio.NewReader(conn)
	if got := roundTrip(t, conn, br, "/healthz"); got != "200  ok\n" {
		t.Fatalf("GET /healthz = %q, want 200 ok", got)
	}
	if _, err := io.WriteString(conn, "GET /test HTTP/1.1\r\nHost: iobench\r\n\r\n"); err != nil {
		t.Fatalf("write GET /test: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if got := readReply(t, br); got != "200 true hello" {
		t.Errorf("delayed GET /test across SIGTERM = %q, want %q", got, "200 true hello")
	}

	waitForLine(t, logs, regexp.MustCompile(`msg=stopped`))
	for range logs {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("iobench serve after SIGTERM: %v, want exit 0", err)
	}
}

// startLogged starts cmd and returns its stderr lines. The process is
// killed when the test ends.
func startLogged(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("stderr pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := make(chan string, 1000)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			logs <- scanner.Text()
		}
		close(logs)
	}()
	return logs
}

// waitForLine reads log lines until one matches re and returns its first
// group.
func waitForLine(t *testing.T, logs <-chan string, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(eventually)
	for {
		select {
		case line, ok := <-logs:
			if !ok {
				t.Fatalf("serve ended before logging %v", re)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return append(m, "")[1]
			}
		case <-timeout:
			t.Fatalf("no log line matching %v after %v", re, eventually)
		}
	}
}

// roundTrip sends GET path on conn and reads the reply from br.
func roundTrip(t *testing.T, conn net.Conn, br *bufio.Reader, path string) string {
	t.Helper()
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: iobench\r\n\r\n"); err != nil {
		t.Fatalf("write GET %s: %v", path, err)
	}
	return readReply(t, br)
}

// readReply reads one response from br as "STATUS X-DELAYED BODY".
func readReply(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.Status[:3] + " " + resp.Header.Get("X-Delayed") + " " + string(body)
}
