package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/redisclient"
)

// eventually bounds the polls for a change to show up, generous for a
// loaded 2-core machine; tests log how long the change took.
const eventually = 20 * time.Second

// testKey is the Redis key the servers under test serve.
const testKey = "test"

// clientCase opens one redisclient.Client configuration against a URL.
type clientCase struct {
	name string
	open func(tb testing.TB, url string) redisclient.Client
}

// clientCases lists the clients the HTTP tests run with: rueidis with its
// client-side cache, and go-redis.
func clientCases() []clientCase {
	return []clientCase{
		{"rueidis-cache", func(tb testing.TB, url string) redisclient.Client {
			return openRueidis(tb, url, time.Minute)
		}},
		{"goredis", func(tb testing.TB, url string) redisclient.Client {
			c, err := redisclient.NewGoRedis(url, redisclient.GoRedisOptions{})
			if err != nil {
				tb.Fatalf("NewGoRedis(%q): %v", url, err)
			}
			tb.Cleanup(c.Close)
			return c
		}},
	}
}

func openRueidis(tb testing.TB, url string, cacheTTL time.Duration) *redisclient.Rueidis {
	tb.Helper()
	c, err := redisclient.NewRueidis(url, redisclient.RueidisOptions{CacheTTL: cacheTTL})
	if err != nil {
		tb.Fatalf("NewRueidis(%q): %v", url, err)
	}
	tb.Cleanup(c.Close)
	return c
}

// running is a Server under test listening on 127.0.0.1.
type running struct {
	Server
	url       string // http://127.0.0.1:PORT
	serveDone chan struct{}
	serveErr  error // what Serve returned, set before serveDone closes
}

// served waits for Serve to return and returns its error.
func (r *running) served() error {
	<-r.serveDone
	return r.serveErr
}

// start builds a Server from cfg, serves it on a free loopback port and
// shuts it down at the end of the test.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1:0: %v", err)
	}
	r := &running{Server: srv, url: "http://" + ln.Addr().String(), serveDone: make(chan struct{})}
	go func() {
		r.serveErr = srv.Serve(ln)
		close(r.serveDone)
	}()

	t.Cleanup(func() {
		if err := shutdown(srv); err != nil {
			t.Errorf("Shutdown at cleanup: %v", err)
		}
		if err := r.served(); err != nil {
			t.Errorf("Serve returned %v after Shutdown, want nil", err)
		}
	})
	return r
}

// shutdown shuts s down, leaving in-flight requests up to eventually.
func shutdown(s Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	defer cancel()
	return s.Shutdown(ctx)
}

// idleConn is a keep-alive connection that served one request and waits.
type idleConn struct{ net.Conn }

// openIdleConn sends GET /healthz on a new connection to r, reads the
// response and leaves the connection idle.
func openIdleConn(t *testing.T, r *running) idleConn {
	t.Helper()
	conn := r.dial(t)
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatalf("write request on the idle connection: %v", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response on the idle connection: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("idle connection: status %d, close %v; want 200 and keep-alive", resp.StatusCode, resp.Close)
	}
	return idleConn{conn}
}

// wantClosed checks that the server closed c.
func (c idleConn) wantClosed(t *testing.T) {
	t.Helper()
	var buf [1]byte
	n, err := c.Read(buf[:])
	if err == nil || errIsTimeout(err) {
		t.Errorf("read on the idle connection after shutdown: %d bytes, %v; want it closed", n, err)
	}
}

// delayer returns the Delayer of a Server built by New.
func delayer(s Server) *Delayer {
	switch s := s.(type) {
	case *fastServer:
		return s.routes.delayer
	case *netServer:
		return s.routes.delayer
	}
	panic("unknown Server type")
}

// httpClient sends test requests: no proxy, keep-alive, and a time limit
// that only a hung server reaches.
var httpClient = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 16},
	Timeout:   eventually,
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   string
}

// do sends method path to r and reads the whole response.
func (r *running) do(t *testing.T, method, path string) reply {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, nil)
	if err != nil {
		t.Fatalf("build %s %s: %v", method, path, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s %s: %v", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, string(body)}
}

// get sends GET path to r.
func (r *running) get(t *testing.T, path string) reply {
	t.Helper()
	return r.do(t, http.MethodGet, path)
}

// waitFor sends GET path until done accepts the reply or eventually passes,
// and returns how long it took.
func (r *running) waitFor(t *testing.T, path, label string, done func(reply) bool) time.Duration {
	t.Helper()
	start := time.Now()
	var last reply
	for time.Since(start) < eventually {
		last = r.get(t, path)
		if done(last) {
			took := time.Since(start)
			t.Logf("%s after %v", label, took)
			return took
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("waiting for %s: last GET %s = %d %q after %v", label, path, last.status, last.body, eventually)
	return 0
}

// wantText checks a text/plain reply's status and body.
func wantText(t *testing.T, label string, got reply, status int, body string) {
	t.Helper()
	if got.status != status {
		t.Errorf("%s: status = %d, want %d (body %q)", label, got.status, status, got.body)
	}
	if got.body != body {
		t.Errorf("%s: body = %q, want %q", label, got.body, body)
	}
	if ct := got.header.Get("Content-Type"); ct != contentType {
		t.Errorf("%s: Content-Type = %q, want %q", label, ct, contentType)
	}
}

// isOneLine reports whether body is one line ending in a newline.
func isOneLine(body string) bool {
	return strings.HasSuffix(body, "\n") && strings.Count(body, "\n") == 1
}

// rawRequest writes head to a new connection to r and returns the status
// line of the response, or the read error.
func (r *running) rawRequest(t *testing.T, head string) (string, error) {
	t.Helper()
	conn := r.dial(t)
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		return "", err
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if n == 0 && err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return line, nil
}

// dial opens a connection to r that times out after eventually.
func (r *running) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatalf("dial %s: %v", r.url, err)
	}
	if err := conn.SetDeadline(time.Now().Add(eventually)); err != nil {
		conn.Close()
		t.Fatalf("set deadline: %v", err)
	}
	return conn.(*net.TCPConn)
}

// errIsTimeout reports whether err is a network timeout.
func errIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
