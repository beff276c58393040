package server

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// maxLoggedMessage is how many bytes of an engine's error message a log
// line keeps. Such messages can quote the bytes a client sent.
const maxLoggedMessage = 160

// logLimiter lets at most one log line a second through and counts the
// lines it holds back, so an outage or a flood of bad requests under load
// does not flood the log.
type logLimiter struct {
	next       atomic.Int64 // unix nanoseconds before which lines are counted only
	suppressed atomic.Int64
}

// allow reports whether a line may be logged now and, if so, how many
// lines were held back since the previous one.
func (l *logLimiter) allow() (bool, int64) {
	now := time.Now().UnixNano()
	next := l.next.Load()
	if now < next || !l.next.CompareAndSwap(next, now+int64(time.Second)) {
		l.suppressed.Add(1)
		return false, 0
	}
	return true, l.suppressed.Swap(0)
}

// logRedisError logs a failed Redis request, rate-limited.
func (r *routes) logRedisError(action string, err error) {
	if ok, suppressed := r.redisErrors.allow(); ok {
		r.logger.Warn("redis request failed", "action", action, "key", r.key,
			"err", err, "suppressed_since_last", suppressed)
	}
}

// logSuppressed logs how many Redis and connection errors were held back
// since the last line of each kind. Shutdown calls it, so no count is lost.
func (r *routes) logSuppressed() {
	if n := r.redisErrors.suppressed.Swap(0); n > 0 {
		r.logger.Warn("redis errors not logged since the last one", "count", n, "key", r.key)
	}
	if n := r.connErrors.suppressed.Swap(0); n > 0 {
		r.logger.Warn("connection errors not logged since the last one", "count", n)
	}
}

// engineLogger receives an engine's own error messages, such as a request
// it could not parse, and logs them at warning level, rate-limited and cut
// to maxLoggedMessage bytes. It serves as fasthttp's Logger (Printf) and
// as the writer of net/http's ErrorLog (Write).
type engineLogger struct {
	engine string
	routes *routes
}

// Printf logs one fasthttp message.
func (l engineLogger) Printf(format string, args ...any) {
	l.log(fmt.Sprintf(format, args...))
}

// Write logs one net/http ErrorLog line.
func (l engineLogger) Write(p []byte) (int, error) {
	l.log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (l engineLogger) log(msg string) {
	ok, suppressed := l.routes.connErrors.allow()
	if !ok {
		return
	}
	if len(msg) > maxLoggedMessage {
		msg = msg[:maxLoggedMessage] + "..."
	}
	l.routes.logger.Warn("connection error", "engine", l.engine, "err", msg,
		"suppressed_since_last", suppressed)
}

// acceptErrorLogger returns the function that logs an Accept error of
// engine that the server retries, rate-limited with the other connection
// errors.
func (r *routes) acceptErrorLogger(engine string) func(err error, wait time.Duration) {
	return func(err error, wait time.Duration) {
		if ok, suppressed := r.connErrors.allow(); ok {
			r.logger.Warn("accept failed, retrying", "engine", engine, "err", err, "retry_in", wait,
				"suppressed_since_last", suppressed)
		}
	}
}
