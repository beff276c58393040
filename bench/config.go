package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iobench/iobench/internal/cliflag"
	"github.com/iobench/iobench/redisclient"
)

// Config is one run of the harness, as set by the flags.
type Config struct {
	Targets    string        // -targets: names separated by commas, or all
	URL        string        // -url: attack this running server instead of starting targets
	PID        int           // -pid: process of the -url server, for CPU and memory figures
	Rate       int           // -rate: requests per second
	Duration   time.Duration // -duration: attack length per target
	Warmup     time.Duration // -warmup: unmeasured attack before each measured one
	Timeout    time.Duration // -timeout: per request
	MaxWorkers uint64        // -max-workers: 0 means unbounded
	Delay      time.Duration // -delay: extra wait of a delayed request
	DelayRatio float64       // -delay-ratio: share of delayed requests
	DelaySeed  int64         // -delay-seed: 0 picks a random seed
	RedisURL   string        // -redis: empty starts an embedded Redis
	Out        string        // -out: results folder
	Force      bool          // -force: write into a non-empty -out
	Key        string        // -key: Redis key the targets read
	Value      string        // -value: seeded value; empty picks a random one

	Exe            string        // -exe: binary that runs the Go targets
	Peers          string        // -peers: folder of the peer servers
	SampleInterval time.Duration // -sample-interval
	StartTimeout   time.Duration // -start-timeout: wait for /healthz
	StopTimeout    time.Duration // -stop-timeout: SIGTERM to SIGKILL
	Progress       string        // -progress: auto, bar, lines or off
	List           bool          // -list: print the targets and exit

	Sweep SweepConfig // -sweep and its flags
}

// Flag value limits; they keep a typo from starting a run that cannot end
// or cannot be measured.
const (
	maxRate     = 1_000_000
	maxDuration = 24 * time.Hour
	// maxRequests bounds -rate times -duration: the harness keeps about 40
	// bytes per result in memory for the exact percentiles.
	maxRequests = 50_000_000
)

func newFlagSet(c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&c.Targets, "targets", defaultTargets, "target `names` to attack in turn, separated by commas, or all (see -list)")
	fs.StringVar(&c.URL, "url", "", "attack the server running at this `URL` (e.g. http://127.0.0.1:8000/test) instead of starting targets")
	fs.IntVar(&c.PID, "pid", 0, "process `id` of the -url server, to measure its CPU and memory with its children")
	fs.IntVar(&c.Rate, "rate", 800, "constant request rate, in `requests` per second")
	fs.DurationVar(&c.Duration, "duration", 15*time.Second, "attack length per target")
	fs.DurationVar(&c.Warmup, "warmup", 0, "attack each target this long at -rate before the measured attack, and drop those results; 0 measures from the first request, as the original experiment did")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "per-request timeout; a request without a full response by then fails with status 0")
	fs.Uint64Var(&c.MaxWorkers, "max-workers", 0, "upper bound on concurrent requests (vegeta workers); 0 means unbounded")
	fs.DurationVar(&c.Delay, "delay", 3*time.Second, "extra wait of a delayed request, passed to every target")
	fs.Float64Var(&c.DelayRatio, "delay-ratio", 0.05, "share of requests that are delayed, 0 to 1, passed to every target")
	fs.Int64Var(&c.DelaySeed, "delay-seed", 0, "seed of the delay decisions, passed to every target; 0 picks a random seed, stored in summary.json")
	fs.StringVar(&c.RedisURL, "redis", "", "use the Redis at this `URL` (redis://host:port/db); empty starts redis-server from PATH on a free loopback port, or in-process miniredis when it is missing")
	fs.StringVar(&c.Out, "out", "", "results `folder`, new or empty; default results/<date>-<time>")
	fs.BoolVar(&c.Force, "force", false, "write into a non-empty -out folder, removing the *.bin, summary and report files of an earlier run")
	fs.StringVar(&c.Key, "key", "test", "Redis key the targets read; the harness writes it")
	fs.StringVar(&c.Value, "value", "", "value written to -key; empty picks a random 9-byte value")
	fs.StringVar(&c.Exe, "exe", "", "`binary` that runs the Go targets, iobench-serve or iobench; default iobench-serve beside this executable when it is there, else this executable")
	fs.StringVar(&c.Peers, "peers", "peers", "`folder` that contains the peer servers (django, rust)")
	fs.DurationVar(&c.SampleInterval, "sample-interval", 100*time.Millisecond, "interval of the CPU and memory samples")
	fs.DurationVar(&c.StartTimeout, "start-timeout", 30*time.Second, "how long a target may take to answer /healthz")
	fs.DurationVar(&c.StopTimeout, "stop-timeout", 10*time.Second, "wait after SIGTERM before a target is killed with SIGKILL")
	fs.StringVar(&c.Progress, "progress", "auto", "progress display `mode` on stderr: auto (a bar on a terminal, else a line every 5s), bar, lines or off")
	fs.BoolVar(&c.List, "list", false, "list the targets, whether each can run, and exit")
	addSweepFlags(fs, &c.Sweep)
	return fs
}

