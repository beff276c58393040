package server

import "strconv"

// Bodies of the responses to requests that an engine cannot parse, or
// that one engine's parser accepts and the other's rejects. They repeat
// net/http's own bodies (Go 1.26), so both engines send the same text.
const (
	badRequestBody = "400 Bad Request"
	tooLargeBody   = "431 Request Header Fields Too Large"
	badVersionBody = "505 HTTP Version Not Supported: unsupported protocol version"
)

// maxEchoedPath is how many bytes of a request path a 404 body repeats.
const maxEchoedPath = 64

// requestPath returns the path of a request target as the client sent it:
// the part before any '?', without the scheme and host of an absolute-form
// target ("http://host/test"). It neither decodes percent-escapes nor
// removes dot segments or repeated slashes, so "/test" is the only target
// path that routes to /test on both engines. T lets fasthttp pass its raw
// request URI without a copy.
func requestPath[T string | []byte](target T) T {
	for i := 0; i < len(target); i++ {
		if target[i] == '?' {
			target = target[:i]
			break
		}
	}
	if len(target) == 0 || target[0] == '/' {
		return target
	}
	// Absolute form: skip "scheme://", then the host up to the next '/'.
	for i := 0; i+2 < len(target); i++ {
		if target[i] == ':' && target[i+1] == '/' && target[i+2] == '/' {
			rest := target[i+3:]
			for j := 0; j < len(rest); j++ {
				if rest[j] == '/' {
					return rest[j:]
				}
			}
			return rest[:0]
		}
	}
	return target
}

// validEscapes reports whether every '%' in target starts a two-digit hex
// escape. net/http rejects a request whose target fails this with 400;
// fasthttp accepts it, so the fasthttp engine checks it itself.
func validEscapes(target []byte) bool {
	for i := 0; i < len(target); i++ {
		if target[i] != '%' {
			continue
		}
		if i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2]) {
			return false
		}
		i += 2
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isHTTP1 reports whether proto, a request line's "HTTP/x.y", has major
// version 1. net/http rejects other versions with 505, but fasthttp serves
// them, so the fasthttp engine checks the version itself.
func isHTTP1(proto []byte) bool {
	return len(proto) == len("HTTP/1.1") && proto[5] == '1'
}

// reject sends status with body and closes the connection, as net/http
// does for a request it cannot parse.
func reject(w ResponseWriter, status int, body string) {
	w.SetHeader("Connection", "close")
	w.Text(status, body)
}

// notFoundBody returns the 404 body for path: one line that repeats path
// with Go string escapes for any byte outside printable ASCII, cut to
// maxEchoedPath bytes, so a client cannot put line breaks or a long echo in
// the response. An ordinary path appears as sent.
func notFoundBody(path string) string {
	more := ""
	if len(path) > maxEchoedPath {
		path, more = path[:maxEchoedPath], "..."
	}
	quoted := strconv.QuoteToASCII(path)
	return "not found: " + quoted[1:len(quoted)-1] + more + ": this server serves /test and /healthz\n"
}
