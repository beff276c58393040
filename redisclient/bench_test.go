package redisclient

import (
	"context"
	"testing"

	"github.com/iobench/iobench/internal/redistest"
)

// BenchmarkGet measures one Get at a time against a real redis-server. With
// client=rueidis-cache every call after the first is a client-side cache hit.
func BenchmarkGet(b *testing.B) {
	benchmarkClients(b, func(b *testing.B, c Client) {
		for b.Loop() {
			if _, err := c.Get(context.Background(), "test"); err != nil {
				b.Fatalf("Get: %v", err)
			}
		}
	})
}

// BenchmarkGetParallel measures concurrent Gets, which rueidis sends
// through auto-pipelining and go-redis through its connection pool.
func BenchmarkGetParallel(b *testing.B) {
	benchmarkClients(b, func(b *testing.B, c Client) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Get(context.Background(), "test"); err != nil {
					b.Errorf("Get: %v", err)
					return
				}
			}
		})
	})
}

// benchmarkClients runs body as one sub-benchmark per client against a
// redis-server holding the key "test". Each client reads the key once
// before the timer starts, so the cache is warm.
func benchmarkClients(b *testing.B, body func(b *testing.B, c Client)) {
	srv := redistest.Start(b)
	redistest.Set(b, srv, "test", "hello world")

	for _, tc := range clientCases() {
		b.Run("client="+tc.name, func(b *testing.B) {
			c := tc.open(b, srv.URL())
			if _, err := c.Get(context.Background(), "test"); err != nil {
				b.Fatalf("Get: %v", err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			body(b, c)
		})
	}
}
