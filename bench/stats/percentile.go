// Package stats computes exact latency percentiles and groups the failures
// of a load test by cause.
//
// The percentiles are order statistics of every sample, not estimates:
// vegeta's own report uses a t-digest, whose p95 jumps between the fast and
// the slow mode when a fixed 5% of requests is slow.
package stats

import (
	"math"
	"slices"
	"time"
)

// Latency summarizes a latency sample. Every percentile is a value of the
// sample (the nearest-rank method).
type Latency struct {
	Count int
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P95   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// Summarize sorts latencies in place and returns their summary. An empty
// sample gives a zero Latency.
func Summarize(latencies []time.Duration) Latency {
	if len(latencies) == 0 {
		return Latency{}
	}
	slices.Sort(latencies)

	var sum float64
	for _, l := range latencies {
		sum += float64(l)
	}
	return Latency{
		Count: len(latencies),
		Min:   latencies[0],
		Mean:  time.Duration(sum / float64(len(latencies))),
		P50:   Quantile(latencies, 0.50),
		P90:   Quantile(latencies, 0.90),
		P95:   Quantile(latencies, 0.95),
		P99:   Quantile(latencies, 0.99),
		P999:  Quantile(latencies, 0.999),
		Max:   latencies[len(latencies)-1],
	}
}

// Quantile returns the q-quantile (0 <= q <= 1) of an ascending sample by
// the nearest-rank method: the smallest value that at least q of the sample
// does not exceed. An empty sample gives 0.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[rank(len(sorted), q)]
}

// rank returns the index of the q-quantile in a sorted sample of n values.
func rank(n int, q float64) int {
	if n == 0 {
		return 0
	}
	// q*n carries float error: 0.95*12000 is 11400.000000000002. Without
	// the tolerance the rank would step one value too high, exactly where a
	// fixed share of slow requests begins.
	r := int(math.Ceil(q*float64(n)-1e-9)) - 1
	return min(max(r, 0), n-1)
}

// Curve returns the quantiles of an ascending sample at each of qs.
func Curve(sorted []time.Duration, qs []float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	if len(sorted) == 0 {
		return out
	}
	for i, q := range qs {
		out[i] = sorted[rank(len(sorted), q)]
	}
	return out
}
