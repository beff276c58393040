package main

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/internal/redistest"
	"github.com/iobench/iobench/redisclient"
	"github.com/iobench/iobench/server"
)

// Client names in the benchmark names.
const (
	clientNone         = "none"
	clientRueidisCache = "rueidis-cache"
	clientRueidis      = "rueidis"
	clientGoRedis      = "goredis"
)

// benchKey and benchValue are the key the servers read and its 10-byte
// value, the size of the values the iobench workload serves.
const (
	benchKey   = "test"
	benchValue = "iobench-42"
)

// pathCases are the engine and client pairs of BenchmarkTest, each engine's
// floor first, then the contender and its baselines.
var pathCases = []struct{ engine, client string }{
	{server.EngineFastHTTP, clientNone},
	{server.EngineFastHTTP, clientRueidisCache},
	{server.EngineFastHTTP, clientRueidis},
	{server.EngineFastHTTP, clientGoRedis},
	{server.EngineNetHTTP, clientNone},
	{server.EngineNetHTTP, clientGoRedis},
	{server.EngineNetHTTP, clientRueidisCache},
}

// forEachPathCase runs body as one sub-benchmark per path case, named
// engine=E/client=C, against a server on a loopback port. The server and
// its Redis client are built for each run and closed after it.
func forEachPathCase(b *testing.B, body func(b *testing.B, t *target)) {
	srv := startRedis(b)
	for _, pc := range pathCases {
		b.Run("engine="+pc.engine+"/client="+pc.client, func(b *testing.B) {
			t := startTCP(b, srv, pc.engine, pc.client)
			b.ReportAllocs()
			b.ResetTimer()
			body(b, t)
		})
	}
}

// startRedis starts a redis-server holding benchKey, or skips where
// redis-server is not installed.
func startRedis(tb testing.TB) *redisserver.Server {
	tb.Helper()
	srv := redistest.Start(tb)
	redistest.Set(tb, srv, benchKey, benchValue)
	return srv
}

// startTCP starts engine with client on a free loopback port and returns a
// target with a keep-alive client for it.
func startTCP(tb testing.TB, srv *redisserver.Server, engine, client string) *target {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen on 127.0.0.1:0: %v", err)
	}
	serve(tb, engine, openClient(tb, srv, client), ln)
	hc := &fasthttp.HostClient{Addr: ln.Addr().String()}
	tb.Cleanup(hc.CloseIdleConnections)
	return &target{client: hc, url: "http://" + ln.Addr().String() + "/test", want: []byte(benchValue)}
}

// openClient opens the Redis client named client against srv and closes
// it at the end of the test. clientNone opens no connection at all.
func openClient(tb testing.TB, srv *redisserver.Server, client string) redisclient.Client {
	tb.Helper()
	var c redisclient.Client
	var err error
	switch client {
	case clientNone:
		return floorClient{}
	case clientRueidisCache:
		var r *redisclient.Rueidis
		r, err = redisclient.NewRueidis(srv.URL(), redisclient.RueidisOptions{CacheTTL: time.Minute})
		if err == nil && !r.CacheEnabled() {
			r.Close()
			tb.Fatalf("rueidis against %s: client-side caching unavailable", srv.Addr())
		}
		c = r
	case clientRueidis:
		c, err = redisclient.NewRueidis(srv.URL(), redisclient.RueidisOptions{})
	case clientGoRedis:
		c, err = redisclient.NewGoRedis(srv.URL(), redisclient.GoRedisOptions{})
	default:
		tb.Fatalf("unknown client %q", client)
	}
	if err != nil {
		tb.Fatalf("open %s client for %s: %v", client, srv.URL(), err)
	}
	tb.Cleanup(c.Close)
	return c
}

// serve builds a server for engine and client with the delay off, serves
// it on ln, and shuts it down at the end of the test.
func serve(tb testing.TB, engine string, client redisclient.Client, ln net.Listener) {
	tb.Helper()
	s, err := server.New(server.Config{Engine: engine, Client: client, Key: benchKey})
	if err != nil {
		tb.Fatalf("server.New(engine %s): %v", engine, err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := errors.Join(s.Shutdown(ctx), <-served)
		if err != nil {
			tb.Errorf("stop %s server on %s: %v", engine, ln.Addr(), err)
		}
	})
}

// floorClient is the redisclient.Client of the no-Redis floor: Get returns
// benchValue without any IO, so a server built on it measures the HTTP
// engine and the iobench routes alone.
type floorClient struct{}

func (floorClient) Get(context.Context, string) (string, error) { return benchValue, nil }

func (floorClient) Ping(context.Context) error { return nil }

func (floorClient) Close() {}

// TestBenchmarkSetups runs the setup of every benchmark once and checks the
// response, so a broken benchmark fails the tests and not only -bench runs.
func TestBenchmarkSetups(t *testing.T) {
	srv := startRedis(t)
	for _, pc := range pathCases {
		t.Run("engine="+pc.engine+"/client="+pc.client, func(t *testing.T) {
			tgt := startTCP(t, srv, pc.engine, pc.client)
			req, resp := tgt.newRequest()
			for range 3 {
				if err := tgt.do(req, resp); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	for _, client := range []string{clientNone, clientRueidisCache} {
		t.Run("in-memory/client="+client, func(t *testing.T) {
			tgt := startInMemory(t, srv, client)
			req, resp := tgt.newRequest()
			if err := tgt.do(req, resp); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDelayBenchmarkCounts checks that the writer of BenchmarkDelay counts
// the delayed responses, so its "no request delayed" check can fail.
func TestDelayBenchmarkCounts(t *testing.T) {
	for _, tc := range []struct {
		ratio       float64
		wantDelayed int
	}{
		{0, 0},
		{1e-15, 0},
		{1, 100},
	} {
		h, w := newDelayedHandler(t, tc.ratio)
		for range 100 {
			h(context.Background(), w)
		}
		if w.responses != 100 {
			t.Errorf("ratio %v: %d responses, want 100", tc.ratio, w.responses)
		}
		if w.delayed != tc.wantDelayed {
			t.Errorf("ratio %v: %d delayed, want %d", tc.ratio, w.delayed, tc.wantDelayed)
		}
	}
}
