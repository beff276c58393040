package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkedValue is a flag.Value that checks its input in Set, so a bad value
// from the command line or from an IOBENCH_* variable fails the same way,
// with the flag's name and the expected form.
type checkedValue[T any] struct {
	p      *T
	parse  func(string) (T, error)
	format func(T) string
	redact func(string) string // hides secrets in errors; nil shows the input as is
}

func (v checkedValue[T]) String() string {
	if v.p == nil {
		return ""
	}
	return v.format(*v.p)
}

func (v checkedValue[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

// Redact implements cliflag.Redactor, so usage errors hide the secrets in
// a rejected input.
func (v checkedValue[T]) Redact(s string) string {
	if v.redact == nil {
		return s
	}
	return v.redact(s)
}

// addFlag defines a flag whose Set runs parse and returns its variable.
func addFlag[T any](fs *flag.FlagSet, name string, def T, parse func(string) (T, error),
	format func(T) string, usage string) *T {
	p := new(T)
	*p = def
	fs.Var(checkedValue[T]{p: p, parse: parse, format: format}, name, usage)
	return p
}

// addRedisURLFlag defines a flag that takes a Redis URL and returns its
// variable. Usage errors show the URL with its password replaced.
func addRedisURLFlag(fs *flag.FlagSet, name, def, usage string) *string {
	p := &def
	fs.Var(checkedValue[string]{p: p, parse: parseRedisURLFlag, format: formatString, redact: redactRedisURL},
		name, usage)
	return p
}

func formatString(s string) string { return s }

func formatDuration(d time.Duration) string { return d.String() }

func formatRatio(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// parseChoice returns a parser that accepts one of choices.
func parseChoice(choices ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !slices.Contains(choices, s) {
			return "", fmt.Errorf("want one of %s", strings.Join(choices, ", "))
		}
		return s, nil
	}
}

// parseDuration returns a parser of durations that rejects negative ones,
// and zero too unless allowZero.
func parseDuration(allowZero bool) func(string) (time.Duration, error) {
	form := "a positive duration such as 250ms, 3s or 1m"
	if allowZero {
		form = "0 or " + form
	}
	return func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || (d == 0 && !allowZero) {
			return 0, errors.New("want " + form)
		}
		return d, nil
	}
}

// parseRatio accepts a probability, a number from 0 to 1.
func parseRatio(s string) (float64, error) {
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(r) || r < 0 || r > 1 {
		return 0, errors.New("want a number from 0 to 1, such as 0.05")
	}
	return r, nil
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// parseSeed accepts a 64-bit integer.
func parseSeed(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("want an integer; 0 draws a random seed")
	}
	return n, nil
}

// parseAddr accepts a TCP listen address, host:port.
func parseAddr(s string) (string, error) {
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return "", errors.New("want host:port such as :8000 or 127.0.0.1:8000 (port 0 picks a free one)")
	}
	return s, nil
}

// parseNonEmpty accepts any string but the empty one.
func parseNonEmpty(s string) (string, error) {
	if s == "" {
		return "", errors.New("want a non-empty value")
	}
	return s, nil
}

// redisURLForm is the form a -redis value must have.
const redisURLForm = "redis://[user:password@]host:port/db, such as redis://127.0.0.1:6379/0"

// parseRedisURLFlag accepts a redis:// or rediss:// URL.
func parseRedisURLFlag(s string) (string, error) {
	if _, err := parseRedisURL(s); err != nil {
		return "", err
	}
	return s, nil
}

// parseRedisURL checks a redis:// or rediss:// URL and returns it parsed.
func parseRedisURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("want %s", redisURLForm)
	}
	if port := u.Port(); port != "" {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("invalid port %q: want %s", port, redisURLForm)
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		if _, err := strconv.ParseUint(db, 10, 31); err != nil {
			return nil, fmt.Errorf("invalid database %q: want a number after the host, %s", db, redisURLForm)
		}
	}
	return u, nil
}

// redactRedisURL replaces the password of a Redis URL with xxxxx. It
// works on the text, so a URL that does not parse is redacted too: the
// userinfo is everything between "://" and the last '@'.
func redactRedisURL(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return raw[:len(raw)-len(rest)] + user + ":xxxxx" + rest[at:]
}
