package procstat

import (
	"errors"
	"sync"
	"time"
)

// Point is one reading in a Series.
type Point struct {
	// At is the time of the reading since the Recorder started.
	At time.Duration
	Usage
}

// Series is the readings of one Recorder in time order.
type Series []Point

// CPU returns the CPU time used between the first and the last reading.
func (s Series) CPU() time.Duration {
	if len(s) < 2 {
		return 0
	}
	return s[len(s)-1].CPU - s[0].CPU
}

// Elapsed returns the time between the first and the last reading.
func (s Series) Elapsed() time.Duration {
	if len(s) < 2 {
		return 0
	}
	return s[len(s)-1].At - s[0].At
}

// PeakRSS returns the highest RSS read, in bytes.
func (s Series) PeakRSS() int64 {
	var peak int64
	for _, p := range s {
		peak = max(peak, p.RSSBytes)
	}
	return peak
}

// PeakRSSAnon returns the highest anonymous RSS read, in bytes.
func (s Series) PeakRSSAnon() int64 {
	var peak int64
	for _, p := range s {
		peak = max(peak, p.RSSAnonBytes)
	}
	return peak
}

// MeanCPUPercent returns the CPU time over the elapsed time, in percent of
// one core.
func (s Series) MeanCPUPercent() float64 {
	el := s.Elapsed()
	if el <= 0 {
		return 0
	}
	return 100 * s.CPU().Seconds() / el.Seconds()
}

// Window is the CPU use over a span of readings.
type Window struct {
	End     time.Duration // time of the last reading of the span
	Percent float64       // CPU time over the span's length, in percent of one core
	RSS     int64         // RSS at the last reading, in bytes
}

// CPUWindows splits the readings into consecutive spans of at least
// minSpan and returns the CPU use over each. Two readings taken close
// together, when the sampler was delayed and its ticker caught up, would
// divide a CPU delta by a tiny time and report a use far above what the
// cores can give. A minimum span keeps that error small.
func (s Series) CPUWindows(minSpan time.Duration) []Window {
	var out []Window
	start := 0
	for i := 1; i < len(s); i++ {
		span := s[i].At - s[start].At
		if span < minSpan || span <= 0 {
			continue
		}
		pct := 100 * (s[i].CPU - s[start].CPU).Seconds() / span.Seconds()
		out = append(out, Window{End: s[i].At, Percent: pct, RSS: s[i].RSSBytes})
		start = i
	}
	return out
}

// PeakCPUPercent returns the highest CPU use over a span of at least
// minSpan, in percent of one core.
func (s Series) PeakCPUPercent(minSpan time.Duration) float64 {
	var peak float64
	for _, w := range s.CPUWindows(minSpan) {
		peak = max(peak, w.Percent)
	}
	return peak
}

// Recorder reads a Counter at a fixed interval in its own goroutine.
type Recorder struct {
	counter *Counter
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu     sync.Mutex
	series Series
	exited bool
	err    error
}

// Record reads c now and then every interval until Stop.
func Record(c *Counter, interval time.Duration) *Recorder {
	r := &Recorder{
		counter: c,
		start:   time.Now(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	r.read()
	go r.loop(interval)
	return r
}

func (r *Recorder) loop(interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			r.read()
			return
		case <-t.C:
			r.read()
		}
	}
}

func (r *Recorder) read() {
	// Reading a large process tree takes a while on a busy machine; its
	// midpoint is the best time for the whole reading.
	before := time.Since(r.start)
	u, err := r.counter.Sample()
	at := (before + time.Since(r.start)) / 2

	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, ErrExited):
		r.exited = true
	case err != nil:
		r.err = err
	default:
		r.series = append(r.series, Point{At: at, Usage: u})
	}
}

// Last returns the latest reading and whether there is one.
func (r *Recorder) Last() (Point, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.series) == 0 {
		return Point{}, false
	}
	return r.series[len(r.series)-1], true
}

// Exited reports whether the root process was found gone at some reading.
func (r *Recorder) Exited() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exited
}

// Stop takes a last reading, ends the goroutine and returns the readings and
// the first read error other than ErrExited. Calling Stop again returns the
// same readings.
func (r *Recorder) Stop() (Series, error) {
	r.once.Do(func() { close(r.stop) })
	<-r.done

	r.mu.Lock()
	defer r.mu.Unlock()
	return r.series, r.err
}
