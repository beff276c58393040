package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/iobench/iobench/redisclient"
	"github.com/iobench/iobench/server"
)

// Backoff between attempts to reach Redis at start.
const (
	firstRetryWait = 100 * time.Millisecond
	maxRetryWait   = 2 * time.Second
)

// errStoppedBeforeRedis is returned by connectRedis when ctx ends while it
// waits for Redis: serve then exits 0, as after any requested stop.
var errStoppedBeforeRedis = errors.New("stopped before Redis was reachable")

// connectRedis builds the -client client and checks it with a PING,
// retrying with exponential backoff for up to -redis-wait, and logs each
// failed attempt. A rejected login or a missing permission fails at once,
// because retrying cannot fix it. When ctx ends first, it logs that and
// returns errStoppedBeforeRedis.
func connectRedis(ctx context.Context, logger *slog.Logger, o *serveOptions) (redisclient.Client, error) {
	addr := redisAddr(*o.redisURL)
	deadline := time.Now().Add(*o.redisWait)
	wait := firstRetryWait
	for attempt := 1; ; attempt++ {
		client, err := dialRedis(ctx, o)
		if err == nil {
			if attempt > 1 {
				logger.Info("connected to Redis", "addr", addr, "attempt", attempt)
			}
			return client, nil
		}
		if ctx.Err() != nil {
			return nil, stoppedBeforeRedis(ctx, logger, addr, attempt)
		}
		if errors.Is(err, redisclient.ErrInvalidURL) {
			return nil, usageError(o.prog, "serve", fmt.Errorf("invalid -redis: %w", err))
		}
		// The messages below name the address themselves.
		var connectErr *redisclient.ConnectError
		if errors.As(err, &connectErr) {
			err = connectErr.Err
		}
		if code := credentialsError(err); code != "" {
			return nil, fmt.Errorf("connect to Redis at %s: %w; Redis rejected the login (%s): "+
				"check the user and password in -redis (IOBENCH_REDIS), redis://user:password@host:port/db, "+
				"and that the user may run PING and GET", addr, err, code)
		}

		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("connect to Redis at %s: gave up after %s in %v: %w; "+
				"start Redis there, point -redis (IOBENCH_REDIS) at a running server, "+
				"or wait longer with -redis-wait", addr, plural(attempt, "attempt"), *o.redisWait, err)
		}
		wait = min(wait, left)
		logger.Warn("Redis not reachable, retrying", "addr", addr, "attempt", attempt,
			durationAttr("retry_in", wait), "err", err)
		select {
		case <-ctx.Done():
			return nil, stoppedBeforeRedis(ctx, logger, addr, attempt)
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// stoppedBeforeRedis logs that serve stopped, by signal, while it waited
// for Redis, and returns errStoppedBeforeRedis.
func stoppedBeforeRedis(ctx context.Context, logger *slog.Logger, addr string, attempts int) error {
	logger.Info("stopped before Redis was reachable", "addr", addr, "attempts", attempts,
		"reason", context.Cause(ctx))
	return errStoppedBeforeRedis
}

// credentialsError returns the Redis error code when err is Redis
// rejecting the login or a command for lack of permission (WRONGPASS,
// NOAUTH or NOPERM), and "" otherwise. Redis starts each error message
// with its code in capitals, and both clients keep that text.
func credentialsError(err error) string {
	msg := err.Error()
	for _, code := range []string{"WRONGPASS", "NOAUTH", "NOPERM"} {
		if strings.Contains(msg, code+" ") {
			return code
		}
	}
	return ""
}

// plural returns n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// dialRedis builds the -client client and checks it with one PING.
func dialRedis(ctx context.Context, o *serveOptions) (redisclient.Client, error) {
	var client redisclient.Client
	switch *o.client {
	case clientGoRedis:
		c, err := redisclient.NewGoRedis(*o.redisURL, redisclient.GoRedisOptions{
			DialTimeout: *o.redisTimeout,
		})
		if err != nil {
			return nil, err
		}
		client = c
	default:
		c, err := redisclient.NewRueidis(*o.redisURL, redisclient.RueidisOptions{
			CacheTTL:    *o.cacheTTL,
			DialTimeout: *o.redisTimeout,
		})
		if err != nil {
			return nil, err
		}
		client = c
	}

	pctx, cancel := context.WithTimeout(ctx, *o.redisTimeout)
	defer cancel()
	if err := client.Ping(pctx); err != nil {
		client.Close()
		return nil, err
	}
	return client, nil
}

// redisAddr returns the host:port of a checked Redis URL, with Redis' default
// port when the URL has none. It never includes the password.
func redisAddr(rawURL string) string {
	u, err := parseRedisURL(rawURL)
	if err != nil {
		return "?"
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "6379")
	}
	return u.Host
}

// durationAttr returns a log attribute with d as Go duration text, such as
// 1m0s, which the JSON handler would otherwise write in nanoseconds.
func durationAttr(key string, d time.Duration) slog.Attr {
	return slog.String(key, d.String())
}

// logStart logs the settings the server runs with, and warns when the
// client-side cache was requested but the server lacks it.
func logStart(logger *slog.Logger, o *serveOptions, addr net.Addr, srv server.Server,
	client redisclient.Client) {
	cache := false
	if c, ok := client.(*redisclient.Rueidis); ok {
		cache = c.CacheEnabled()
		if *o.cacheTTL > 0 && !cache {
			logger.Warn("client-side caching unavailable: the Redis server lacks RESP3 or CLIENT TRACKING; "+
				"every request reads from Redis", "redis", redisAddr(*o.redisURL),
				durationAttr("cache_ttl", *o.cacheTTL))
		}
	}
	cacheTTL := time.Duration(0)
	if cache {
		cacheTTL = *o.cacheTTL
	}
	logger.Info("iobench serve started",
		"addr", addr.String(),
		"engine", srv.Engine(),
		"client", *o.client,
		"redis", redisAddr(*o.redisURL),
		"key", *o.key,
		"cache", cache,
		durationAttr("cache_ttl", cacheTTL),
		durationAttr("redis_timeout", *o.redisTimeout),
		durationAttr("delay", *o.delay),
		"delay_ratio", *o.delayRatio,
		"delay_seed", srv.DelaySeed(),
	)
}