// parseConfig parses args and checks every value. Errors are usage errors
// that name the flag and the expected form.
func parseConfig(args []string, stdout io.Writer) (*Config, error) {
	c := &Config{}
	fs := newFlagSet(c)
	fs.SetOutput(stdout)
	fs.Usage = func() { printUsage(fs.Output(), fs) }
	if err := cliflag.Parse(fs, args, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, cliflag.Usagef("%s (run 'iobench bench -h' for the flags and their forms)", explainParseError(fs, err))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	err := c.validate(set)
	if err == nil {
		err = c.validateSweep(set)
	}
	if err != nil {
		return nil, nameEnvSource(err, args)
	}
	c.fillDefaults()
	return c, nil
}

// valueCheck is one flag value check: bad is true when val is invalid, and
// want describes the expected form.
type valueCheck struct {
	bad  bool
	flag string
	want string
	val  any
}

// firstInvalid returns a usage error for the first bad check, or nil.
func firstInvalid(checks []valueCheck) error {
	for _, ch := range checks {
		if ch.bad {
			return &cliflag.UsageError{Err: &invalidValueError{flag: ch.flag, val: ch.val, want: ch.want}}
		}
	}
	return nil
}

// validate checks the values; set holds the flags given on the command line.
func (c *Config) validate(set map[string]bool) error {
	checks := []valueCheck{
		{c.Rate <= 0 || c.Rate > maxRate, "rate", fmt.Sprintf("a whole number of requests per second from 1 to %d, e.g. 800", maxRate), c.Rate},
		{c.Duration <= 0 || c.Duration > maxDuration, "duration", "a duration above 0 and at most 24h, e.g. 15s", c.Duration},
		{c.Warmup < 0 || c.Warmup > maxDuration, "warmup", "a duration from 0 to 24h, e.g. 5s", c.Warmup},
		{c.Timeout <= 0, "timeout", "a duration above 0, e.g. 30s", c.Timeout},
		{c.Delay < 0, "delay", "a duration of 0 or more, e.g. 3s", c.Delay},
		{c.DelayRatio < 0 || c.DelayRatio > 1 || c.DelayRatio != c.DelayRatio, "delay-ratio", "a number from 0 to 1, e.g. 0.05", c.DelayRatio},
		{c.PID < 0, "pid", "a process id above 0", c.PID},
		{c.SampleInterval < 10*time.Millisecond || c.SampleInterval > time.Minute, "sample-interval", "a duration from 10ms to 1m, e.g. 100ms", c.SampleInterval},
		{c.StartTimeout <= 0, "start-timeout", "a duration above 0, e.g. 30s", c.StartTimeout},
		{c.StopTimeout < 0, "stop-timeout", "a duration of 0 or more, e.g. 10s", c.StopTimeout},
		{!oneOf(c.Progress, "auto", "bar", "lines", "off"), "progress", "auto, bar, lines or off", c.Progress},
		{strings.TrimSpace(c.Key) == "", "key", "a non-empty Redis key, e.g. test", c.Key},
	}
	if err := firstInvalid(checks); err != nil {
		return err
	}
	if n := float64(c.Rate) * c.Duration.Seconds(); n > maxRequests {
		return cliflag.Usagef("-rate %d for -duration %v makes %.0f requests per target; want at most %d (lower -rate or -duration)",
			c.Rate, c.Duration, n, maxRequests)
	}
	if n := float64(c.Rate) * c.Duration.Seconds(); n < 1 {
		return cliflag.Usagef("-rate %d for -duration %v makes %.3g requests per target; want at least 1 (raise -rate or -duration)",
			c.Rate, c.Duration, n)
	}
	if _, err := selectTargets(c.Targets); err != nil {
		return cliflag.Usagef("invalid value %q for -targets: %v", c.Targets, err)
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || u.Scheme != "redis" || u.Hostname() == "" || strings.HasSuffix(u.Host, ":") {
			return cliflag.Usagef("invalid value %q for -redis: want redis://[user:password@]host:port/db, e.g. redis://127.0.0.1:6379/0",
				redisclient.RedactURL(c.RedisURL))
		}
	}
	return c.validateURL(set)
}

func (c *Config) validateURL(set map[string]bool) error {
	if c.URL == "" {
		if c.PID != 0 {
			return cliflag.Usagef("-pid %d needs -url: it names the process of the server at -url", c.PID)
		}
		return nil
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cliflag.Usagef("invalid value %q for -url: want an http URL such as http://127.0.0.1:8000/test", c.URL)
	}
	if set["targets"] {
		return cliflag.Usagef("-targets and -url exclude each other: -url attacks one running server")
	}
	return nil
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// fillDefaults sets the values that depend on the time or on chance.
func (c *Config) fillDefaults() {
	if c.Out == "" {
		c.Out = filepath.Join("results", time.Now().Format("20060102-150405"))
	}
	// Targets run in other working directories; {peers} must not depend
	// on the harness's.
	if abs, err := filepath.Abs(c.Peers); err == nil {
		c.Peers = abs
	}
	// -delay-ratio -0 parses as negative zero; print it as 0.
	if c.DelayRatio == 0 {
		c.DelayRatio = 0
	}
	if c.DelaySeed == 0 {
		c.DelaySeed = rand.Int64N(1<<62) + 1
	}
	if c.Value == "" {
		c.Value = fmt.Sprintf("v-%07d", rand.IntN(10_000_000))
	}
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: iobench bench [flags]

Attacks each target in turn with vegeta at a constant rate, samples its CPU
and memory, and writes <target>.bin, summary.json, summary.md and report.html
to -out. Go targets run this binary's serve command; Redis is started for the
run unless -redis is given.

Flags (each also read from IOBENCH_<NAME>; a flag wins):
`)
	fs.VisitAll(func(f *flag.Flag) {
		form, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  -%s %s\n      %s", f.Name, form, usage)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, `
Examples:
  iobench bench
  iobench bench -targets all -rate 800 -duration 15s
  iobench bench -targets fasthttp,fasthttp-nocache -delay-ratio 0 -rate 2000
  iobench bench -url http://127.0.0.1:8000/test -pid 4242
  iobench bench -sweep -targets fasthttp,nethttp -slo 10ms
`)
}
