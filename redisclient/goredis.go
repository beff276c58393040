package redisclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// GoRedisOptions configures NewGoRedis. A zero field keeps go-redis'
// default, stated for go-redis v9.23.0.
type GoRedisOptions struct {
	// DialTimeout bounds each connection attempt. Default: 5 s.
	DialTimeout time.Duration
	// ReadTimeout bounds each socket read. Default: 5 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds each socket write. Default: ReadTimeout.
	WriteTimeout time.Duration
	// PoolSize is the base number of connections. Default: 10 per GOMAXPROCS.
	PoolSize int
}

// connectTimeout bounds the PING that NewGoRedis sends when DialTimeout is 0.
const connectTimeout = 5 * time.Second

// GoRedis is a Client on github.com/redis/go-redis/v9 with a connection
// pool and no client-side caching: the baseline for Rueidis.
type GoRedis struct {
	client *redis.Client
}

var _ Client = (*GoRedis)(nil)

// silenceGoRedis replaces go-redis' package-level logger once.
var silenceGoRedis sync.Once

// discardLogger drops go-redis' log lines.
type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// SilenceGoRedisLogger replaces go-redis' package-level logger, for the
// whole process, with one that drops every line. Callers that use go-redis
// directly call it so that failed pool dials do not print to stderr; their
// commands still return those errors.
func SilenceGoRedisLogger() {
	silenceGoRedis.Do(func() { redis.SetLogger(discardLogger{}) })
}

// NewGoRedis parses url, connects to Redis and sends PING, so that it fails
// fast when Redis is unreachable, like NewRueidis. The PING is bounded by
// opts.DialTimeout, or 5 s when it is 0. Get and Ping honour their
// context's deadline.
//
// NewGoRedis silences go-redis' package-level logger for the whole process,
// because go-redis would otherwise print each failed pool dial to stderr,
// bypassing the caller's logger. Get and Ping return those errors instead.
func NewGoRedis(url string, opts GoRedisOptions) (*GoRedis, error) {
	SilenceGoRedisLogger()
	if err := checkURL(url); err != nil {
		return nil, err
	}
	options, err := redis.ParseURL(url)
	if err != nil {
		return nil, wrapParseError(url, err)
	}
	if opts.DialTimeout > 0 {
		options.DialTimeout = opts.DialTimeout
	}
	if opts.ReadTimeout > 0 {
		options.ReadTimeout = opts.ReadTimeout
	}
	if opts.WriteTimeout > 0 {
		options.WriteTimeout = opts.WriteTimeout
	}
	if opts.PoolSize > 0 {
		options.PoolSize = opts.PoolSize
	}
	// Without this, go-redis ignores the context deadline on socket reads
	// and waits for ReadTimeout instead.
	options.ContextTimeoutEnabled = true

	c := &GoRedis{client: redis.NewClient(options)}
	timeout := connectTimeout
	if opts.DialTimeout > 0 {
		timeout = opts.DialTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := c.client.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, &ConnectError{URL: redactURL(url), Err: err}
	}
	return c, nil
}

// Get returns the value of key.
func (c *GoRedis) Get(ctx context.Context, key string) (string, error) {
	value, err := c.client.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("get key %q: %w", key, err)
	}
	return value, nil
}

// Ping sends PING to Redis.
func (c *GoRedis) Ping(ctx context.Context) error {
	if err := c.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping Redis: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (c *GoRedis) Close() {
	// The Client interface's Close returns no error. go-redis reports one
	// from closing the pool, such as a second Close, and nothing is left
	// to release after it.
	_ = c.client.Close()
}
