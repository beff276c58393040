package redisserver

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startServer starts a redis-server for one test, skipping where none is
// installed. It cannot use internal/redistest, which imports this package.
func startServer(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{})
	if errors.Is(err, ErrNotInstalled) && os.Getenv("IOBENCH_REQUIRE_REDIS") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStartAnswersPing(t *testing.T) {
	s := startServer(t)

	reply, err := s.Do(testContext(t), "PING")
	if err != nil {
		t.Fatalf("PING: %v", err)
	}
	if reply != "PONG" {
		t.Errorf("PING reply = %q, want PONG", reply)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want 127.0.0.1:PORT", s.Addr())
	}
	if want := "redis://" + s.Addr() + "/0"; s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	if s.PID() <= 0 {
		t.Errorf("PID() = %d, want > 0", s.PID())
	}
	if parts := strings.Split(s.Version(), "."); len(parts) < 2 {
		t.Errorf("Version() = %q, want MAJOR.MINOR[.PATCH]", s.Version())
	}
}

func TestStartDisablesPersistence(t *testing.T) {
	s := startServer(t)
	ctx := testContext(t)

	for param, want := range map[string]string{"save": "", "appendonly": "no", "bind": "127.0.0.1"} {
		got, err := configGet(ctx, s, param)
		if err != nil {
			t.Fatalf("CONFIG GET %s: %v", param, err)
		}
		if got != want {
			t.Errorf("CONFIG GET %s = %q, want %q", param, got, want)
		}
	}
}

// configGet reads one configuration parameter over a raw connection,
// because CONFIG GET replies with an array, which Do does not parse.
func configGet(ctx context.Context, s *Server, param string) (string, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(encodeCommand([]string{"CONFIG", "GET", param})); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		return "", err
	}
	// The reply is *2 $len param $len value; the value is the last line.
	lines := strings.Split(strings.TrimSuffix(string(buf[:n]), "\r\n"), "\r\n")
	if len(lines) != 5 {
		return "", errors.New("unexpected CONFIG GET reply " + strconv.Quote(string(buf[:n])))
	}
	return lines[4], nil
}

func TestStopEndsProcessAndRemovesDir(t *testing.T) {
	s := startServer(t)
	pid := s.PID()

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("working directory %s after Stop: err = %v, want not exist", s.dir, err)
	}
	if s.PID() != 0 {
		t.Errorf("PID() after Stop = %d, want 0", s.PID())
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("process %d still exists after Stop (stat err = %v)", pid, err)
	}
	if _, err := s.Do(testContext(t), "PING"); err == nil {
		t.Error("PING after Stop succeeded, want a connection error")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v, want nil", err)
	}
}

func TestRestartKeepsPortAndLosesData(t *testing.T) {
	s := startServer(t)
	ctx := testContext(t)
	addr, pid := s.Addr(), s.PID()
	if _, err := s.Do(ctx, "SET", "k", "v"); err != nil {
		t.Fatalf("SET: %v", err)
	}

	if err := s.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Addr() != addr {
		t.Errorf("Addr() after Restart = %q, want %q", s.Addr(), addr)
	}
	if s.PID() == pid || s.PID() == 0 {
		t.Errorf("PID() after Restart = %d, want a new process (old %d)", s.PID(), pid)
	}
	if _, err := s.Do(ctx, "GET", "k"); !errors.Is(err, ErrNil) {
		t.Errorf("GET k after Restart: err = %v, want ErrNil", err)
	}
}

func TestRestartAfterStop(t *testing.T) {
	s := startServer(t)
	ctx := testContext(t)
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	if err := s.Restart(ctx); err != nil {
		t.Fatalf("Restart after Stop: %v", err)
	}
	if reply, err := s.Do(ctx, "PING"); err != nil || reply != "PONG" {
		t.Errorf("PING after Restart = %q, %v; want PONG, nil", reply, err)
	}
}

func TestStartPortTakenReportsLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if _, err := findBinary(""); err != nil && os.Getenv("IOBENCH_REQUIRE_REDIS") != "1" {
		t.Skip(err)
	}

	s, err := Start(testContext(t), Options{Port: port})
	if err == nil {
		_ = s.Stop()
		t.Fatalf("Start on taken port %d succeeded, want an error", port)
	}
	if !errors.Is(err, errExitedEarly) {
		t.Errorf("err = %v, want errExitedEarly", err)
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("err = %v, want the log tail with \"Address already in use\"", err)
	}
}

func TestStartWithoutBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())

	_, err := Start(testContext(t), Options{})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt-get install redis-server") {
		t.Errorf("err = %q, want the install command", err)
	}
}

func TestStartBadPath(t *testing.T) {
	path := t.TempDir() + "/no-such-redis-server"

	_, err := Start(testContext(t), Options{Path: path})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want an error naming %s", err, path)
	}
}

func TestDoReplies(t *testing.T) {
	s := startServer(t)
	ctx := testContext(t)

	if _, err := s.Do(ctx, "GET", "missing"); !errors.Is(err, ErrNil) {
		t.Errorf("GET missing: err = %v, want ErrNil", err)
	}
	var replyErr ReplyError
	if _, err := s.Do(ctx, "NOSUCHCOMMAND"); !errors.As(err, &replyErr) {
		t.Errorf("NOSUCHCOMMAND: err = %v, want a ReplyError", err)
	}
	if got, err := s.Do(ctx, "DEL", "missing"); err != nil || got != "0" {
		t.Errorf("DEL missing = %q, %v; want \"0\", nil", got, err)
	}
	if got, err := s.Do(ctx, "SET", "k", "a\r\nb"); err != nil || got != "OK" {
		t.Errorf("SET = %q, %v; want OK, nil", got, err)
	}
	if got, err := s.Do(ctx, "GET", "k"); err != nil || got != "a\r\nb" {
		t.Errorf("GET k = %q, %v; want %q, nil", got, err, "a\r\nb")
	}
}

func TestProcessStopKillsAfterGrace(t *testing.T) {
	// The shell ignores SIGTERM, and sleep inherits that through exec.
	script := "trap '' TERM; echo ready; exec sleep 60"
	p, err := startChild("/bin/sh", []string{"-c", script}, t.TempDir())
	if err != nil {
		t.Fatalf("start sh: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); p.log.String() != "ready"; {
		if time.Now().After(deadline) {
			t.Fatalf("sh did not print ready; output %q", p.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := p.stop(200 * time.Millisecond); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case <-p.done:
	default:
		t.Fatal("stop returned before the process exited")
	}
	if p.err == nil || !strings.Contains(p.err.Error(), "killed") {
		t.Errorf("exit = %v, want killed by SIGKILL", p.err)
	}
}

func TestTailBufferKeepsLastBytes(t *testing.T) {
	tail := &tailBuffer{max: 8}
	_, _ = tail.Write([]byte("0123456789"))
	_, _ = tail.Write([]byte("ab"))

	if got, want := tail.String(), "456789ab"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
