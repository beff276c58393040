package peers_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/bench"
	"github.com/iobench/iobench/internal/redistest"
	"github.com/iobench/iobench/redisclient"
	"github.com/iobench/iobench/server"
)

// rawCase is one raw request sent to the Go service and to a peer.
type rawCase struct {
	// head is the request line and header lines, each ending in CRLF,
	// without the blank line that ends the head.
	head string
	// halfClose shuts down the client's sending side after the request.
	halfClose bool
	// differs lists, per peer family ("django" or "rust"), the status that
	// peer returns instead of the Go service's response. The README's
	// peers section explains why each one remains.
	differs map[string]int
}

// line returns the head of a request with line and a Host header.
func line(requestLine string) string {
	return requestLine + "\r\nHost: 127.0.0.1\r\n"
}

// rawCases are the requests whose responses the peers must copy from the
// Go service: status, Content-Type, X-Delayed and body.
var rawCases = []rawCase{
	{head: line("GET /test HTTP/1.1")},
	{head: line("GET /test?x=1 HTTP/1.1")},
	{head: line("GET /healthz HTTP/1.1")},
	{head: line("GET http://127.0.0.1/test HTTP/1.1")},
	{head: line("GET /test HTTP/1.0")},
	{head: line("POST /test HTTP/1.1")},
	{head: line("DELETE /healthz HTTP/1.1")},
	{head: line("GET //test HTTP/1.1")},
	{head: line("GET /a/../test HTTP/1.1")},
	{head: line("GET /./test HTTP/1.1")},
	{head: line("GET /test/ HTTP/1.1")},
	{head: line("GET /TEST HTTP/1.1")},
	{head: line("GET /%74est HTTP/1.1")},
	{head: line("GET /x%0Ay%C3%A9 HTTP/1.1")},
	{head: line(`GET /a"b\c HTTP/1.1`)},
	{head: line("GET /test#f HTTP/1.1"), differs: map[string]int{"rust": 200}},
	{head: line("GET /" + strings.Repeat("a", 5000) + " HTTP/1.1")},
	{head: line("GET /caf\xc3\xa9 HTTP/1.1")},
	{head: line("GET /\xff HTTP/1.1"), differs: map[string]int{"rust": 400}},
	{head: line("OPTIONS * HTTP/1.1")},
	{head: line("GET * HTTP/1.1")},
	{head: line("GET /te%st HTTP/1.1")},
	{head: line("GET test HTTP/1.1")},
	{head: line("GET /\x01 HTTP/1.1"), differs: map[string]int{"rust": 400}},
	{head: line("GET /test HTTP/1.2"), differs: map[string]int{"rust": 400}},
	{head: line("GET /test HTTP/2.0"), differs: map[string]int{"rust": 400}},
	{head: line("GET /test HTTP/9.9"), differs: map[string]int{"rust": 400}},
	{head: line("get /test HTTP/1.1"), differs: map[string]int{"django": 200}},
	{head: line("GET /test"), differs: map[string]int{"django": 400, "rust": 400}},
	{head: line("GET  /test HTTP/1.1"), differs: map[string]int{"django": 400, "rust": 400}},
	{head: line("GET /test HTTP/1.1") + "no colon\r\n", differs: map[string]int{"django": 400, "rust": 400}},
	{
		head:    line("GET /test HTTP/1.1") + "X-Big: " + strings.Repeat("b", 9000) + "\r\n",
		differs: map[string]int{"django": 400, "rust": 431},
	},
	{
		head:    line("GET /test HTTP/1.1") + strings.Repeat("X-Field: "+strings.Repeat("f", 1000)+"\r\n", 10),
		differs: map[string]int{"django": 200, "rust": 431},
	},
	{head: line("GET /test HTTP/1.1"), halfClose: true},
	{head: line("GET /nothing HTTP/1.1"), halfClose: true},
}

// TestPeerRawRequests sends each raw request to the Go service and to each
// peer, and compares the responses.
func TestPeerRawRequests(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer, dir string) {
		srv := redistest.Start(t)
		redistest.Set(t, srv, testKey, testValue)
		goAddr := startGoService(t, srv.URL())
		proc := start(t, p, dir, redisEnv(srv.URL())...)
		peerAddr := strings.TrimPrefix(proc.url, "http://")
		family, _, _ := strings.Cut(p.name, "-")

		for _, c := range rawCases {
			name := fmt.Sprintf("%.60q", strings.TrimSuffix(c.head, "\r\nHost: 127.0.0.1\r\n"))
			if c.halfClose {
				name += " half-closed"
			}
			want, err := rawExchange(goAddr, c)
			if err != nil {
				t.Fatalf("%s: Go service: %v", name, err)
			}
			got, err := rawExchange(peerAddr, c)
			if err != nil {
				t.Errorf("%s: %v (the Go service returns %d %q)", name, err, want.status, want.body)
				continue
			}
			if status, ok := c.differs[family]; ok {
				if got.status != status {
					t.Errorf("%s: status %d, want the known %d (the Go service returns %d)", name, got.status, status, want.status)
				}
				continue
			}
			compareReplies(t, name, got, want)
		}
	})
}

