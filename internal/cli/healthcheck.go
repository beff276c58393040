package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/iobench/iobench/internal/cliflag"
)

const healthcheckAbout = `
Sends GET to the /healthz URL of a running iobench serve and exits 0 when it
returns 200, 1 otherwise. A minimal container image has no curl, so the
Dockerfile's HEALTHCHECK runs this. The default URL takes its port from
IOBENCH_ADDR when that is set.`

var healthcheckExamples = []string{
	"{name} healthcheck",
	"{name} healthcheck -url http://127.0.0.1:8080/healthz -timeout 500ms",
}

// runHealthcheck probes /healthz once.
func runHealthcheck(ctx context.Context, prog string, args []string, stdout io.Writer) error {
	fs, url, timeout := newHealthcheckFlags()
	fs.SetOutput(stdout)
	fs.Usage = func() {
		printCommandUsage(fs.Output(), prog, fs, false, healthcheckAbout, healthcheckExamples)
	}
	// The probe reads no IOBENCH_* variables but IOBENCH_ADDR: names such
	// as IOBENCH_URL and IOBENCH_TIMEOUT could mean other commands' flags.
	if err := cliflag.Parse(fs, args, noEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(prog, "healthcheck", err)
	}
	return probe(ctx, *url, *timeout, stdout)
}

// noEnv is a getenv that finds no variable.
func noEnv(string) string { return "" }

// newHealthcheckFlags defines the flags of iobench healthcheck.
func newHealthcheckFlags() (*flag.FlagSet, *string, *time.Duration) {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := addFlag(fs, "url", defaultHealthURL(os.Getenv(cliflag.EnvName("addr"))), parseHTTPURL,
		formatString, "health `URL` to probe")
	timeout := addFlag(fs, "timeout", 2*time.Second, parseDuration(false), formatDuration,
		"time limit of the probe, a `duration`")
	return fs, url, timeout
}

// defaultHealthURL returns the loopback /healthz URL for a serve -addr
// value: its port, and 127.0.0.1 unless the address names a host.
func defaultHealthURL(addr string) string {
	host, port := "127.0.0.1", "8000"
	if h, p, err := net.SplitHostPort(addr); err == nil {
		port = p
		if h != "" && h != "0.0.0.0" && h != "::" {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}

// parseHTTPURL accepts an http:// or https:// URL.
func parseHTTPURL(s string) (string, error) {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return "", errors.New("want an http:// URL such as http://127.0.0.1:8000/healthz")
	}
	return s, nil
}

// probe sends GET url and returns nil when it gets 200.
func probe(ctx context.Context, url string, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build health check request for %s: %w", url, err)
	}
	// No proxy: the probe targets the local service.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health check of %s failed: %w: is iobench serve running there?", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check of %s: status %d: %s", url, resp.StatusCode,
			strings.TrimSpace(string(body)))
	}
	_, err = fmt.Fprintf(stdout, "%s: %d %s\n", url, resp.StatusCode, strings.TrimSpace(string(body)))
	return err
}
