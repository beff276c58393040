package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// startBoth starts one server per engine against a fresh redis-server that
// holds value at testKey, with the delay off.
func startBoth(t *testing.T, value string) map[string]*running {
	t.Helper()
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, value)
	servers := map[string]*running{}
	for _, engine := range Engines {
		client := openRueidis(t, redis.URL(), time.Minute)
		servers[engine] = start(t, Config{Engine: engine, Client: client, Key: testKey})
	}
	return servers
}

func TestRoutes(t *testing.T) {
	for engine, srv := range startBoth(t, "hello") {
		t.Run(engine, func(t *testing.T) {
			wantText(t, "GET /test", srv.get(t, "/test"), 200, "hello")
			wantText(t, "GET /healthz", srv.get(t, "/healthz"), 200, "ok\n")

			head := srv.do(t, http.MethodHead, "/test")
			wantText(t, "HEAD /test", head, 200, "")
			if cl := head.header.Get("Content-Length"); cl != "5" {
				t.Errorf("HEAD /test: Content-Length = %q, want 5", cl)
			}

			notFound := srv.get(t, "/nope")
			wantText(t, "GET /nope", notFound, 404,
				"not found: /nope: this server serves /test and /healthz\n")

			for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
				for _, path := range []string{"/test", "/healthz"} {
					got := srv.do(t, method, path)
					wantText(t, method+" "+path, got, 405, "method not allowed: use GET or HEAD\n")
					if allow := got.header.Get("Allow"); allow != "GET, HEAD" {
						t.Errorf("%s %s: Allow = %q, want %q", method, path, allow, "GET, HEAD")
					}
				}
			}
		})
	}
}

// TestResponsesMatchAcrossEngines checks that both engines send the same
// status, headers and body for each kind of response. Date is the only
// header whose value differs by design.
func TestResponsesMatchAcrossEngines(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "hello")
	servers := map[string]*running{}
	for _, engine := range Engines {
		servers[engine] = start(t, Config{
			Engine: engine, Client: openRueidis(t, redis.URL(), 0), Key: testKey,
			RedisTimeout: testRedisTimeout,
		})
	}
	requests := []struct {
		label string
		send  func(srv *running) reply
		// parseError marks a request the engine rejects before routing:
		// net/http then ends the body by closing the connection and sends
		// no Content-Length, while fasthttp sends one.
		parseError bool
	}{
		{"200 GET /test", func(srv *running) reply { return srv.get(t, "/test") }, false},
		{"200 HEAD /test", func(srv *running) reply { return srv.do(t, http.MethodHead, "/test") }, false},
		{"404 GET /nope", func(srv *running) reply { return srv.get(t, "/nope") }, false},
		{"405 POST /test", func(srv *running) reply { return srv.do(t, http.MethodPost, "/test") }, false},
		{"400 GET /te%st", func(srv *running) reply { return srv.rawReply(t, "GET /te%st HTTP/1.1") }, true},
		{"431 GET /test", func(srv *running) reply {
			return srv.rawHead(t, requestWithHeader(MaxHeaderBytes+1))
		}, true},
	}
	// With Redis stopped, the 503 body ends with the client's error text,
	// which depends on when each engine's client saw the connection close
	// (a reset, a refused dial). Only that text and its length may differ.
	compare := func(label string, redisDown bool) {
		for _, req := range requests {
			fast, net := req.send(servers[EngineFastHTTP]), req.send(servers[EngineNetHTTP])
			for _, h := range []http.Header{fast.header, net.header} {
				h.Del("Date")
				if req.parseError || redisDown {
					h.Del("Content-Length")
				}
			}
			if fast.status != net.status {
				t.Errorf("%s%s: status fasthttp %d, nethttp %d", req.label, label, fast.status, net.status)
			}
			if fmt.Sprint(fast.header) != fmt.Sprint(net.header) {
				t.Errorf("%s%s: headers differ:\nfasthttp %v\nnethttp  %v", req.label, label, fast.header, net.header)
			}
			if redisDown {
				head := strings.Contains(req.label, http.MethodHead)
				wantUnavailable(t, req.label+label+" fasthttp", fast.body, head)
				wantUnavailable(t, req.label+label+" nethttp", net.body, head)
				continue
			}
			if fast.body != net.body {
				t.Errorf("%s%s: body fasthttp %q, nethttp %q", req.label, label, fast.body, net.body)
			}
		}
	}
	compare("", false)

	if err := redis.Stop(); err != nil {
		t.Fatalf("stop redis-server: %v", err)
	}
	requests = requests[:2]
	compare(" with Redis stopped", true)
}

// wantUnavailable checks a 503 body: empty for a HEAD request, otherwise
// one line that starts with "redis unavailable: ".
func wantUnavailable(t *testing.T, label, body string, head bool) {
	t.Helper()
	if head {
		if body != "" {
			t.Errorf("%s: body %q, want none for HEAD", label, body)
		}
		return
	}
	if !strings.HasPrefix(body, "redis unavailable: ") || strings.Count(body, "\n") != 1 {
		t.Errorf("%s: body %q, want one line starting with %q", label, body, "redis unavailable: ")
	}
}

func TestMissingKeyNames404(t *testing.T) {
	redis := redistest.Start(t)
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := start(t, Config{
				Engine: engine, Client: openRueidis(t, redis.URL(), time.Minute), Key: "absent key",
			})
			got := srv.get(t, "/test")
			wantText(t, "GET /test", got, 404, `key "absent key" not found in Redis`+"\n")
		})
	}
}

// requestWithHeader returns a GET /test request head of exactly size bytes,
// padded with one X-Pad header.
func requestWithHeader(size int) string {
	const prefix = "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
	const suffix = "\r\n\r\n"
	return prefix + strings.Repeat("a", size-len(prefix)-len(suffix)) + suffix
}

func TestHeaderLimit(t *testing.T) {
	cases := []struct {
		size int
		want string
	}{
		{1 << 10, "HTTP/1.1 200 OK"},
		{MaxHeaderBytes, "HTTP/1.1 200 OK"},
		{MaxHeaderBytes + 1, "HTTP/1.1 431 Request Header Fields Too Large"},
		{4 * MaxHeaderBytes, "HTTP/1.1 431 Request Header Fields Too Large"},
	}
	for engine, srv := range startBoth(t, "hello") {
		for _, tc := range cases {
			t.Run(engine+"/"+strconv.Itoa(tc.size), func(t *testing.T) {
				got, err := srv.rawRequest(t, requestWithHeader(tc.size))
				if err != nil {
					t.Fatalf("request head of %d bytes: %v, want %q", tc.size, err, tc.want)
				}
				if got != tc.want {
					t.Errorf("request head of %d bytes: status line %q, want %q", tc.size, got, tc.want)
				}
			})
		}
	}
}

// TestSlowClientsAreCut checks that a client that stalls in the middle of
// its request head, or stays idle after a request, loses its connection.
func TestSlowClientsAreCut(t *testing.T) {
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			srv := start(t, Config{
				Engine: engine, Client: openRueidis(t, redis.URL(), time.Minute), Key: testKey,
				ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
			})

			// The status line is empty when the server closes without a
			// response, as net/http does; fasthttp v1.79.0 sends 400 first.
			line, err := srv.rawRequest(t, "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\n")
			if errIsTimeout(err) {
				t.Errorf("stalled request head: connection still open after %v", eventually)
			}
			t.Logf("stalled request head: status line %q, error %v", line, err)

			idle := openIdleConn(t, srv)
			idle.wantClosed(t)
		})
	}
}
