package server

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawReply sends the request line line, with a Host header, on a new
// connection to r and returns the response.
func (r *running) rawReply(t *testing.T, line string) reply {
	t.Helper()
	return r.rawHead(t, line+"\r\nHost: 127.0.0.1\r\n\r\n")
}

// rawHead sends the request head head on a new connection to r and
// returns the response.
func (r *running) rawHead(t *testing.T, head string) reply {
	t.Helper()
	conn := r.dial(t)
	defer conn.Close()
	line, _, _ := strings.Cut(head, "\r\n")
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: read response: %v", line, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%q: read body: %v", line, err)
	}
	return reply{resp.StatusCode, resp.Header, string(body)}
}

// TestRequestLinesRouteAlike sends the same raw request lines to both
// engines. Both route on the target as sent: no percent-decoding, no
// removal of dot segments or repeated slashes.
func TestRequestLinesRouteAlike(t *testing.T) {
	const notFoundSuffix = ": this server serves /test and /healthz\n"
	cases := []struct {
		line   string
		status int
		body   string // "" checks the status only
	}{
		{"GET /test HTTP/1.1", 200, "hello"},
		{"GET /test?x=1 HTTP/1.1", 200, "hello"},
		{"GET /healthz HTTP/1.1", 200, "ok\n"},
		{"GET http://127.0.0.1/test HTTP/1.1", 200, "hello"},
		{"GET /test HTTP/1.0", 200, "hello"},
		{"GET /test HTTP/1.2", 200, "hello"},
		{"GET //test HTTP/1.1", 404, `not found: //test` + notFoundSuffix},
		{"GET /a/../test HTTP/1.1", 404, `not found: /a/../test` + notFoundSuffix},
		{"GET /./test HTTP/1.1", 404, `not found: /./test` + notFoundSuffix},
		{"GET /test/ HTTP/1.1", 404, `not found: /test/` + notFoundSuffix},
		{"GET /TEST HTTP/1.1", 404, `not found: /TEST` + notFoundSuffix},
		{"GET /%74est HTTP/1.1", 404, `not found: /%74est` + notFoundSuffix},
		{"GET /x%0Ay HTTP/1.1", 404, `not found: /x%0Ay` + notFoundSuffix},
		{"GET /\xff HTTP/1.1", 404, `not found: /\xff` + notFoundSuffix},
		{"GET /test#f HTTP/1.1", 404, `not found: /test#f` + notFoundSuffix},
		{"OPTIONS * HTTP/1.1", 404, `not found: *` + notFoundSuffix},
		{"get /test HTTP/1.1", 405, "method not allowed: use GET or HEAD\n"},
		{"GET * HTTP/1.1", 400, "400 Bad Request"},
		{"PRI * HTTP/2.0", 400, ""},
		{"GET /te%st HTTP/1.1", 400, "400 Bad Request"},
		{"GET test HTTP/1.1", 400, "400 Bad Request"},
		{"GET /test", 400, "400 Bad Request"},
		{"GET  /test HTTP/1.1", 400, "400 Bad Request"},
		{"GET /\x01 HTTP/1.1", 400, "400 Bad Request"},
		{"GET /test HTTP/2.0", 505, "505 HTTP Version Not Supported: unsupported protocol version"},
		{"GET /test HTTP/9.9", 505, "505 HTTP Version Not Supported: unsupported protocol version"},
	}
	for engine, srv := range startBoth(t, "hello") {
		t.Run(engine, func(t *testing.T) {
			for _, tc := range cases {
				got := srv.rawReply(t, tc.line)
				if got.status != tc.status {
					t.Errorf("%q: status %d, want %d (body %q)", tc.line, got.status, tc.status, got.body)
				}
				if tc.body != "" && got.body != tc.body {
					t.Errorf("%q: body %q, want %q", tc.line, got.body, tc.body)
				}
				if ct := got.header.Get("Content-Type"); ct != contentType {
					t.Errorf("%q: Content-Type %q, want %q", tc.line, ct, contentType)
				}
			}
		})
	}
}

func TestNotFoundBodyIsShortOneLine(t *testing.T) {
	long := "/" + strings.Repeat("a", 5000)
	for engine, srv := range startBoth(t, "hello") {
		t.Run(engine, func(t *testing.T) {
			got := srv.get(t, long)
			if got.status != 404 {
				t.Errorf("GET of a 5001-byte path: status %d, want 404", got.status)
			}
			if !isOneLine(got.body) || len(got.body) > 200 {
				t.Errorf("GET of a 5001-byte path: body of %d bytes %q, want one line under 200 bytes",
					len(got.body), got.body)
			}
			want := "not found: /" + strings.Repeat("a", maxEchoedPath-1) + "...: "
			if !strings.HasPrefix(got.body, want) {
				t.Errorf("GET of a 5001-byte path: body %q, want it to start %q", got.body, want)
			}
		})
	}
}

func TestRequestPath(t *testing.T) {
	cases := map[string]string{
		"/test":                   "/test",
		"/test?x=1":               "/test",
		"/test?":                  "/test",
		"/a?b?c":                  "/a",
		"http://127.0.0.1/test":   "/test",
		"https://h:1/test?x=/y":   "/test",
		"http://127.0.0.1":        "",
		"http://127.0.0.1?x=/a":   "",
		"*":                       "*",
		"":                        "",
		"//test":                  "//test",
		"/%74est":                 "/%74est",
		"authority.example:443":   "authority.example:443",
		"http://h/a/../test?q=1#": "/a/../test",
	}
	for target, want := range cases {
		if got := requestPath(target); got != want {
			t.Errorf("requestPath(%q) = %q, want %q", target, got, want)
		}
		if got := string(requestPath([]byte(target))); got != want {
			t.Errorf("requestPath([]byte(%q)) = %q, want %q", target, got, want)
		}
	}
}

func TestValidEscapes(t *testing.T) {
	cases := map[string]bool{
		"/test": true, "/%74est": true, "/%7e%7E": true, "/a%": false, "/a%7": false,
		"/a%zz": false, "/%%41": false, "/%41%": false, "": true,
	}
	for target, want := range cases {
		if got := validEscapes([]byte(target)); got != want {
			t.Errorf("validEscapes(%q) = %v, want %v", target, got, want)
		}
	}
}

func TestNotFoundBodyEscapes(t *testing.T) {
	got := notFoundBody("/x\ny\r\x00\xff")
	want := `not found: /x\ny\r\x00\xff: this server serves /test and /healthz` + "\n"
	if got != want {
		t.Errorf("notFoundBody = %q, want %q", got, want)
	}
}
