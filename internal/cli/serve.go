package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/iobench/iobench/internal/cliflag"
	"github.com/iobench/iobench/server"
)

// Client names accepted by -client.
const (
	clientRueidis = "rueidis"
	clientGoRedis = "goredis"
)

// serveOptions holds the parsed flags of iobench serve.
type serveOptions struct {
	prog string // the program name, for messages

	engine, client, addr, redisURL, key, logFormat *string

	cacheTTL, redisTimeout, delay, redisWait, shutdownTimeout *time.Duration

	delayRatio *float64
	delaySeed  *int64
}

const serveAbout = `
Serves GET /test with the value of one Redis key, and GET /healthz. A share
of requests (-delay-ratio) waits -delay longer, on top of the Redis read,
and carries the header X-Delayed: true. SIGINT or SIGTERM stops accepting
connections and lets in-flight requests finish within -shutdown-timeout.`

var serveExamples = []string{
	"{name} serve",
	"{name} serve -engine nethttp -client goredis -addr 127.0.0.1:8080",
	"{name} serve -redis redis://:secret@redis:6379/1 -key greeting -log-format json",
	"IOBENCH_DELAY_RATIO=0 {name} serve -cache-ttl 0",
}

// newServeFlags defines the flags of iobench serve with their defaults.
func newServeFlags() (*flag.FlagSet, *serveOptions) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	o := &serveOptions{}
	o.engine = addFlag(fs, "engine", server.EngineFastHTTP, parseChoice(server.Engines...), formatString,
		"HTTP `engine`: fasthttp or nethttp (net/http, the baseline)")
	o.client = addFlag(fs, "client", clientRueidis, parseChoice(clientRueidis, clientGoRedis), formatString,
		"Redis `client`: rueidis (client-side cache, auto-pipelining) or goredis (go-redis, the baseline)")
	o.addr = addFlag(fs, "addr", ":8000", parseAddr, formatString,
		"listen address, `host:port`; port 0 picks a free port")
	o.redisURL = addRedisURLFlag(fs, "redis", "redis://127.0.0.1:6379/0",
		"Redis server, `URL` redis://[user:password@]host:port/db")
	o.key = addFlag(fs, "key", "test", parseNonEmpty, formatString,
		"Redis `key` whose value GET /test returns")
	o.cacheTTL = addFlag(fs, "cache-ttl", time.Minute, parseDuration(true), formatDuration,
		"client-side cache TTL, a `duration`; 0 disables the cache (rueidis only)")
	o.redisTimeout = addFlag(fs, "redis-timeout", time.Second, parseDuration(false), formatDuration,
		"time limit of each Redis read, a `duration`; past it the request gets 503")
	o.delay = addFlag(fs, "delay", 3*time.Second, parseDuration(true), formatDuration,
		"extra wait of a delayed request, a `duration`; 0 disables the delay")
	o.delayRatio = addFlag(fs, "delay-ratio", 0.05, parseRatio, formatRatio,
		"probability that a request is delayed, a `ratio` from 0 to 1")
	o.delaySeed = addFlag(fs, "delay-seed", 0, parseSeed, formatInt,
		"`seed` that makes the delayed requests reproducible; 0 draws a random seed, logged at start")
	o.redisWait = addFlag(fs, "redis-wait", 10*time.Second, parseDuration(true), formatDuration,
		"how long to retry connecting to Redis at start, a `duration`; 0 tries once")
	o.shutdownTimeout = addFlag(fs, "shutdown-timeout", 10*time.Second, parseDuration(true), formatDuration,
		"time left to in-flight requests after SIGINT or SIGTERM, a `duration`")
	o.logFormat = addFlag(fs, "log-format", "text", parseChoice("text", "json"), formatString,
		"log `format` on stderr: text or json")
	return fs, o
}

// runServe parses the flags of iobench serve and serves until ctx ends.
func runServe(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) error {
	fs, o := newServeFlags()
	o.prog = prog
	fs.SetOutput(stdout)
	fs.Usage = func() {
		printCommandUsage(fs.Output(), prog, fs, true, serveAbout, serveExamples)
	}
	if err := cliflag.Parse(fs, args, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(prog, "serve", err)
	}

	logger := newLogger(*o.logFormat, stderr)
	client, err := connectRedis(ctx, logger, o)
	if errors.Is(err, errStoppedBeforeRedis) {
		return nil
	}
	if err != nil {
		return err
	}
	defer client.Close()

	srv, err := server.New(server.Config{
		Engine:       *o.engine,
		Client:       client,
		Key:          *o.key,
		RedisTimeout: *o.redisTimeout,
		Delay:        *o.delay,
		DelayRatio:   *o.delayRatio,
		DelaySeed:    *o.delaySeed,
		Logger:       logger,
	})
	if err != nil {
		return fmt.Errorf("configure the server: %w", err)
	}
	ln, err := net.Listen("tcp", *o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w: pick a free port with -addr", *o.addr, err)
	}
	logStart(logger, o, ln.Addr(), srv, client)
	return serveUntilDone(ctx, logger, srv, ln, *o.shutdownTimeout)
}

// newLogger returns a slog logger on w in format text or json.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// serveUntilDone serves on ln until ctx ends, then shuts srv down, leaving
// in-flight requests up to timeout to finish.
func serveUntilDone(ctx context.Context, logger *slog.Logger, srv server.Server, ln net.Listener,
	timeout time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down", "reason", context.Cause(ctx), durationAttr("timeout", timeout))
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		logger.Error("stopped with errors", durationAttr("took", time.Since(start)), "err", err)
		return err
	}
	logger.Info("stopped", durationAttr("took", time.Since(start)))
	return nil
}
