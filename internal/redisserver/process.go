package redisserver

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errExitedEarly marks a redis-server that exited before it replied to PING,
// most often because its port was taken.
var errExitedEarly = errors.New("redis-server exited before it replied to PING")

// logTailSize is how many bytes of the redis-server log a process keeps for
// error messages.
const logTailSize = 4096

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	log  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the result of cmd.Wait, set before done closes
}

// startChild starts redis-server with args and reaps it in the background.
func startChild(path string, args []string, dir string) (*process, error) {
	p := &process{log: &tailBuffer{max: logTailSize}, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	p.cmd.SysProcAttr = sysProcAttr()
	// Stop waiting for the log pipe a second after the exit, in case a child
	// of redis-server still holds it open.
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls addr with PING until it replies PONG, the process exits,
// ctx ends or readyTimeout passes.
func waitReady(ctx context.Context, p *process, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()

	var lastErr error
	for {
		pingCtx, cancelPing := context.WithTimeout(ctx, time.Second)
		reply, err := do(pingCtx, addr, []string{"PING"})
		cancelPing()
		if err == nil && reply == "PONG" {
			return nil
		}
		lastErr = err

		select {
		case <-p.done:
			return fmt.Errorf("redis-server on %s: %w (%v); log tail:\n%s",
				addr, errExitedEarly, p.err, p.log.String())
		case <-ctx.Done():
			return fmt.Errorf("wait for redis-server on %s to reply to PING: %w (last error: %v); log tail:\n%s",
				addr, ctx.Err(), lastErr, p.log.String())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM, waits up to grace, then sends SIGKILL and waits for
// the exit.
func (p *process) stop(grace time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); signalError(err) {
		return fmt.Errorf("send SIGTERM to redis-server (pid %d): %w", p.cmd.Process.Pid, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}

	if err := p.cmd.Process.Kill(); signalError(err) {
		return fmt.Errorf("send SIGKILL to redis-server (pid %d): %w", p.cmd.Process.Pid, err)
	}
	<-p.done
	return nil
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

// String returns the kept bytes without surrounding blank lines.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
