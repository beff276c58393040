package peers_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iobench/iobench/bench"
	"github.com/iobench/iobench/internal/redistest"
)

// benchTarget is the part of a summary.json target entry the test reads.
type benchTarget struct {
	Name         string            `json:"name"`
	Status       string            `json:"status"`
	Reason       string            `json:"reason"`
	Requests     int               `json:"requests"`
	SuccessRatio float64           `json:"success_ratio"`
	StatusCodes  map[string]int    `json:"status_codes"`
	Versions     map[string]string `json:"versions"`
	StderrTail   []string          `json:"stderr_tail"`
}

// TestPeersUnderLoad runs the bench's peer targets at 100 requests/s for
// 3 s and checks that every request of every peer succeeded, and that the
// versions for summary.json were found. It runs the peers that can run
// here, unless IOBENCH_REQUIRE_PEERS=1 requires all of them.
func TestPeersUnderLoad(t *testing.T) {
	dir := peersDir(t)
	var names []string
	for _, p := range allPeers {
		if reason := missingPeer(t, p, dir); reason != "" {
			t.Logf("leaving out %s: %s; install with %s", p.name, reason, p.install)
			continue
		}
		names = append(names, p.name)
	}
	if len(names) == 0 {
		t.Skipf("skipping: no peer can run here; install them with sudo peers/install.sh, or set %s=1 to fail instead", requireEnv)
	}
	srv := redistest.Start(t)
	out := t.TempDir()

	args := []string{
		"-targets", strings.Join(names, ","),
		"-rate", "100", "-duration", "3s",
		"-delay", "1s", "-delay-ratio", "0.05",
		"-redis", srv.URL(), "-peers", dir, "-out", out, "-progress", "off",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log strings.Builder
	if err := bench.Main(ctx, args, &log, &log); err != nil {
		t.Fatalf("iobench bench %s: %v\n%s", strings.Join(args, " "), err, log.String())
	}

	targets := readSummary(t, filepath.Join(out, "summary.json"))
	if len(targets) != len(names) {
		t.Fatalf("summary.json has %d targets, want %d", len(targets), len(names))
	}
	wantVersions := map[string][]string{
		"django-sync":   {"django", "gunicorn", "redis-py"},
		"django-gevent": {"django", "gunicorn", "gevent", "redis-py"},
		"rust":          {"rustc", "axum", "redis"},
	}
	for _, ts := range targets {
		if ts.Status != "ok" {
			t.Errorf("%s: status %q (%s), want ok; stderr:\n%s", ts.Name, ts.Status, ts.Reason, strings.Join(ts.StderrTail, "\n"))
		}
		if ts.SuccessRatio != 1 || ts.StatusCodes["200"] != ts.Requests || ts.Requests == 0 {
			t.Errorf("%s: success %v, status codes %v of %d requests, want all 200", ts.Name, ts.SuccessRatio, ts.StatusCodes, ts.Requests)
		}
		for _, name := range wantVersions[ts.Name] {
			if v := ts.Versions[name]; v == "" || strings.HasPrefix(v, "unknown") {
				t.Errorf("%s: version of %s is %q, want a version", ts.Name, name, v)
			}
		}
	}
}

// readSummary returns the targets of a summary.json.
func readSummary(t *testing.T, path string) []benchTarget {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var summary struct {
		Targets []benchTarget `json:"targets"`
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return summary.Targets
}
