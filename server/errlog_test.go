package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iobench/iobench/internal/redistest"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the logged lines whose msg is msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if entry["msg"] == msg {
			out = append(out, entry)
		}
	}
	return out
}

func newLogBuffer() (*logBuffer, *slog.Logger) {
	b := &logBuffer{}
	return b, slog.New(slog.NewJSONHandler(b, nil))
}

func TestWrongTypeGives500(t *testing.T) {
	redis := redistest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	defer cancel()
	if _, err := redis.Do(ctx, "RPUSH", "list", "a"); err != nil {
		t.Fatalf("RPUSH list a: %v", err)
	}
	for _, engine := range Engines {
		for _, cc := range clientCases() {
			t.Run(engine+"/"+cc.name, func(t *testing.T) {
				srv := start(t, Config{Engine: engine, Client: cc.open(t, redis.URL()), Key: "list"})
				got := srv.get(t, "/test")
				wantText(t, "GET /test of a list key", got, 500,
					`key "list" holds a non-string value in Redis: GET /test serves a string key`+"\n")
				wantText(t, "GET /healthz", srv.get(t, "/healthz"), 200, "ok\n")
			})
		}
	}
}

// TestSuppressedCountLoggedAtStop makes requests fail, usually faster than
// one log line a second, then checks that the log accounts for every error
// once Shutdown has logged how many it held back.
func TestSuppressedCountLoggedAtStop(t *testing.T) {
	const requests = 5
	redis := redistest.Start(t)
	redistest.Set(t, redis, testKey, "v1")
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			logs, logger := newLogBuffer()
			srv := start(t, Config{
				Engine: engine, Client: openRueidis(t, redis.URL(), 0), Key: "list", Logger: logger,
			})
			ctx, cancel := context.WithTimeout(context.Background(), eventually)
			defer cancel()
			if _, err := redis.Do(ctx, "RPUSH", "list", "a"); err != nil {
				t.Fatalf("RPUSH list a: %v", err)
			}
			for range requests {
				srv.get(t, "/test")
			}
			if err := shutdown(srv.Server); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}

			// Every error is logged, or counted in the next logged line,
			// or counted in the line at stop.
			logged := logs.lines(t, "redis request failed")
			total := float64(len(logged))
			for _, line := range logged {
				total += line["suppressed_since_last"].(float64)
			}
			for _, line := range logs.lines(t, "redis errors not logged since the last one") {
				total += line["count"].(float64)
			}
			if total != requests {
				t.Errorf("%v errors accounted for in the log (%d lines), want %d", total, len(logged), requests)
			}
		})
	}
}

// TestEngineLogLimitsClientBytes sends malformed requests that carry long
// runs of client bytes, and checks the engine's log lines are rate-limited
// and keep at most maxLoggedMessage bytes of each message.
func TestEngineLogLimitsClientBytes(t *testing.T) {
	const requests = 10
	redis := redistest.Start(t)
	logs, logger := newLogBuffer()
	srv := start(t, Config{
		Engine: EngineFastHTTP, Client: openRueidis(t, redis.URL(), 0), Key: testKey, Logger: logger,
	})
	junk := strings.Repeat("Z", 2000)
	start := time.Now()
	for range requests {
		if got := srv.rawHead(t, "GET /test HTTP/1.1\r\n"+junk+"\r\n\r\n"); got.status != 400 {
			t.Errorf("request with a malformed header: status %d, want 400", got.status)
		}
	}
	// fasthttp logs once it has closed the connection, after the reply.
	var lines []map[string]any
	for deadline := time.Now().Add(eventually); len(lines) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		lines = logs.lines(t, "connection error")
	}
	took := time.Since(start)
	if len(lines) == 0 {
		t.Fatalf("no connection error logged for %d malformed requests", requests)
	}
	t.Logf("first line: %v", lines[0])
	if maxLines := int(took/time.Second) + 1; len(lines) > maxLines {
		t.Errorf("%d connection errors logged in %v, want at most %d (one a second)", len(lines), took, maxLines)
	}
	for _, line := range lines {
		if msg, _ := line["err"].(string); len(msg) > maxLoggedMessage+len("...") {
			t.Errorf("logged message of %d bytes, want at most %d: %q", len(msg), maxLoggedMessage, msg)
		}
	}
}

// TestNetHTTPErrorLogLimited writes net/http ErrorLog lines through the
// engine logger the nethttp engine installs.
func TestNetHTTPErrorLogLimited(t *testing.T) {
	logs, logger := newLogBuffer()
	r := &routes{logger: logger}
	errorLog := log.New(engineLogger{EngineNetHTTP, r}, "", 0)
	start := time.Now()
	for range 5 {
		errorLog.Printf("http: bad thing from %s", strings.Repeat("Z", 1000))
	}
	took := time.Since(start)
	lines := logs.lines(t, "connection error")
	if maxLines := int(took/time.Second) + 1; len(lines) == 0 || len(lines) > maxLines {
		t.Errorf("%d lines logged for 5 errors in %v, want 1 to %d", len(lines), took, maxLines)
	}
	if msg, _ := lines[0]["err"].(string); !strings.HasPrefix(msg, "http: bad thing from ZZZ") ||
		len(msg) > maxLoggedMessage+len("...") {
		t.Errorf("logged message %q, want the start of the ErrorLog line, at most %d bytes", msg, maxLoggedMessage)
	}
	r.logSuppressed()
	held := logs.lines(t, "connection errors not logged since the last one")
	if len(held) != 1 || int(held[0]["count"].(float64))+len(lines) != 5 {
		t.Errorf("held-back lines logged as %v, want one line that makes up 5 with the %d logged", held, len(lines))
	}
}
