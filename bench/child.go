package bench

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
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a target server started by the harness, in its own process
// group so that SIGKILL reaches its workers too.
type child struct {
	cmd  *exec.Cmd
	tail *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // exit status, set before done closes
	stop sync.Once
}

// startChild starts argv with env added to the harness's environment. Its
// stdout and stderr go to a buffer that keeps the last few KiB.
func startChild(argv, env []string, dir string) (*child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(targetEnviron(), env...)
	cmd.Dir = dir
	tail := &tailBuffer{max: 8 << 10}
	cmd.Stdout = tail
	cmd.Stderr = tail
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}

	c := &child{cmd: cmd, tail: tail, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// targetEnviron returns the harness's environment without GOGC: a GOGC
// set for the harness (see tuneHarnessGC) must not change the targets'
// memory and CPU figures. A target that needs one sets it in its Env.
func targetEnviron() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=")
	})
}

// PID returns the process id.
func (c *child) PID() int { return c.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (c *child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// ExitError returns how the process ended; call it only after Exited
// reports true.
func (c *child) ExitError() error {
	if c.err == nil {
		return errors.New("exited with status 0")
	}
	return c.err
}

// Stop sends SIGTERM, waits up to grace for the process to end, then kills
// its whole process group with SIGKILL. It returns an error when SIGKILL was
// needed.
func (c *child) Stop(grace time.Duration) error {
	var err error
	c.stop.Do(func() { err = c.terminate(grace) })
	return err
}

func (c *child) terminate(grace time.Duration) error {
	proc := c.cmd.Process
	_ = proc.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.done:
		// Workers that outlived their master would keep the port.
		killGroup(proc)
		return nil
	case <-timer.C:
	}
	killGroup(proc)
	<-c.done
	return fmt.Errorf("process %d did not exit within %v of SIGTERM; killed it", proc.Pid, grace)
}

// Tail returns the last n lines of the process's output.
func (c *child) Tail(n int) []string {
	return splitLines(lastLines(c.tail.String(), n))
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lastLines returns the last n non-empty lines of s, joined by newlines.
func lastLines(s string, n int) string {
	lines := splitLines(s)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, "\r "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// freePort returns a loopback port that was free a moment ago. Another
// process may take it before the target binds it; the target then fails to
// start and the report shows its error.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHealthy polls url until it returns 200, the child exits, ctx ends or
// timeout passes.
func waitHealthy(ctx context.Context, url string, c *child, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()

	lastErr := errors.New("no attempt")
	for {
		if c != nil && c.Exited() {
			return fmt.Errorf("target exited before %s responded: %v", url, c.ExitError())
		}
		status, _, err := get(ctx, client, url)
		if err == nil && status == http.StatusOK {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("status %d", status)
		}
		lastErr = err

		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("%s did not return 200 within %v (last error: %v)", url, timeout, lastErr)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// get requests url and returns the status and up to 64 KiB of the body.
func get(ctx context.Context, client *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, body, err
}

// verifyValue checks that url returns 200 with body want. An empty want
// accepts any body.
func verifyValue(ctx context.Context, url, want string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()

	status, body, err := get(ctx, client, url)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s returned status %d, want 200 (body %q)", url, status, truncate(body, 200))
	}
	if want != "" && !bytes.Equal(body, []byte(want)) {
		return fmt.Errorf("GET %s returned %q, want the seeded value %q", url, truncate(body, 200), want)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
