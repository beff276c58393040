package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/valyala/fasthttp"
)

// fastServer is the fasthttp engine.
type fastServer struct {
	srv    *fasthttp.Server
	routes *routes
}

func newFastServer(cfg Config, r *routes) *fastServer {
	s := &fastServer{routes: r}
	s.srv = &fasthttp.Server{
		Handler: s.handle,

		// A request head that does not fit the read buffer fails with
		// *fasthttp.ErrSmallBuffer. fasthttp's default error handler then
		// sends 431 and closes the connection.
		ReadBufferSize: MaxHeaderBytes,

		ReadTimeout: cfg.ReadTimeout,
		IdleTimeout: cfg.IdleTimeout,
		// fasthttp starts the write deadline when the handler returns, so
		// the delay and the Redis read do not count against it.
		WriteTimeout: writeSlack,

		// Match net/http: no Server header, and Connection: close on the
		// responses written while shutting down.
		NoDefaultServerHeader: true,
		CloseOnShutdown:       true,
		Logger:                fastLogger{cfg.Logger},
	}
	return s
}

func (s *fastServer) Serve(ln net.Listener) error {
	if err := s.srv.Serve(ln); err != nil {
		return fmt.Errorf("serve fasthttp on %s: %w", ln.Addr(), err)
	}
	return nil
}

func (s *fastServer) Shutdown(ctx context.Context) error {
	if err := s.srv.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("shut down fasthttp: requests still running: %w", err)
	}
	return nil
}

func (s *fastServer) Engine() string { return EngineFastHTTP }

func (s *fastServer) DelaySeed() int64 { return s.routes.delayer.Seed() }

func (s *fastServer) handle(ctx *fasthttp.RequestCtx) {
	dispatch(s.routes, context.Background(), ctx.Method(), ctx.Path(), (*fastResponse)(ctx))
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

// fastLogger sends fasthttp's own messages, such as connection errors, to
// slog at warning level.
type fastLogger struct{ logger *slog.Logger }

func (l fastLogger) Printf(format string, args ...any) {
	l.logger.Warn(fmt.Sprintf(format, args...), "engine", EngineFastHTTP)
}
