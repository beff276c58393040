package server

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iobench/iobench/redisclient"
)

// Handler serves one routed request in a form both engines share. Both
// engines pass context.Background(), detached from the client and from the
// server. A fasthttp RequestCtx is done as soon as shutdown starts, which
// would cut in-flight requests short. net/http's request context ends when
// the client half-closes its connection (shutdown(SHUT_WR) after sending),
// which would drop the response, or turn a Redis read into a false 503.
// The Redis timeout still bounds every read.
type Handler func(ctx context.Context, w ResponseWriter)

// ResponseWriter is the response side of a Handler. Each engine adapts its
// own response type to it, without allocating on the fasthttp path.
type ResponseWriter interface {
	// SetHeader sets a response header. Call it before Text.
	SetHeader(name, value string)

	// Text sends status with body as text/plain; charset=utf-8. HEAD
	// responses keep the Content-Length of body and send no body.
	Text(status int, body string)
}

// Header names and values the routes set. They are constants so the hot
// path builds none of them.
const (
	headerDelayed = "X-Delayed"
	headerTrue    = "true"
	headerAllow   = "Allow"
	allowedMethod = "GET, HEAD"
	contentType   = "text/plain; charset=utf-8"
)

// Status codes of the routes, named where net/http's names are long.
const (
	statusOK                  = 200
	statusBadRequest          = 400
	statusNotFound            = 404
	statusNotAllowed          = 405
	statusInternalError       = 500
	statusUnavailable         = 503
	statusVersionNotSupported = 505
)

// routes holds the handlers both engines dispatch to, built once.
type routes struct {
	client  redisclient.Client
	key     string
	timeout time.Duration
	shared  *sharedTimeout // timeouts for requests whose context never ends
	delayer *Delayer
	logger  *slog.Logger
	test    Handler // the /test handler wrapped in the delay middleware

	redisErrors logLimiter
	connErrors  logLimiter   // the engine's own errors, such as malformed requests
	inFlight    atomic.Int64 // requests in a handler, counted for Shutdown

	// Bodies that do not depend on the request, built once.
	missingBody    string
	wrongTypeBody  string
	notAllowedBody string
}

func newRoutes(cfg Config, delayer *Delayer) *routes {
	r := &routes{
		client:      cfg.Client,
		key:         cfg.Key,
		timeout:     cfg.RedisTimeout,
		shared:      newSharedTimeout(cfg.RedisTimeout),
		delayer:     delayer,
		logger:      cfg.Logger,
		missingBody: "key " + strconv.Quote(cfg.Key) + " not found in Redis\n",
		wrongTypeBody: "key " + strconv.Quote(cfg.Key) +
			" holds a non-string value in Redis: GET /test serves a string key\n",
		notAllowedBody: "method not allowed: use GET or HEAD\n",
	}
	r.test = Delay(delayer)(r.serveTest)
	return r
}

// dispatch routes one request by method and request target, the raw
// target of the request line (see requestPath). T lets fasthttp pass its
// []byte fields without a copy; the string conversions in comparisons and
// switches do not allocate.
func dispatch[T string | []byte](r *routes, ctx context.Context, method, target T, w ResponseWriter) {
	r.inFlight.Add(1)
	defer r.inFlight.Add(-1)

	var h Handler
	switch path := requestPath(target); string(path) {
	case "/test":
		h = r.test
	case "/healthz":
		h = r.serveHealth
	default:
		w.Text(statusNotFound, notFoundBody(string(path)))
		return
	}
	if m := string(method); m != "GET" && m != "HEAD" {
		w.SetHeader(headerAllow, allowedMethod)
		w.Text(statusNotAllowed, r.notAllowedBody)
		return
	}
	h(ctx, w)
}

// serveTest writes the value of the key: 200 with the value, 404 when the
// key is missing, 500 when it holds a non-string value, 503 when Redis
// fails or does not reply within the Redis timeout.
func (r *routes) serveTest(ctx context.Context, w ResponseWriter) {
	ctx, cancel := r.redisContext(ctx)
	value, err := r.client.Get(ctx, r.key)
	cancel()

	switch {
	case err == nil:
		w.Text(statusOK, value)
	case errors.Is(err, redisclient.ErrNotFound):
		w.Text(statusNotFound, r.missingBody)
	case isWrongType(err):
		r.logRedisError("read key from Redis", err)
		w.Text(statusInternalError, r.wrongTypeBody)
	default:
		r.logRedisError("read key from Redis", err)
		w.Text(statusUnavailable, "redis unavailable: "+oneLine(err.Error())+"\n")
	}
}

// redisContext returns the context of one Redis read, which ends within
// the Redis timeout. A parent that never ends, as both engines pass, gets
// a shared context that costs no allocation. Another parent gets a
// context of its own that also ends with it.
func (r *routes) redisContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent.Done() == nil {
		return r.shared.context(time.Now()), doNothing
	}
	return context.WithTimeout(parent, r.timeout)
}

// doNothing is the cancel function of a shared context, which ends only at
// its deadline.
func doNothing() {}

// serveHealth writes 200 "ok" when Redis replies to PING within the Redis
// timeout, and 503 otherwise.
func (r *routes) serveHealth(ctx context.Context, w ResponseWriter) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	err := r.client.Ping(ctx)
	cancel()
	if err != nil {
		r.logRedisError("ping Redis", err)
		w.Text(statusUnavailable, "redis unavailable: "+oneLine(err.Error())+"\n")
		return
	}
	w.Text(statusOK, "ok\n")
}

// oneLine replaces line breaks so an error fits the one-line 503 body.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

// isWrongType reports whether err is Redis' WRONGTYPE error: the key holds
// a list, hash or other non-string value, which GET cannot read. Redis
// starts each error message with its code in capitals, and both clients
// keep that text.
func isWrongType(err error) bool {
	return strings.Contains(err.Error(), "WRONGTYPE ")
}
