package redisclient

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalidURL is wrapped by the constructors' error for a Redis URL they
// cannot use. The message names the URL, with any password hidden.
var ErrInvalidURL = errors.New("invalid Redis URL")

// ConnectError is returned by the constructors when Redis does not reply to
// their first command. A caller that names the address itself can print Err
// alone, so that the message does not say where twice.
type ConnectError struct {
	URL string // the Redis URL, with any password hidden
	Err error
}

func (e *ConnectError) Error() string { return fmt.Sprintf("connect to Redis at %s: %v", e.URL, e.Err) }

func (e *ConnectError) Unwrap() error { return e.Err }

// urlForm is the URL form that error messages show.
const urlForm = "redis://[user:password@]host:port/db"

// checkURL rejects URLs that are not redis:// or rediss:// with a host, so
// both clients give the same clear error before their own parsers run.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return invalidURL(raw, "cannot be parsed")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return invalidURL(raw, "the scheme must be redis or rediss")
	}
	if u.Hostname() == "" {
		return invalidURL(raw, "the host is missing")
	}
	return nil
}

// invalidURL returns an ErrInvalidURL error naming raw and the expected form.
func invalidURL(raw, reason string) error {
	return fmt.Errorf("%w %q: %s; expected %s, e.g. redis://127.0.0.1:6379/0",
		ErrInvalidURL, redactURL(raw), reason, urlForm)
}

// wrapParseError turns an error of a client library's URL parser into an
// ErrInvalidURL error.
func wrapParseError(raw string, err error) error {
	return fmt.Errorf("%w %q: %v; expected %s",
		ErrInvalidURL, redactURL(raw), err, urlForm)
}

// RedactURL returns raw with its password replaced by xxxxx, for error
// messages and logs.
func RedactURL(raw string) string { return redactURL(raw) }

// redactURL hides the password of raw, so that errors never show it. It
// works on the text rather than on url.Parse, so a password containing
// '/', '?' or '#' is hidden too. The userinfo ends at the last '@'.
func redactURL(raw string) string {
	scheme, rest, found := strings.Cut(raw, "://")
	if !found {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
