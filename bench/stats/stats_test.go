package stats

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestSummarizeExactFivePercentSlow(t *testing.T) {
	// 12,000 requests, exactly 5% of them 3 s slower: p95 is the slowest
	// fast request and p99 a slow one, in every run.
	sample := make([]time.Duration, 0, 12000)
	for i := range 11400 {
		sample = append(sample, ms(1)+time.Duration(i)*time.Microsecond)
	}
	for i := range 600 {
		sample = append(sample, ms(3001)+time.Duration(i)*time.Microsecond)
	}
	// Shuffle deterministically so Summarize has to sort.
	for i := range sample {
		j := (i * 7919) % len(sample)
		sample[i], sample[j] = sample[j], sample[i]
	}

	got := Summarize(sample)
	if got.Count != 12000 {
		t.Errorf("Count = %d, want 12000", got.Count)
	}
	if want := ms(1) + 11399*time.Microsecond; got.P95 != want {
		t.Errorf("P95 = %v, want %v (the slowest fast request)", got.P95, want)
	}
	if want := ms(3001) + 479*time.Microsecond; got.P99 != want {
		t.Errorf("P99 = %v, want %v", got.P99, want)
	}
	if want := ms(1) + 5999*time.Microsecond; got.P50 != want {
		t.Errorf("P50 = %v, want %v", got.P50, want)
	}
	if want := ms(3001) + 599*time.Microsecond; got.Max != want {
		t.Errorf("Max = %v, want %v", got.Max, want)
	}
	if got.Min != ms(1) {
		t.Errorf("Min = %v, want 1ms", got.Min)
	}
}

func TestQuantileNearestRank(t *testing.T) {
	sorted := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	cases := []struct {
		q    float64
		want time.Duration
	}{
		{0, ms(1)},
		{0.1, ms(1)},
		{0.11, ms(2)},
		{0.5, ms(5)},
		{0.9, ms(9)},
		{0.95, ms(10)},
		{0.999, ms(10)},
		{1, ms(10)},
	}
	for _, c := range cases {
		if got := Quantile(sorted, c.q); got != c.want {
			t.Errorf("Quantile(1..10ms, %v) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestSummarizeEmptyAndSingle(t *testing.T) {
	if got := Summarize(nil); got != (Latency{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
	if got := Quantile(nil, 0.5); got != 0 {
		t.Errorf("Quantile(nil) = %v, want 0", got)
	}
	one := Summarize([]time.Duration{ms(7)})
	if one.P50 != ms(7) || one.P999 != ms(7) || one.Mean != ms(7) {
		t.Errorf("Summarize(7ms) = %+v, want every figure 7ms", one)
	}
}

func TestCurveMatchesQuantile(t *testing.T) {
	sorted := []time.Duration{ms(1), ms(2), ms(3), ms(4)}
	qs := []float64{0.25, 0.5, 0.75, 1}
	got := Curve(sorted, qs)
	for i, q := range qs {
		if got[i] != Quantile(sorted, q) {
			t.Errorf("Curve at %v = %v, want %v", q, got[i], Quantile(sorted, q))
		}
	}
}

func TestClassifyKnownTexts(t *testing.T) {
	cases := []struct {
		code uint16
		text string
		want string
	}{
		{0, `Get "http://127.0.0.1:1/test": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, KindTimeout},
		{0, `Get "http://127.0.0.1:1/test": dial tcp 127.0.0.1:1: connect: connection refused`, KindRefused},
		{0, `Get "http://127.0.0.1:1/test": read tcp 127.0.0.1:5->127.0.0.1:1: read: connection reset by peer`, KindReset},
		{0, `Get "http://127.0.0.1:1/test": EOF`, KindClosed},
		{0, `Get "http://127.0.0.1:1/test": dial tcp 127.0.0.1:1: socket: too many open files`, KindTooManyFiles},
		{0, `Get "http://127.0.0.1:1/test": dial tcp 127.0.0.1:1: connect: cannot assign requested address`, KindNoPorts},
		{0, `Get "http://127.0.0.1:1/test": read tcp 127.0.0.1:5->127.0.0.1:1: use of closed network connection`, KindStopped},
		{0, `Get "http://127.0.0.1:1/test": dial tcp 127.0.0.1:1: attack stopped`, KindStopped},
		{0, `something new`, KindOther},
		{503, `503 Service Unavailable`, "HTTP 503"},
		{200, ``, ""},
	}
	for _, c := range cases {
		if got, _ := Classify(c.code, c.text); got != c.want {
			t.Errorf("Classify(%d, %q) = %q, want %q", c.code, c.text, got, c.want)
		}
	}
}

// TestClassifyRealClientErrors provokes each failure with a real HTTP server
// and client, so the rules follow the texts Go really produces.
func TestClassifyRealClientErrors(t *testing.T) {
	stall := make(chan struct{})
	defer close(stall)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		case "/close", "/reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			if tcp, ok := conn.(*net.TCPConn); ok && r.URL.Path == "/reset" {
				_ = tcp.SetLinger(0) // close sends RST instead of FIN
			}
			_ = conn.Close()
		}
	}))
	defer srv.Close()

	closedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + closedLn.Addr().String() + "/"
	_ = closedLn.Close()

	client := &http.Client{Timeout: 200 * time.Millisecond}
	cases := map[string]string{
		srv.URL + "/slow":  KindTimeout,
		srv.URL + "/close": KindClosed,
		srv.URL + "/reset": KindReset,
		refusedURL:         KindRefused,
	}
	for url, want := range cases {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			t.Errorf("GET %s succeeded, want a %s error", url, want)
			continue
		}
		if got, _ := Classify(0, err.Error()); got != want {
			t.Errorf("Classify(%q) = %q, want %q", err.Error(), got, want)
		}
	}
}

func TestGrouperCountsAndOrders(t *testing.T) {
	var g Grouper
	for range 3 {
		g.Add(0, `Get "x": EOF`)
	}
	g.Add(0, `Get "x": dial tcp: connect: connection refused`)
	g.Add(503, "503 Service Unavailable")
	g.Add(503, "503 Service Unavailable")
	for range 5 {
		g.Add(200, "")
	}

	codes := g.StatusCodes()
	want := map[string]int{"0": 4, "200": 5, "503": 2}
	for code, n := range want {
		if codes[code] != n {
			t.Errorf("status %s count = %d, want %d", code, codes[code], n)
		}
	}
	if len(codes) != len(want) {
		t.Errorf("status codes = %v, want %v", codes, want)
	}

	groups := g.Groups()
	kinds := []string{KindClosed, "HTTP 503", KindRefused}
	if len(groups) != len(kinds) {
		t.Fatalf("groups = %+v, want kinds %v", groups, kinds)
	}
	for i, k := range kinds {
		if groups[i].Kind != k {
			t.Errorf("group %d kind = %q, want %q", i, groups[i].Kind, k)
		}
	}
	if groups[0].Count != 3 {
		t.Errorf("EOF group count = %d, want 3", groups[0].Count)
	}
	if groups[0].Example != `Get "x": EOF` {
		t.Errorf("EOF group example = %q", groups[0].Example)
	}
	if groups[0].Explanation == "" {
		t.Error("EOF group has no explanation")
	}
}
