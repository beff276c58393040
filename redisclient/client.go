// Package redisclient reads the single value the iobench service serves.
//
// Client is the small interface the HTTP layer needs from Redis. Two
// implementations exist: one on github.com/redis/rueidis with client-side
// caching and auto-pipelining, and one on github.com/redis/go-redis/v9, the
// baseline a typical Go service would use.
package redisclient

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Client.Get when the key does not exist.
var ErrNotFound = errors.New("redisclient: key not found")

// Client reads one key from Redis.
//
// Implementations are safe for concurrent use.
type Client interface {
	// Get returns the string value of key. It returns ErrNotFound when the
	// key does not exist, and a wrapped error when Redis fails or ctx ends
	// first.
	Get(ctx context.Context, key string) (string, error)

	// Ping sends PING and returns an error when Redis does not reply.
	Ping(ctx context.Context) error

	// Close releases the connections. The Client must not be used after.
	Close()
}
