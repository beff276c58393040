package bench

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Target describes how to start one server under test. A target is data:
// adding a server to the harness means adding a Target to the registry.
//
// Command, Env and Dir may contain placeholders that the harness replaces
// before it starts the target:
//
//	{exe}         the Go binary (the -exe flag; default: iobench-serve beside
//	              this executable, else this executable)
//	{host}        127.0.0.1
//	{port}        the free loopback port picked for this target
//	{addr}        {host}:{port}
//	{redis}       the redis:// URL of the Redis the run uses
//	{key}         the Redis key the target reads
//	{delay}       the delay in Go duration syntax, e.g. 3s
//	{delay_ratio} the share of delayed requests, e.g. 0.05
//	{delay_seed}  the seed of the delay decisions (never 0: the harness picks one)
//	{peers}       the folder of the peer servers (the -peers flag)
type Target struct {
	// Name selects the target in -targets.
	Name string
	// Description is one line for the report and -list.
	Description string
	// NoTrackingDescription replaces Description in the report when the
	// run's Redis lacks CLIENT TRACKING (miniredis); empty keeps it.
	NoTrackingDescription string
	// Command is the program and its arguments.
	Command []string
	// Env is added to the harness's environment, as KEY=VALUE.
	Env []string
	// Dir is the working directory; empty means the harness's own.
	Dir string
	// Requires lists what must be installed; the first one missing makes
	// the target "not run".
	Requires []Requirement
	// Versions lists the versions recorded in summary.json.
	Versions []VersionProbe
}

// Requirement is one thing a target needs before it can start. Set one of
// Program, File or Command.
type Requirement struct {
	// Program is looked up on PATH, or used as is when it contains a slash.
	Program string
	// File must exist (placeholders allowed).
	File string
	// Command must exit with status 0 within 30 s.
	Command []string
	// Missing describes what is missing, e.g. "Django is not installed for
	// /usr/bin/python3" (placeholders allowed).
	Missing string
	// Install is the command that installs it (placeholders allowed).
	Install string
}

// VersionProbe finds the version of one component of a target. Set Module
// or Command.
type VersionProbe struct {
	// Name is the key in the target's versions map, e.g. "django".
	Name string
	// Module is a Go module path read from the build information of {exe},
	// or "go" for the Go version it was built with.
	Module string
	// Command prints the version on stdout; the output is trimmed.
	Command []string
}

// goVersions are the versions recorded for the targets that run iobench serve.
var goVersions = []VersionProbe{
	{Name: "go", Module: "go"},
	{Name: "fasthttp", Module: "github.com/valyala/fasthttp"},
	{Name: "rueidis", Module: "github.com/redis/rueidis"},
	{Name: "go-redis", Module: "github.com/redis/go-redis/v9"},
}

// goServe returns the command line of iobench serve with an engine, a
// client and a client-side cache TTL.
func goServe(engine, client, cacheTTL string) []string {
	return []string{
		"{exe}", "serve",
		"-engine", engine, "-client", client, "-cache-ttl", cacheTTL,
		"-addr", "{addr}", "-redis", "{redis}", "-key", "{key}",
		"-delay", "{delay}", "-delay-ratio", "{delay_ratio}", "-delay-seed", "{delay_seed}",
		"-log-format", "json",
	}
}

// goTargets are the targets built into the iobench binary.
var goTargets = []Target{
	{
		Name:                  "fasthttp",
		Description:           "fasthttp + rueidis with client-side caching (iobench serve)",
		NoTrackingDescription: "fasthttp + rueidis; client-side caching is unavailable because miniredis has no CLIENT TRACKING (iobench serve)",
		Command:               goServe("fasthttp", "rueidis", "1m"),
		Versions:              goVersions,
	},
	{
		Name:        "fasthttp-nocache",
		Description: "fasthttp + rueidis, client-side caching off (iobench serve)",
		Command:     goServe("fasthttp", "rueidis", "0s"),
		Versions:    goVersions,
	},
	{
		Name:        "nethttp",
		Description: "net/http + go-redis, the usual Go setup (iobench serve)",
		Command:     goServe("nethttp", "goredis", "0s"),
		Versions:    goVersions,
	},
}

