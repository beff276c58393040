package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/server"
)

// The benchmarks of the request path. Each sub-benchmark name carries its
// parameters, and the baselines sit beside the contenders:
//
//	engine=fasthttp|nethttp  the HTTP engine of package server
//	client=none              the no-Redis floor: a redisclient.Client that
//	                         returns a constant without IO (floorClient)
//	client=rueidis-cache     rueidis with client-side caching (every read
//	                         after the first is a cache hit)
//	client=rueidis           rueidis, every read goes to Redis
//	client=goredis           go-redis, every read goes to Redis
//
// Redis is a real redis-server on a free loopback port, and the delay is
// off. The Get benchmarks of each client alone are in
// redisclient/bench_test.go.

// BenchmarkTest measures GET /test end to end over loopback TCP, one
// request at a time, through a keep-alive fasthttp.HostClient. allocs/op
// counts the HTTP client, the server and the Redis client together.
func BenchmarkTest(b *testing.B) {
	forEachPathCase(b, func(b *testing.B, t *target) {
		req, resp := t.newRequest()
		for b.Loop() {
			if err := t.do(req, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTestParallel is BenchmarkTest with parallelism goroutines per
// GOMAXPROCS sending requests at once, so the server handles several
// connections and rueidis pipelines concurrent reads.
func BenchmarkTestParallel(b *testing.B) {
	forEachPathCase(b, func(b *testing.B, t *target) {
		b.SetParallelism(parallelism)
		b.RunParallel(func(pb *testing.PB) {
			req, resp := t.newRequest()
			for pb.Next() {
				if err := t.do(req, resp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// parallelism is the number of client goroutines per GOMAXPROCS in
// BenchmarkTestParallel.
const parallelism = 4

// BenchmarkHandler measures the fasthttp engine through an in-memory
// listener (fasthttputil), so no socket IO is counted. The fasthttp client
// and server allocate nothing per keep-alive request, so allocs/op is what
// the iobench handler allocates. Run it with -memprofile to see where.
func BenchmarkHandler(b *testing.B) {
	srv := startRedis(b)
	for _, client := range []string{clientNone, clientRueidisCache} {
		b.Run("engine=fasthttp/client="+client, func(b *testing.B) {
			t := startInMemory(b, srv, client)
			req, resp := t.newRequest()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := t.do(req, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDelay measures what the delay middleware adds to a request it
// does not delay. With middleware=off the ratio is 0, so server.Delay
// returns the handler unchanged. With middleware=on every request takes a
// draw at a ratio so small (1e-15) that no request of the run is delayed,
// so the difference is the cost of the draw and one more call.
func BenchmarkDelay(b *testing.B) {
	for _, tc := range []struct {
		name  string
		ratio float64
	}{
		{"middleware=off", 0},
		{"middleware=on", 1e-15},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, w := newDelayedHandler(b, tc.ratio)
			b.ReportAllocs()
			for b.Loop() {
				h(context.Background(), w)
			}
			if w.delayed > 0 {
				b.Fatalf("%d of %d requests delayed: want none", w.delayed, b.N)
			}
		})
	}
}

// newDelayedHandler returns a handler that writes 200 "ok" behind the delay
// middleware at ratio, and the writer to pass it. A delayed request would
// wait 1 ns, so an unlucky draw cannot stall the benchmark.
func newDelayedHandler(tb testing.TB, ratio float64) (server.Handler, *countingWriter) {
	tb.Helper()
	d, err := server.NewDelayer(time.Nanosecond, ratio, 1)
	if err != nil {
		tb.Fatalf("NewDelayer(1ns, %v, 1): %v", ratio, err)
	}
	next := func(_ context.Context, w server.ResponseWriter) { w.Text(200, "ok") }
	return server.Delay(d)(next), &countingWriter{}
}

// countingWriter is a server.ResponseWriter that counts the responses and
// the delayed ones, and keeps nothing else.
type countingWriter struct {
	responses, delayed int
}

func (w *countingWriter) SetHeader(name, _ string) {
	if name == "X-Delayed" {
		w.delayed++
	}
}

func (w *countingWriter) Text(int, string) { w.responses++ }

// target is a server under test and a keep-alive HTTP client for it.
type target struct {
	client *fasthttp.HostClient
	url    string // http://ADDR/test
	want   []byte // the body a 200 response must carry
}

// newRequest returns a GET /test request and a response to reuse.
func (t *target) newRequest() (*fasthttp.Request, *fasthttp.Response) {
	req, resp := &fasthttp.Request{}, &fasthttp.Response{}
	req.SetRequestURI(t.url)
	return req, resp
}

// do sends req and checks the response is 200 with the expected body.
func (t *target) do(req *fasthttp.Request, resp *fasthttp.Response) error {
	if err := t.client.DoTimeout(req, resp, requestTimeout); err != nil {
		return fmt.Errorf("GET %s: %w", t.url, err)
	}
	if resp.StatusCode() != 200 || !bytes.Equal(resp.Body(), t.want) {
		return fmt.Errorf("GET %s: got %d %q, want 200 %q", t.url, resp.StatusCode(), resp.Body(), t.want)
	}
	return nil
}

// requestTimeout bounds each benchmark request, generously for a loaded
// machine, so a stuck server fails the benchmark instead of hanging it.
const requestTimeout = 10 * time.Second

// startInMemory starts the fasthttp engine with client on an in-memory
// listener and returns a target whose client dials it.
func startInMemory(tb testing.TB, srv *redisserver.Server, client string) *target {
	tb.Helper()
	ln := fasthttputil.NewInmemoryListener()
	serve(tb, server.EngineFastHTTP, openClient(tb, srv, client), ln)
	return &target{
		client: &fasthttp.HostClient{Addr: "iobench.test", Dial: func(string) (net.Conn, error) { return ln.Dial() }},
		url:    "http://iobench.test/test",
		want:   []byte(benchValue),
	}
}
