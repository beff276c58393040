package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// halfClose writes data on a new connection to r, half-closes it
// (shutdown(SHUT_WR)) and returns every byte the server sends until it
// closes the connection.
func (r *running) halfClose(t *testing.T, data string) []byte {
	t.Helper()
	conn := r.dial(t)
	defer conn.Close()
	if _, err := io.WriteString(conn, data); err != nil {
		t.Fatalf("write requests: %v", err)
	}
	if err := conn.CloseWrite(); err != nil {
		t.Fatalf("half-close: %v", err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read until the server closes: %v (read %q)", err, out)
	}
	return out
}

// readReplies parses every HTTP/1.1 response in raw, the replies to GET
// requests.
func readReplies(t *testing.T, raw []byte) []reply {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(raw))
	var out []reply
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return out
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("parse response %d: %v (raw %q)", len(out)+1, err, raw)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("read body of response %d: %v", len(out)+1, err)
		}
		out = append(out, reply{resp.StatusCode, resp.Header, string(body)})
	}
}

// TestHalfClosedClientGetsResponse sends requests and then half-closes the
// connection, as some clients do once their request is written. Neither the
// delay nor the Redis read may observe it: every request gets its full 200.
func TestHalfClosedClientGetsResponse(t *testing.T) {
	const request = "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		for _, cc := range clientCases() {
			t.Run(engine+"/"+cc.name, func(t *testing.T) {
				srv := start(t, Config{
					Engine: engine, Client: cc.open(t, redis.URL()), Key: testKey,
					Delay: 100 * time.Millisecond, DelayRatio: 1,
				})
				for _, n := range []int{1, 5} {
					replies := readReplies(t, srv.halfClose(t, strings.Repeat(request, n)))
					if len(replies) != n {
						t.Errorf("%d requests then half-close: %d responses, want %d", n, len(replies), n)
					}
					for i, got := range replies {
						label := fmt.Sprintf("%d requests then half-close: response %d", n, i+1)
						wantText(t, label, got, 200, "v1")
						if got.header.Get("X-Delayed") != "true" {
							t.Errorf("%s: X-Delayed = %q, want true", label, got.header.Get("X-Delayed"))
						}
					}
				}
				if got := delayer(srv.Server).draws.Load(); got != 6 {
					t.Errorf("delay decisions = %d, want 6", got)
				}
			})
		}
	}
}

// TestHalfCloseDuringRedisRead sends three pipelined requests and
// half-closes the connection while the first one's Redis read waits on a
// frozen redis-server, so the other two read Redis after the half-close.
// A client's half-close is no Redis failure: once Redis resumes, within the
// Redis timeout, every request gets its 200.
func TestHalfCloseDuringRedisRead(t *testing.T) {
	const request = "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			redis := redistest.Start(t)
			redistest.Set(t, redis, testKey, "v1")
			srv := start(t, Config{
				Engine: engine, Client: openRueidis(t, redis.URL(), 0), Key: testKey,
				RedisTimeout: eventually,
			})
			wantText(t, "GET /test", srv.get(t, "/test"), 200, "v1")

			freeze(t, redis.PID())
			// Resume Redis once the request below waits on it; a late
			// resume only makes the test weaker, never wrong.
			go func() {
				time.Sleep(300 * time.Millisecond)
				resume(t, redis.PID())
			}()
			replies := readReplies(t, srv.halfClose(t, strings.Repeat(request, 3)))
			if len(replies) != 3 {
				t.Fatalf("3 GET /test then half-close: %d responses, want 3", len(replies))
			}
			for i, got := range replies {
				wantText(t, fmt.Sprintf("3 GET /test then half-close: response %d", i+1), got, 200, "v1")
			}
		})
	}
}

// freeze stops process pid with SIGSTOP, and resumes it at the end of the
// test.
func freeze(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %d: %v", pid, err)
	}
	t.Cleanup(func() { resume(t, pid) })
}

// resume continues process pid after freeze. It may run more than once.
func resume(t *testing.T, pid int) {
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Errorf("SIGCONT %d: %v", pid, err)
	}
}
