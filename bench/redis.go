package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/iobench/iobench/internal/redisserver"
	"github.com/iobench/iobench/redisclient"
)

// Redis modes, as stored in summary.json.
const (
	redisEmbedded  = "embedded redis-server"
	redisMiniredis = "embedded miniredis"
	redisExternal  = "external"
	redisNone      = "none"
)

// noCacheNote explains the miniredis fallback in the output and the report.
const noCacheNote = "redis-server is not installed, so the run uses in-process miniredis, " +
	"which has no CLIENT TRACKING: client-side caching is unavailable and the " +
	"fasthttp target reads Redis on every request (install redis-server for real figures)"

// redisBackend is the Redis every target of a run reads.
type redisBackend struct {
	URL     string
	Mode    string
	Version string
	PID     int  // 0 when the process is not a child of the harness
	Caching bool // whether CLIENT TRACKING, hence client-side caching, works
	stop    func() error
}

// Stop stops an embedded Redis; it does nothing for an external one.
func (r *redisBackend) Stop() error {
	if r == nil || r.stop == nil {
		return nil
	}
	return r.stop()
}

// startRedis connects to -redis, or starts redis-server from PATH, or
// in-process miniredis when redis-server is missing. It prints the choice to
// stderr.
func startRedis(ctx context.Context, redisURL string, stderr io.Writer) (*redisBackend, error) {
	if redisURL != "" {
		version, err := redisVersion(ctx, redisURL)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "redis: using %s (version %s)\n", redisclient.RedactURL(redisURL), version)
		return &redisBackend{URL: redisURL, Mode: redisExternal, Version: version, Caching: true}, nil
	}

	srv, err := redisserver.Start(ctx, redisserver.Options{})
	if err == nil {
		fmt.Fprintf(stderr, "redis: started redis-server %s at %s (pid %d)\n", srv.Version(), srv.Addr(), srv.PID())
		return &redisBackend{
			URL: srv.URL(), Mode: redisEmbedded, Version: srv.Version(),
			PID: srv.PID(), Caching: true, stop: srv.Stop,
		}, nil
	}
	if !errors.Is(err, redisserver.ErrNotInstalled) {
		return nil, fmt.Errorf("start the embedded redis-server: %w", err)
	}

	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start in-process miniredis: %w", err)
	}
	fmt.Fprintf(stderr, "redis: %s\n", noCacheNote)
	return &redisBackend{
		URL: "redis://" + m.Addr() + "/0", Mode: redisMiniredis,
		Version: ownModuleVersion("github.com/alicebob/miniredis/v2"),
		stop:    func() error { m.Close(); return nil },
	}, nil
}

// seed writes value to key and reads it back.
func seed(ctx context.Context, redisURL, key, value string) error {
	client, err := dialRedis(redisURL)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	if err := client.Set(ctx, key, value, 0).Err(); err != nil {
		return fmt.Errorf("seed key %q at %s: %w", key, redisclient.RedactURL(redisURL), err)
	}
	got, err := client.Get(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("read back key %q at %s: %w", key, redisclient.RedactURL(redisURL), err)
	}
	if got != value {
		return fmt.Errorf("read back key %q at %s: got %q, want %q", key, redisclient.RedactURL(redisURL), got, value)
	}
	return nil
}

// redisVersion returns redis_version from INFO server.
func redisVersion(ctx context.Context, redisURL string) (string, error) {
	client, err := dialRedis(redisURL)
	if err != nil {
		return "", err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	info, err := client.Info(ctx, "server").Result()
	if err != nil {
		return "", fmt.Errorf("connect to -redis %s: %w; start Redis there, or leave -redis out to use an embedded one",
			redisclient.RedactURL(redisURL), err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "unknown", nil
}

func dialRedis(redisURL string) (*goredis.Client, error) {
	redisclient.SilenceGoRedisLogger()
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %q: want redis://[user:password@]host:port/db: %w", redisclient.RedactURL(redisURL), err)
	}
	opts.DialTimeout = 5 * time.Second
	return goredis.NewClient(opts), nil
}

// ownModuleVersion returns the version of a module linked into this binary.
func ownModuleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range info.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}
