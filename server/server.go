// Package server is the HTTP layer of iobench: GET /test returns one value
// read from Redis, and a share of requests waits longer on purpose.
//
// Two engines behave identically: fasthttp (github.com/valyala/fasthttp),
// the default, and nethttp (net/http), the baseline. Both share the routing,
// the status codes, the headers and the delay middleware:
//
//	GET|HEAD /test     200 text/plain value; 404 key missing; 500 key holds a
//	                   non-string value; 503 Redis failed
//	GET|HEAD /healthz  200 "ok" when Redis replies to PING; 503 otherwise
//	other methods      405 with Allow: GET, HEAD
//	other paths        404
//	request head over MaxHeaderBytes  431
//	malformed request  400
//	HTTP version not 1.x              505
//
// Both engines route on the request target as sent, without decoding
// percent-escapes or removing dot segments, so //test and /%74est get 404.
// Delayed responses carry the header X-Delayed: true.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/iobench/iobench/redisclient"
)

// Engine names accepted in Config.Engine.
const (
	EngineFastHTTP = "fasthttp"
	EngineNetHTTP  = "nethttp"
)

// Engines lists the accepted engine names, the default first.
var Engines = []string{EngineFastHTTP, EngineNetHTTP}

// MaxHeaderBytes is the largest request head (request line and headers)
// both engines accept. A larger one gets 431 Request Header Fields Too
// Large.
const MaxHeaderBytes = 8 << 10

// Default values used for the zero fields of Config.
const (
	DefaultRedisTimeout = time.Second
	DefaultReadTimeout  = 10 * time.Second
	DefaultIdleTimeout  = 60 * time.Second
	// writeSlack is the time left to write a response once the handler,
	// delay and Redis read included, has run.
	writeSlack = 10 * time.Second
)

// Config configures a Server. The zero value of each optional field selects
// the default stated on it.
type Config struct {
	// Engine is EngineFastHTTP (the default when empty) or EngineNetHTTP.
	Engine string

	// Client reads the value. Required.
	Client redisclient.Client

	// Key is the Redis key served on /test. Required.
	Key string

	// RedisTimeout bounds each Redis read and ping. Default 1s.
	RedisTimeout time.Duration

	// Delay is how much longer a delayed request waits, on top of its
	// Redis read. 0 disables the delay.
	Delay time.Duration

	// DelayRatio is the probability, in [0, 1], that a request is delayed.
	// 0 disables the delay, 1 delays every request.
	DelayRatio float64

	// DelaySeed makes the sequence of delay decisions reproducible when it
	// is not 0. 0 draws a random seed, reported by Server.DelaySeed.
	DelaySeed int64

	// ReadTimeout bounds reading one request head, the request line and
	// headers, so a slow client cannot hold a connection. fasthttp applies
	// it to the body too; net/http reads a body under its longer handler
	// deadline (see writeTimeout). /test and /healthz take no body.
	// Default 10s.
	ReadTimeout time.Duration

	// IdleTimeout closes a keep-alive connection that sends no new request
	// for this long. Default 60s.
	IdleTimeout time.Duration

	// Logger receives the engine's connection errors and the Redis errors,
	// each kind limited to one line a second. Default: discard.
	Logger *slog.Logger
}

// Server is one HTTP engine serving the iobench routes.
type Server interface {
	// Serve accepts connections on ln until Shutdown is called, then
	// returns nil. Any other return is an accept failure.
	Serve(ln net.Listener) error

	// Shutdown stops accepting connections, closes idle keep-alive
	// connections and waits for in-flight requests, delayed ones included,
	// to finish. A connection that has sent no byte 200 ms into the
	// shutdown is closed too. When ctx ends first, Shutdown closes every
	// remaining connection. It then returns nil if no request was in a
	// handler, and otherwise an error wrapping ctx.Err() that counts them.
	// It logs the count of errors the log rate limit held back.
	Shutdown(ctx context.Context) error

	// Engine returns EngineFastHTTP or EngineNetHTTP.
	Engine() string

	// DelaySeed returns the seed of the delay decisions, the drawn one when
	// Config.DelaySeed was 0, so a run can be repeated.
	DelaySeed() int64
}

// New validates cfg and returns a Server for cfg.Engine. It does not listen:
// pass a listener to Serve.
func New(cfg Config) (Server, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	delayer, err := NewDelayer(cfg.Delay, cfg.DelayRatio, cfg.DelaySeed)
	if err != nil {
		return nil, err
	}
	r := newRoutes(cfg, delayer)

	switch cfg.Engine {
	case EngineFastHTTP:
		return newFastServer(cfg, r), nil
	case EngineNetHTTP:
		return newNetServer(cfg, r), nil
	}
	return nil, fmt.Errorf("invalid engine %q: want %s or %s", cfg.Engine,
		EngineFastHTTP, EngineNetHTTP)
}

// withDefaults checks cfg and fills its zero optional fields.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Client == nil {
		return cfg, errors.New("server config: Client is nil: pass a redisclient.Client")
	}
	if cfg.Key == "" {
		return cfg, errors.New("server config: Key is empty: name the Redis key to serve")
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"RedisTimeout", cfg.RedisTimeout},
		{"ReadTimeout", cfg.ReadTimeout},
		{"IdleTimeout", cfg.IdleTimeout},
	}
	for _, f := range durations {
		if f.d < 0 {
			return cfg, fmt.Errorf("server config: %s is %v: want 0 (default) or more", f.name, f.d)
		}
	}

	if cfg.Engine == "" {
		cfg.Engine = EngineFastHTTP
	}
	if cfg.RedisTimeout == 0 {
		cfg.RedisTimeout = DefaultRedisTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// writeTimeout returns how long a response may take from the end of its
// request head. It covers the delay and the Redis read, so neither is cut
// short by it.
func writeTimeout(cfg Config) time.Duration {
	return cfg.Delay + cfg.RedisTimeout + writeSlack
}
