package bench

import (
	"cmp"
	"slices"
)

// htmlSweep is one target's sweep for report.html: per rate the step that
// decided it, sorted by rate, and the table of every step in run order.
type htmlSweep struct {
	Name     string          `json:"name"`
	MaxRate  int             `json:"maxRate"`
	Headline string          `json:"-"`
	Rows     [][]string      `json:"-"`
	Points   []htmlStepPoint `json:"points"`
}

// htmlStepPoint is one completed step: rate (/s), fast p99 (ms), CPU of the
// target and the attacker (% of one core, -1 when not measured) and the
// target's peak RSS (MB, -1 when not measured).
type htmlStepPoint struct {
	Rate     int     `json:"rate"`
	P99      float64 `json:"p99"`
	Pass     bool    `json:"pass"`
	CPU      float64 `json:"cpu"`
	Attacker float64 `json:"attacker"`
	RSS      float64 `json:"rss"`
}

func sweepCharts(s *Summary) []htmlSweep {
	out := []htmlSweep{}
	if s.Sweep == nil {
		return out
	}
	for i := range s.Targets {
		ts := &s.Targets[i]
		if len(ts.Sweep) == 0 {
			continue
		}
		h := htmlSweep{Name: ts.Name, Headline: sweepHeadline(ts, s.Sweep.SLOMs), Rows: sweepRows(ts), Points: []htmlStepPoint{}}
		if ts.MaxSustainableRate != nil {
			h.MaxRate = *ts.MaxSustainableRate
		}
		for _, st := range decidingSteps(ts.Sweep) {
			p := htmlStepPoint{Rate: st.Rate, P99: round3(st.FastLatencyMs.P99), Pass: st.Pass,
				CPU: -1, Attacker: round3(st.AttackerCPUPercent), RSS: -1}
			if st.CPUPercent != nil {
				p.CPU = round3(*st.CPUPercent)
			}
			if st.PeakRSSBytes != nil {
				p.RSS = round3(float64(*st.PeakRSSBytes) / 1e6)
			}
			h.Points = append(h.Points, p)
		}
		slices.SortStableFunc(h.Points, func(a, b htmlStepPoint) int { return cmp.Compare(a.Rate, b.Rate) })
		out = append(out, h)
	}
	return out
}