// registry returns every known target in the order -targets all runs them.
func registry() []Target {
	return slices.Concat(goTargets, peerTargets)
}

// baselineName is the target the comparison divides by when it ran.
const baselineName = "nethttp"

// defaultTargets is the -targets default.
const defaultTargets = "fasthttp,nethttp"

// selectTargets resolves a -targets value: names separated by commas, or
// "all".
func selectTargets(list string) ([]Target, error) {
	all := registry()
	if strings.TrimSpace(list) == "all" {
		return all, nil
	}
	var out []Target
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(t Target) bool { return t.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown target %q: want names from %s, or all", name, targetNames(all))
		}
		if slices.ContainsFunc(out, func(t Target) bool { return t.Name == name }) {
			return nil, fmt.Errorf("target %q is listed twice", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

func targetNames(ts []Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ",")
}

// errNotRun marks a target whose requirements are missing.
var errNotRun = errors.New("not run")

// checkRequirements returns nil when every requirement of t is met, or an
// error wrapping errNotRun that reads "not run: <what>; install with <cmd>".
func checkRequirements(ctx context.Context, t Target, expand func(string) string) error {
	for _, r := range t.Requires {
		if err := r.check(ctx, expand); err != nil {
			msg := expand(r.Missing)
			if msg == "" {
				msg = err.Error()
			}
			if r.Install != "" {
				msg += "; install with " + expand(r.Install)
			}
			return fmt.Errorf("%w: %s", errNotRun, msg)
		}
	}
	return nil
}

func (r Requirement) check(ctx context.Context, expand func(string) string) error {
	switch {
	case r.Program != "":
		_, err := exec.LookPath(expand(r.Program))
		return err
	case r.File != "":
		_, err := os.Stat(expand(r.File))
		return err
	case len(r.Command) > 0:
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		args := expandAll(r.Command, expand)
		out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s failed: %w: %s", strings.Join(args, " "), err, lastLines(string(out), 3))
		}
	}
	return nil
}

// probeVersions runs t's version probes. A failed probe stores its error
// text in place of a version.
func probeVersions(ctx context.Context, t Target, exe string, expand func(string) string) map[string]string {
	out := map[string]string{}
	for _, p := range t.Versions {
		v, err := p.probe(ctx, exe, expand)
		if err != nil {
			v = "unknown: " + err.Error()
		}
		out[p.Name] = v
	}
	return out
}

func (p VersionProbe) probe(ctx context.Context, exe string, expand func(string) string) (string, error) {
	if p.Module != "" {
		return moduleVersion(exe, p.Module)
	}
	if len(p.Command) == 0 {
		return "", errors.New("version probe has neither Module nor Command")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	args := expandAll(p.Command, expand)
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).Output()
	if err != nil {
		return "", fmt.Errorf("run %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// moduleVersion reads the version of module from the build information of
// the Go binary exe; module "go" returns the Go version.
func moduleVersion(exe, module string) (string, error) {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return "", fmt.Errorf("read build information of %s: %w", exe, err)
	}
	if module == "go" {
		return info.GoVersion, nil
	}
	for _, d := range info.Deps {
		if d.Path == module {
			if d.Replace != nil {
				return d.Replace.Version, nil
			}
			return d.Version, nil
		}
	}
	return "", fmt.Errorf("module %s not in %s", module, filepath.Base(exe))
}

// placeholders returns the replacer for a target's command line.
func placeholders(exe, peers string, port int, redisURL string, c *Config) func(string) string {
	host := "127.0.0.1"
	r := strings.NewReplacer(
		"{exe}", exe,
		"{host}", host,
		"{port}", strconv.Itoa(port),
		"{addr}", host+":"+strconv.Itoa(port),
		"{redis}", redisURL,
		"{key}", c.Key,
		"{delay}", c.Delay.String(),
		"{delay_ratio}", strconv.FormatFloat(c.DelayRatio, 'f', -1, 64),
		"{delay_seed}", strconv.FormatInt(c.DelaySeed, 10),
		"{peers}", peers,
	)
	return r.Replace
}

func expandAll(in []string, expand func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s)
	}
	return out
}
