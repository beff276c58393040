package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
)

// netHeaderSlack is how far net/http reads past Server.MaxHeaderBytes
// before it sends 431 (its "bufio slop", 4096 bytes in Go 1.26). It is
// subtracted so both engines reject a request head at the same size.
const netHeaderSlack = 4096

// netServer is the net/http engine.
type netServer struct {
	srv    *http.Server
	routes *routes
	conns  *connSet
}

func newNetServer(cfg Config, r *routes) *netServer {
	s := &netServer{routes: r, conns: newConnSet(r.acceptErrorLogger(EngineNetHTTP))}
	s.srv = &http.Server{
		Handler:           s,
		MaxHeaderBytes:    MaxHeaderBytes - netHeaderSlack,
		ReadHeaderTimeout: cfg.ReadTimeout,
		// Route OPTIONS * to ServeHTTP, as fasthttp does, rather than
		// reply 200 from net/http itself.
		DisableGeneralOptionsHandler: true,
		IdleTimeout:                  cfg.IdleTimeout,
		// Both deadlines cover the handler, so both must outlast the delay
		// and the Redis read. The write deadline runs from the end of the
		// request head. When the read deadline passes during the handler,
		// net/http's background read fails and cancels the request's
		// context, which ServeHTTP does not pass on.
		ReadTimeout:  writeTimeout(cfg),
		WriteTimeout: writeTimeout(cfg),
		// Log net/http's own errors like fasthttp's: rate-limited and cut
		// short.
		ErrorLog: log.New(engineLogger{EngineNetHTTP, r}, "", 0),
	}
	return s
}

func (s *netServer) Serve(ln net.Listener) error {
	err := s.srv.Serve(s.conns.listen(ln))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve net/http on %s: %w", ln.Addr(), err)
}

func (s *netServer) Shutdown(ctx context.Context) error {
	if err := shutdownEngine(ctx, s.conns, s.routes, s.srv.Shutdown); err != nil {
		return fmt.Errorf("shut down net/http: %w", err)
	}
	return nil
}

func (s *netServer) Engine() string { return EngineNetHTTP }

func (s *netServer) DelaySeed() int64 { return s.routes.delayer.Seed() }

// ServeHTTP dispatches one request to the shared routes. It passes
// context.Background() rather than req.Context(), which net/http cancels
// when the client half-closes or goes away: like on fasthttp, neither the
// delay nor the Redis read observes the client's connection.
//
// It routes on req.RequestURI, the raw request target, as the fasthttp
// engine does. It rejects "*" with any method but OPTIONS, as fasthttp's
// parser does.
func (s *netServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.RequestURI == "*" && req.Method != http.MethodOptions {
		reject(netResponse{w}, statusBadRequest, badRequestBody)
		return
	}
	dispatch(s.routes, context.Background(), req.Method, req.RequestURI, netResponse{w})
}

// netResponse adapts an http.ResponseWriter to ResponseWriter.
type netResponse struct{ w http.ResponseWriter }

// Header values shared by every response. net/http only reads them.
var (
	contentTypeValue = []string{contentType}
)

func (r netResponse) SetHeader(name, value string) {
	r.w.Header().Set(name, value)
}

func (r netResponse) Text(status int, body string) {
	h := r.w.Header()
	h["Content-Type"] = contentTypeValue
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	r.w.WriteHeader(status)
	// A HEAD response takes no body: net/http returns ErrBodyNotAllowed,
	// and other write errors mean the client went away.
	_, _ = io.WriteString(r.w, body)
}
