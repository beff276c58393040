// Package redisserver runs a real redis-server as a child process on a
// loopback port, without persistence. Tests use it through
// internal/redistest, and `iobench bench` uses it to give every server under
// test the same Redis.
package redisserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled is returned by Start when no redis-server binary is found.
var ErrNotInstalled = errors.New(
	"redis-server not found on PATH: install it with `apt-get install redis-server`")

const (
	// readyTimeout bounds the wait for the first PING reply after a start.
	readyTimeout = 10 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
	stopGrace = 5 * time.Second
	// startAttempts counts the ports tried when Options.Port is 0, because
	// another process may take a free port between the probe and the bind.
	startAttempts = 3
)

// Options configures Start. The zero value is ready to use.
type Options struct {
	// Path is the redis-server binary. Default: redis-server looked up on PATH.
	Path string
	// Port is the TCP port on 127.0.0.1. Default (0): a free port.
	Port int
	// Dir is the working directory of redis-server. Default: a new temporary
	// directory that Stop removes.
	Dir string
}

// Server is a running redis-server child process. Its methods may be called
// from many goroutines, but Stop and Restart must not overlap each other.
type Server struct {
	path   string
	port   int
	dir    string
	ownDir bool

	mu      sync.Mutex
	proc    *process // nil after Stop
	version string
}

// Start runs redis-server bound to 127.0.0.1 with persistence off and waits
// until it replies to PING, for at most 10 seconds or until ctx ends.
func Start(ctx context.Context, opts Options) (*Server, error) {
	path, err := findBinary(opts.Path)
	if err != nil {
		return nil, err
	}
	s := &Server{path: path, port: opts.Port, dir: opts.Dir}
	if s.dir == "" {
		s.dir, err = os.MkdirTemp("", "iobench-redis-")
		if err != nil {
			return nil, fmt.Errorf("create a working directory for redis-server: %w", err)
		}
		s.ownDir = true
	}

	if err := s.startWithPortRetry(ctx, opts.Port == 0); err != nil {
		s.removeDir()
		return nil, err
	}
	s.version, err = s.readVersion(ctx)
	if err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// findBinary returns the redis-server path to run.
func findBinary(path string) (string, error) {
	if path == "" {
		found, err := exec.LookPath("redis-server")
		if err != nil {
			return "", ErrNotInstalled
		}
		return found, nil
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("check redis-server binary %q: %w", path, err)
	}
	return path, nil
}

// startWithPortRetry starts the process, trying new free ports when pickPort
// is set and the previous port turned out to be taken.
func (s *Server) startWithPortRetry(ctx context.Context, pickPort bool) error {
	var err error
	for attempt := 0; attempt < startAttempts; attempt++ {
		if pickPort {
			if s.port, err = freePort(); err != nil {
				return err
			}
		}
		err = s.startProcess(ctx)
		if err == nil || !pickPort || !errors.Is(err, errExitedEarly) {
			return err
		}
	}
	return err
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProcess runs redis-server on s.port and waits until it replies to PING.
func (s *Server) startProcess(ctx context.Context) error {
	p, err := startChild(s.path, s.args(), s.dir)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, p, s.Addr()); err != nil {
		_ = p.stop(stopGrace)
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// args returns the redis-server command line: loopback only, no RDB or AOF
// files, and the log on stdout so the process keeps its tail.
func (s *Server) args() []string {
	return []string{
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--protected-mode", "yes",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}
}

// readVersion returns redis_version from INFO server.
func (s *Server) readVersion(ctx context.Context) (string, error) {
	info, err := s.Do(ctx, "INFO", "server")
	if err != nil {
		return "", fmt.Errorf("read the redis-server version: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("read the redis-server version at %s: no redis_version in INFO server", s.Addr())
}

// Addr returns the address redis-server listens on, "127.0.0.1:PORT".
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns the redis:// URL of database 0.
func (s *Server) URL() string {
	return "redis://" + s.Addr() + "/0"
}

// PID returns the process id of redis-server, or 0 after Stop.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Version returns the redis-server version read at start, e.g. "7.0.15".
func (s *Server) Version() string {
	return s.version
}

// Stop sends SIGTERM, then SIGKILL if redis-server has not exited after 5
// seconds, waits for the exit and removes the temporary directory that Start
// created. Calling Stop again does nothing.
func (s *Server) Stop() error {
	err := s.stopProcess()
	if dirErr := s.removeDir(); dirErr != nil && err == nil {
		err = dirErr
	}
	return err
}

// Restart stops redis-server and starts it again on the same port and in the
// same directory. It also starts a server that was stopped. Data is lost,
// because persistence is off.
func (s *Server) Restart(ctx context.Context) error {
	if err := s.stopProcess(); err != nil {
		return err
	}
	if s.ownDir {
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return fmt.Errorf("recreate the redis-server directory %s: %w", s.dir, err)
		}
	}
	return s.startProcess(ctx)
}

// stopProcess stops the child, if one runs.
func (s *Server) stopProcess() error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.stop(stopGrace)
}

// removeDir removes the working directory if Start created it.
func (s *Server) removeDir() error {
	if !s.ownDir {
		return nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove the redis-server directory %s: %w", s.dir, err)
	}
	return nil
}

// signalError reports whether err from Process.Signal means anything other
// than "the process has already exited".
func signalError(err error) bool {
	return err != nil && !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}
