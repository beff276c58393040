package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iobench/iobench/bench/stats"
)

// Target statuses in summary.json.
const (
	statusOK      = "ok"      // attacked for the whole -duration
	statusPartial = "partial" // attack interrupted; the figures cover what ran
	statusFailed  = "failed"  // did not start, or did not return the seeded value
	statusNotRun  = "not_run" // requirements missing, or the run was interrupted before it
	statusExited  = "exited"  // the target exited during the attack
	summaryFile   = "summary.json"
	summaryMDFile = "summary.md"
	reportFile    = "report.html"
)

// Summary is the content of summary.json.
type Summary struct {
	StartedAt  time.Time `json:"started_at"`
	Partial    bool      `json:"partial"`
	Rate       int       `json:"rate"`
	DurationS  float64   `json:"duration_s"`
	WarmupS    float64   `json:"warmup_s"`
	TimeoutS   float64   `json:"timeout_s"`
	MaxWorkers uint64    `json:"max_workers"`
	DelayS     float64   `json:"delay_s"`
	DelayRatio float64   `json:"delay_ratio"`
	DelaySeed  int64     `json:"delay_seed"`
	// DelayPassed is false with -url: the delay settings above are what the
	// run expected, but the server at -url was started by the user.
	DelayPassed bool            `json:"delay_passed"`
	Key         string          `json:"key"`
	Baseline    string          `json:"baseline"`
	Environment Environment     `json:"environment"`
	Sweep       *SweepSettings  `json:"sweep,omitempty"` // set by -sweep only
	Warnings    []string        `json:"warnings"`
	Targets     []TargetSummary `json:"targets"`
}

// Environment describes the machine and the Redis of a run.
type Environment struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUCount  int    `json:"cpu_count"`
	CPUModel  string `json:"cpu_model"`
	Kernel    string `json:"kernel"`
	// LoadAverage is the 1-minute load average when the run started.
	LoadAverage       float64 `json:"load_average"`
	RedisVersion      string  `json:"redis_version"`
	RedisMode         string  `json:"redis_mode"`
	RedisEmbedded     bool    `json:"redis_embedded"`
	ClientSideCaching bool    `json:"client_side_caching"`
	// GoTargetsBinary is the binary that ran the Go targets, empty when
	// none ran; GoTargetsServeOnly is true when it is the serve-only build
	// (cmd/iobench-serve), whose memory figures match the container's.
	GoTargetsBinary    string `json:"go_targets_binary,omitempty"`
	GoTargetsServeOnly bool   `json:"go_targets_serve_only"`
	// HarnessGOGC is the GC percent of the harness (the attacker) during
	// the run: 1000 unless the GOGC environment variable sets one, -1 for
	// off.
	HarnessGOGC int `json:"harness_gogc"`
}

// Percentiles are exact latency percentiles in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// MarshalJSON writes the percentiles of an empty group (count 0) as null,
// so that no reader mistakes them for 0 ms latencies.
func (p Percentiles) MarshalJSON() ([]byte, error) {
	type plain Percentiles // without this method
	if p.Count > 0 {
		return json.Marshal(plain(p))
	}
	return []byte(`{"count":0,"mean":null,"p50":null,"p90":null,"p95":null,"p99":null,"p999":null,"max":null}`), nil
}

// TargetSummary is one target's entry in summary.json. Resource figures are
// null when they were not measured (-url without -pid, or an external Redis).
type TargetSummary struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	Reason      string            `json:"reason,omitempty"`
	StderrTail  []string          `json:"stderr_tail,omitempty"`
	Command     string            `json:"command"`
	URL         string            `json:"url"`
	Versions    map[string]string `json:"versions"`

	Requests         int            `json:"requests"`
	SuccessRatio     float64        `json:"success_ratio"`
	Throughput       float64        `json:"throughput"`
	AchievedRate     float64        `json:"achieved_rate"`
	AttackS          float64        `json:"attack_s"`
	WaitS            float64        `json:"wait_s"`
	LatencyMs        Percentiles    `json:"latency_ms"`
	FastLatencyMs    Percentiles    `json:"fast_latency_ms"`
	DelayedLatencyMs Percentiles    `json:"delayed_latency_ms"`
	DelayedRatio     float64        `json:"delayed_ratio"`
	StatusCodes      map[string]int `json:"status_codes"`
	Errors           []stats.Group  `json:"errors"`

	PeakRSSBytes       *int64   `json:"peak_rss_bytes"`
	PeakRSSAnonBytes   *int64   `json:"peak_rss_anon_bytes"` // anonymous (private) part of the RSS
	CPUSeconds         *float64 `json:"cpu_seconds"`
	CPUPercentMean     *float64 `json:"cpu_percent_mean"`
	CPUPercentPeak     *float64 `json:"cpu_percent_peak"`
	CPUUsPerRequest    *float64 `json:"cpu_us_per_request"`
	AttackerCPUSeconds float64  `json:"attacker_cpu_seconds"`
	RedisCPUSeconds    *float64 `json:"redis_cpu_seconds"`
	OtherCPUSeconds    *float64 `json:"other_cpu_seconds"`
	Warnings           []string `json:"warnings"`

	// Set by -sweep only: the steps in the order they ran, the highest
	// passing rate (0 when none passed) and why the search ended.
	Sweep              []SweepStep `json:"sweep,omitempty"`
	MaxSustainableRate *int        `json:"max_sustainable_rate,omitempty"`
	SweepEnd           string      `json:"sweep_end,omitempty"`
}

// writeJSON writes v as indented JSON to dir/name.
func writeJSON(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