// compareReplies reports each field where a peer's response differs from
// the Go service's.
func compareReplies(t *testing.T, name string, got, want response) {
	t.Helper()
	if got.status != want.status {
		t.Errorf("%s: status %d, want the Go service's %d (body %q)", name, got.status, want.status, got.body)
	}
	for _, header := range []string{"Content-Type", "X-Delayed"} {
		if g, w := got.header.Get(header), want.header.Get(header); g != w {
			t.Errorf("%s: %s %q, want the Go service's %q", name, header, g, w)
		}
	}
	if got.body != want.body {
		t.Errorf("%s: body %q, want the Go service's %q", name, got.body, want.body)
	}
}

// startGoService serves the Go service (fasthttp engine, go-redis client)
// on a free loopback port for the test and returns its address.
func startGoService(t *testing.T, redisURL string) string {
	t.Helper()
	client, err := redisclient.NewGoRedis(redisURL, redisclient.GoRedisOptions{})
	if err != nil {
		t.Fatalf("NewGoRedis(%q): %v", redisURL, err)
	}
	t.Cleanup(client.Close)
	srv, err := server.New(server.Config{Client: client, Key: testKey, RedisTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1:0: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shut down the Go service: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Go service Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends c on a new connection to addr and reads one response.
func rawExchange(addr string, c rawCase) (response, error) {
	conn, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		return response{}, fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(clientTimeout)); err != nil {
		return response{}, fmt.Errorf("set the deadline: %w", err)
	}
	if _, err := io.WriteString(conn, c.head+"\r\n"); err != nil {
		return response{}, fmt.Errorf("write the request: %w", err)
	}
	if c.halfClose {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			return response{}, fmt.Errorf("half-close: %w", err)
		}
	}
	return readReply(conn)
}

// dialPeer connects to proc, with a deadline of clientTimeout, and closes
// the connection in t.Cleanup.
func dialPeer(t *testing.T, proc *process) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(proc.url, "http://")
	conn, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(clientTimeout)); err != nil {
		t.Fatalf("set the deadline: %v", err)
	}
	return conn
}

// readReply reads one response to a GET request from conn.
func readReply(conn net.Conn) (response, error) {
	begin := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return response{}, fmt.Errorf("connection closed without a response: %w", err)
	}
	if err != nil {
		return response{}, fmt.Errorf("read the response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read the body: %w", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), elapsed: time.Since(begin)}, nil
}

// TestBenchListMissingPeers runs iobench bench -list with -peers naming an
// empty folder: each peer target is reported as not run, naming the file
// it lacks and the -peers flag.
func TestBenchListMissingPeers(t *testing.T) {
	empty := t.TempDir()
	var stdout, stderr strings.Builder
	if err := bench.Main(context.Background(), []string{"-list", "-peers", empty}, &stdout, &stderr); err != nil {
		t.Fatalf("bench -list -peers %s: %v\nstderr:\n%s", empty, err, stderr.String())
	}
	wantFiles := map[string]string{
		"django-sync":   "django/gunicorn.conf.py",
		"django-gevent": "django/gunicorn.conf.py",
		"rust":          "rust/Cargo.toml",
	}
	out := stdout.String()
	for name, file := range wantFiles {
		row := listRow(out, name)
		if !strings.Contains(row, "not run") {
			t.Errorf("bench -list row of %s: %q, want status \"not run\"", name, row)
		}
		// The reasons follow the table, one line per target.
		want := name + ": not run: " + empty + "/" + file + " not found; install with -peers"
		if !strings.Contains(out, want) {
			t.Errorf("bench -list output lacks %q:\n%s", want, out)
		}
	}
}

// listRow returns the line of bench -list output about target name.
func listRow(out, name string) string {
	for _, row := range strings.Split(out, "\n") {
		if first, _, _ := strings.Cut(row, " "); first == name {
			return row
		}
	}
	return ""
}
