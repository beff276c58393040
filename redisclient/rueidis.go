package redisclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/rueidis"
)

// ringScale is the RingScaleEachConn of every rueidis client: 2^8 slots,
// the smallest size rueidis recommends.
const ringScale = 8

// RueidisOptions configures NewRueidis. The zero value uses rueidis'
// defaults and no client-side caching.
type RueidisOptions struct {
	// CacheTTL is how long a value read by Get stays in the client-side
	// cache at most. Redis invalidates it earlier when the key changes.
	// Default (0): no client-side caching, every Get goes to Redis.
	CacheTTL time.Duration

	// DialTimeout bounds each connection attempt. Default (0): rueidis'
	// default, 5 s in rueidis v1.0.80.
	DialTimeout time.Duration

	// CacheSizeEachConn is the client-side cache size of each connection in
	// bytes. Default (0): rueidis' default, 128 MiB in rueidis v1.0.80.
	CacheSizeEachConn int

	// BufferSizeEachConn is the size in bytes of both the read and the write
	// buffer of each connection. Default (0): rueidis' default, 0.5 MiB in
	// rueidis v1.0.80.
	BufferSizeEachConn int
}

// Rueidis is a Client on github.com/redis/rueidis. Concurrent calls share
// connections through auto-pipelining, and with a CacheTTL Get reads from
// a client-side cache that Redis invalidates through CLIENT TRACKING.
type Rueidis struct {
	client   rueidis.Client
	cacheTTL time.Duration // 0 when caching is off
}

var _ Client = (*Rueidis)(nil)

// NewRueidis parses url and connects to Redis; it fails when Redis is
// unreachable. With opts.CacheTTL > 0 and a server without RESP3 or CLIENT
// TRACKING (rueidis.ErrNoCache), it connects again without client-side
// caching, and CacheEnabled returns false. It does not log that fallback,
// so the caller should.
func NewRueidis(url string, opts RueidisOptions) (*Rueidis, error) {
	if opts.CacheTTL < 0 {
		return nil, fmt.Errorf("invalid cache TTL %v: use 0 to disable caching or a positive duration", opts.CacheTTL)
	}
	if err := checkURL(url); err != nil {
		return nil, err
	}
	option, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, wrapParseError(url, err)
	}
	if opts.DialTimeout > 0 {
		option.Dialer.Timeout = opts.DialTimeout
	}
	option.CacheSizeEachConn = opts.CacheSizeEachConn
	option.ReadBufferEachConn = opts.BufferSizeEachConn
	option.WriteBufferEachConn = opts.BufferSizeEachConn
	option.ForceSingleClient = len(option.InitAddress) == 1
	// Each connection keeps a ring of 2^RingScaleEachConn command slots,
	// built in full when it connects: at 2^10 (rueidis' default) the ring
	// of one connection takes about 330 KB. 2^8 takes about 85 KB, and
	// only auto-pipelining more than 256 commands at once on one
	// connection waits for a free slot.
	option.RingScaleEachConn = ringScale
	if opts.CacheTTL == 0 {
		option.DisableCache = true
	}

	client, err := rueidis.NewClient(option)
	if errors.Is(err, rueidis.ErrNoCache) {
		option.DisableCache = true
		client, err = rueidis.NewClient(option)
	}
	if err != nil {
		return nil, &ConnectError{URL: redactURL(url), Err: err}
	}

	c := &Rueidis{client: client}
	if !option.DisableCache {
		c.cacheTTL = opts.CacheTTL
	}
	return c, nil
}

// CacheEnabled reports whether Get reads through the client-side cache. It
// is false when CacheTTL was 0 or the server lacked client-side caching.
func (c *Rueidis) CacheEnabled() bool {
	return c.cacheTTL > 0
}

// Get returns the value of key, from the client-side cache when enabled.
// The returned string shares memory with the cached reply, which is never
// modified, so it is safe to keep.
func (c *Rueidis) Get(ctx context.Context, key string) (string, error) {
	// A command returns to rueidis' pool after Do or DoCache, so each call
	// builds its own.
	var result rueidis.RedisResult
	if c.cacheTTL > 0 {
		result = c.client.DoCache(ctx, c.client.B().Get().Key(key).Cache(), c.cacheTTL)
	} else {
		result = c.client.Do(ctx, c.client.B().Get().Key(key).Build())
	}

	value, err := result.ToString()
	if err != nil {
		if rueidis.IsRedisNil(err) {
			return "", ErrNotFound
		}
		return "", fmt.Errorf("get key %q: %w", key, err)
	}
	return value, nil
}

// Ping sends PING to Redis.
func (c *Rueidis) Ping(ctx context.Context) error {
	if err := c.client.Do(ctx, c.client.B().Ping().Build()).Error(); err != nil {
		return fmt.Errorf("ping Redis: %w", err)
	}
	return nil
}

// Close closes the connections.
func (c *Rueidis) Close() {
	c.client.Close()
}
