package peers_test

import (
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
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requireEnv makes a missing toolchain or build fail the tests instead of
// skipping them. CI sets it after peers/install.sh.
const requireEnv = "IOBENCH_REQUIRE_PEERS"

// python is Debian's interpreter, the one that imports Debian's Django,
// gunicorn, gevent and redis-py.
const python = "/usr/bin/python3"

// Generous bounds for a noisy 2-core machine; none is a speed assertion.
const (
	startTimeout  = 60 * time.Second // until /healthz returns 200
	stopGrace     = 15 * time.Second // SIGTERM to SIGKILL
	clientTimeout = 20 * time.Second // one HTTP request
	checkTimeout  = 30 * time.Second // one "eventually" check
)

// peer is one way to run a peer server, as the bench targets run it.
type peer struct {
	name string
	// command returns the command line that listens on addr.
	command func(dir, addr string) []string
	// missing returns why the peer cannot run here, or "".
	missing func(dir string) string
	// install is the command that makes it runnable.
	install string
}

// peersDir returns the absolute path of the peers folder (the test's
// working directory).
func peersDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatalf("find the peers folder: %v", err)
	}
	return dir
}

// gunicorn returns the command line of a Django run mode.
func gunicorn(workerOptions ...string) func(dir, addr string) []string {
	return func(dir, addr string) []string {
		argv := []string{
			python, "-m", "gunicorn",
			"-c", filepath.Join(dir, "django", "gunicorn.conf.py"),
			"--chdir", filepath.Join(dir, "django"), "iobenchpeer.wsgi",
			"--bind", addr,
		}
		return append(argv, workerOptions...)
	}
}

// pythonImports returns a check that python imports modules.
func pythonImports(modules string) func(string) string {
	return func(string) string {
		out, err := exec.Command(python, "-c", "import "+modules).CombinedOutput()
		if err != nil {
			return fmt.Sprintf("%s cannot import %s: %v: %s", python, modules, err, strings.TrimSpace(string(out)))
		}
		return ""
	}
}

// execPython returns the command that runs script with python in the
// Django project folder, so that iobenchpeer imports.
func execPython(dir, script string) *exec.Cmd {
	cmd := exec.Command(python, "-c", script)
	cmd.Dir = filepath.Join(dir, "django")
	return cmd
}

// rustBinary returns the path of the built Rust peer.
func rustBinary(dir string) string {
	return filepath.Join(dir, "rust", "target", "release", "iobench-rust")
}

// allPeers lists the three peers the bench runs.
var allPeers = []peer{
	{
		name:    "django-sync",
		command: gunicorn("--workers", "4", "--threads", "8"),
		missing: pythonImports("django, gunicorn, redis"),
		install: "sudo peers/install.sh",
	},
	{
		name:    "django-gevent",
		command: gunicorn("--worker-class", "gevent", "--workers", "2"),
		missing: pythonImports("django, gunicorn, gevent, redis"),
		install: "sudo peers/install.sh",
	},
	{
		name:    "rust",
		command: func(dir, _ string) []string { return []string{rustBinary(dir)} },
		missing: func(dir string) string {
			if _, err := os.Stat(rustBinary(dir)); err != nil {
				return "the Rust peer is not built: " + err.Error()
			}
			return ""
		},
		install: "peers/rust/vendor-debian.sh",
	},
}

// forEachPeer runs fn as a subtest per peer, skipping a peer that cannot
// run here unless IOBENCH_REQUIRE_PEERS=1.
func forEachPeer(t *testing.T, fn func(t *testing.T, p peer, dir string)) {
	dir := peersDir(t)
	for _, p := range allPeers {
		t.Run(p.name, func(t *testing.T) {
			requirePeer(t, p, dir)
			fn(t, p, dir)
		})
	}
}

// requirePeer skips or fails t when p cannot run.
func requirePeer(t *testing.T, p peer, dir string) {
	t.Helper()
	if reason := missingPeer(t, p, dir); reason != "" {
		t.Skipf("skipping %s: %s; install with %s, or set %s=1 to fail instead", p.name, reason, p.install, requireEnv)
	}
}

// missingPeer returns why p cannot run here, or "". It fails t instead
// when IOBENCH_REQUIRE_PEERS=1.
func missingPeer(t *testing.T, p peer, dir string) string {
	t.Helper()
	reason := p.missing(dir)
	if reason != "" && os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s: %s (install with %s; %s=1 requires every peer)", p.name, reason, p.install, requireEnv)
	}
	return reason
}

// process is a running peer.
type process struct {
	name string
	url  string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// lockedBuffer collects a child's output for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr returns a free 127.0.0.1 address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("close %s: %v", addr, err)
	}
	return addr
}

// launch starts p with env added to the test's environment, in its own
// process group, and stops it in t.Cleanup. It does not wait for it.
func launch(t *testing.T, p peer, dir string, env ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	argv := p.command(dir, addr)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "IOBENCH_ADDR="+addr)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", strings.Join(argv, " "), err)
	}
	proc := &process{name: p.name, url: "http://" + addr, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(proc.done)
	}()
	t.Cleanup(proc.stop)
	return proc
}

// start launches p and waits until its /healthz returns 200.
func start(t *testing.T, p peer, dir string, env ...string) *process {
	t.Helper()
	proc := launch(t, p, dir, env...)
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := get(proc.url + "/healthz")
		if err == nil && resp.status == http.StatusOK {
			return proc
		}
		select {
		case <-proc.done:
			t.Fatalf("%s exited before /healthz returned 200: %v\noutput:\n%s", p.name, proc.cmd.ProcessState, proc.out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /healthz did not return 200 within %v (last: %+v, %v)\noutput:\n%s",
				p.name, startTimeout, resp, err, proc.out)
		}
	}
}

// stop sends SIGTERM, then SIGKILL to the whole process group after
// stopGrace; workers that outlived their master are killed too.
func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// waitExit waits for a process expected to exit by itself and returns its
// exit code.
func (p *process) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(checkTimeout):
		t.Fatalf("%s still runs after %v; output:\n%s", p.name, checkTimeout, p.out)
		return 0
	}
}

// response is what the checks compare.
type response struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
}

var client = &http.Client{Timeout: clientTimeout}

// get sends GET url.
func get(url string) (response, error) {
	return send(http.MethodGet, url)
}

// send sends one request without a body and reads the whole response.
func send(method, url string) (response, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		return response{}, fmt.Errorf("build %s %s: %w", method, url, err)
	}
	begin := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read the body of %s %s: %w", method, url, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), elapsed: time.Since(begin)}, nil
}

// mustSend sends a request and fails t on a transport error.
func mustSend(t *testing.T, method, url string) response {
	t.Helper()
	resp, err := send(method, url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// eventually retries fn until it returns nil or checkTimeout passes.
func eventually(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(checkTimeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, checkTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errStatus reports an unexpected status.
var errStatus = errors.New("unexpected status")
