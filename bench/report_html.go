package bench

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/iobench/iobench/bench/procstat"
	"github.com/iobench/iobench/bench/stats"
)

//go:embed report.html.tmpl
var reportTemplate string

// maxScatterPoints bounds the latency points drawn per target, so that the
// page stays small; beyond it every n-th result is drawn.
const maxScatterPoints = 20000

// htmlTarget is one target's data for the page's charts.
type htmlTarget struct {
	Name string `json:"name"`
	// Latency over time: request start (s), latency (ms), and a kind per
	// point: 0 fast, 1 delayed, 2 failed.
	T    []float64 `json:"t"`
	Lat  []float64 `json:"lat"`
	Kind []int     `json:"kind"`
	// Percentile curve: x is -log10(1-q), y the latency (ms).
	CurveX []float64 `json:"curveX"`
	CurveY []float64 `json:"curveY"`
	// Samples: time (s), CPU in % of a core, RSS in MB.
	Target   []sample `json:"target"`
	Attacker []sample `json:"attacker"`
	Redis    []sample `json:"redis"`
}

type sample struct {
	T   float64 `json:"t"`
	CPU float64 `json:"cpu"`
	RSS float64 `json:"rss"`
}

type htmlPage struct {
	Summary *Summary
	Rows    [][]string
	Targets []htmlTarget
	Sweeps  []htmlSweep // empty unless -sweep
}

// writeHTML renders report.html: one page with inline data and scripts, so
// it opens offline.
func writeHTML(w io.Writer, s *Summary, measured map[string]*measurement) error {
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"fmtMs":     fmtMs,
		"mul100":    func(v float64) float64 { return 100 * v },
		"base":      filepath.Base,
		"buildKind": buildKind,
		// groupMs prints v, a percentile of group, or n/a for an empty group.
		"groupMs": func(group Percentiles, v float64) string {
			if group.Count == 0 {
				return "n/a"
			}
			return fmtMs(v)
		},
	}).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("parse the report template: %w", err)
	}
	page := htmlPage{Summary: s, Rows: comparisonRows(s), Targets: []htmlTarget{}, Sweeps: sweepCharts(s)}
	for _, t := range measuredTargets(s) {
		if m := measured[t.Name]; m != nil {
			page.Targets = append(page.Targets, chartData(t.Name, m))
		}
	}
	if err := tmpl.Execute(w, page); err != nil {
		return fmt.Errorf("render report.html: %w", err)
	}
	return nil
}

func chartData(name string, m *measurement) htmlTarget {
	recs := m.Outcome.Records
	h := htmlTarget{
		Name:     name,
		Target:   samples(m.Target, m.Interval),
		Attacker: samples(m.Attacker, m.Interval),
		Redis:    samples(m.Redis, m.Interval),
		T:        make([]float64, 0, min(len(recs), maxScatterPoints)),
		Lat:      make([]float64, 0, min(len(recs), maxScatterPoints)),
		Kind:     make([]int, 0, min(len(recs), maxScatterPoints)),
	}
	step := max(1, (len(recs)+maxScatterPoints-1)/maxScatterPoints)
	for i := 0; i < len(recs); i += step {
		r := recs[i]
		kind := 0
		switch {
		case r.Failed:
			kind = 2
		case r.Delayed:
			kind = 1
		}
		h.T = append(h.T, roundTo(r.Start.Seconds(), timeResolution))
		h.Lat = append(h.Lat, roundTo(ms(r.Latency), latencyResolution))
		h.Kind = append(h.Kind, kind)
	}

	h.CurveX, h.CurveY = []float64{}, []float64{}
	if len(recs) == 0 {
		return h
	}
	lat := make([]time.Duration, len(recs))
	for i, r := range recs {
		lat[i] = r.Latency
	}
	slices.Sort(lat)
	qs := curveQuantiles()
	for i, v := range stats.Curve(lat, qs) {
		h.CurveX = append(h.CurveX, round3(-math.Log10(1-min(qs[i], 0.99999))))
		h.CurveY = append(h.CurveY, round3(ms(v)))
	}

	return h
}

// curveQuantiles returns quantiles spread evenly on a -log10(1-q) axis from
// 0 to 0.99999, then 1 (the maximum).
func curveQuantiles() []float64 {
	const steps = 250
	qs := make([]float64, 0, steps+2)
	for i := 0; i <= steps; i++ {
		qs = append(qs, 1-math.Pow(10, -5*float64(i)/steps))
	}
	return append(qs, 1)
}

// samples returns the CPU use over spans of at least minSpan, and the RSS
// at the end of each.
func samples(s procstat.Series, minSpan time.Duration) []sample {
	windows := s.CPUWindows(minSpan)
	if len(windows) == 0 {
		return nil
	}
	out := make([]sample, 0, len(windows))
	for _, w := range windows {
		out = append(out, sample{T: roundTo(w.End.Seconds(), timeResolution), CPU: round3(w.Percent), RSS: round3(float64(w.RSS) / 1e6)})
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Resolutions of the page's time axis, in seconds, and of latencies, in
// milliseconds. A fixed resolution keeps late points apart: three
// significant digits would put every point after 10 s into 100 ms columns.
const (
	timeResolution    = 0.001
	latencyResolution = 0.001
)

// roundTo rounds v to a multiple of unit, which is 1/n for a whole n, and
// non-finite values to 0. Dividing by n gives the shortest decimal form.
func roundTo(v, unit float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v/unit) / math.Round(1/unit)
}

func round3(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	// Three significant digits keep the page small.
	scale := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}
