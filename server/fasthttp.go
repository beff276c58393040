package server

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/valyala/fasthttp"
)

// writeBufferSize is the size of the write buffer of each fasthttp
// connection.
const writeBufferSize = 1 << 10

// fastServer is the fasthttp engine.
type fastServer struct {
	srv    *fasthttp.Server
	routes *routes
	conns  *connSet
}

func newFastServer(cfg Config, r *routes) *fastServer {
	s := &fastServer{routes: r, conns: newConnSet(r.acceptErrorLogger(EngineFastHTTP))}
	s.srv = &fasthttp.Server{
		Handler: s.handle,

		// A request head that does not fit the read buffer fails with
		// *fasthttp.ErrSmallBuffer, which fastErrorHandler turns into 431.
		// fasthttp then closes the connection.
		ReadBufferSize: MaxHeaderBytes,
		ErrorHandler:   fastErrorHandler,

		// Each connection keeps its write buffer from its first response
		// until it closes. 1 KiB instead of fasthttp's 4 KiB holds a
		// response head and a short value. A response of 1 to 4 KiB then
		// takes two write calls instead of one; other sizes are unchanged.
		WriteBufferSize: writeBufferSize,

		// ReduceMemoryUsage stays off. At 800 requests/s with 5% delayed
		// by 3 s it cut the private peak RSS of iobench serve from 6.0 MB
		// to 4.3 MB. But in fasthttp v1.79.0 it allocates 1 byte per
		// request on a keep-alive connection, and it made the loopback
		// benchmarks about 15% slower (BENCHMARKS.md has the runs).

		ReadTimeout: cfg.ReadTimeout,
		IdleTimeout: cfg.IdleTimeout,
		// fasthttp starts the write deadline when the handler returns, so
		// the delay and the Redis read do not count against it.
		WriteTimeout: writeSlack,

		// Match net/http: no Server header, and Connection: close on the
		// responses written while shutting down.
		NoDefaultServerHeader: true,
		CloseOnShutdown:       true,

		// Log fasthttp's own errors rate-limited and cut short, and keep
		// the request bytes out of the messages where fasthttp can.
		Logger:                engineLogger{EngineFastHTTP, r},
		SecureErrorLogMessage: true,
	}
	return s
}

func (s *fastServer) Serve(ln net.Listener) error {
	if err := s.srv.Serve(s.conns.listen(ln)); err != nil {
		return fmt.Errorf("serve fasthttp on %s: %w", ln.Addr(), err)
	}
	return nil
}

func (s *fastServer) Shutdown(ctx context.Context) error {
	if err := shutdownEngine(ctx, s.conns, s.routes, s.srv.ShutdownWithContext); err != nil {
		return fmt.Errorf("shut down fasthttp: %w", err)
	}
	return nil
}

func (s *fastServer) Engine() string { return EngineFastHTTP }

func (s *fastServer) DelaySeed() int64 { return s.routes.delayer.Seed() }

// handle serves one request. It rejects the HTTP versions and the
// malformed escapes that net/http's parser rejects, then routes on the raw
// request target: ctx.Path() would decode it and remove dot segments and
// repeated slashes, which net/http does not do.
func (s *fastServer) handle(ctx *fasthttp.RequestCtx) {
	header := &ctx.Request.Header
	w := (*fastResponse)(ctx)
	if !header.IsHTTP11() && !isHTTP1(header.Protocol()) {
		reject(w, statusVersionNotSupported, badVersionBody)
		return
	}
	target := header.RequestURI()
	if !validEscapes(target) {
		reject(w, statusBadRequest, badRequestBody)
		return
	}
	dispatch(s.routes, context.Background(), ctx.Method(), target, w)
}

// fastErrorHandler replies to a request that fasthttp could not read with
// net/http's status and body for the same failure. net/http closes a
// connection whose request head timed out without a response, but a
// fasthttp error handler must write one, so that gets 408.
func fastErrorHandler(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		ctx.Error(tooLargeBody, fasthttp.StatusRequestHeaderFieldsTooLarge)
	case errors.As(err, &netErr) && netErr.Timeout():
		ctx.Error("408 Request Timeout", fasthttp.StatusRequestTimeout)
	default:
		ctx.Error(badRequestBody, fasthttp.StatusBadRequest)
	}
}

// fastResponse adapts a fasthttp.RequestCtx to ResponseWriter. It is the
// same struct under another name, so converting a *fasthttp.RequestCtx to a
// *fastResponse allocates nothing.
type fastResponse fasthttp.RequestCtx

func (r *fastResponse) SetHeader(name, value string) {
	(*fasthttp.RequestCtx)(r).Response.Header.Set(name, value)
}

func (r *fastResponse) Text(status int, body string) {
	ctx := (*fasthttp.RequestCtx)(r)
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType(contentType)
	ctx.SetBodyString(body)
}
