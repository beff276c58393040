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

// MeanCPUPercent returns the CPU time over the elapsed time, in percent of
// one core.
func (s Series) MeanCPUPercent() float64 {
	el := s.Elapsed()
	if el <= 0 {
		return 0
	}
	return 100 * s.CPU().Seconds() / el.Seconds()
}

// CPUPercents returns the CPU use between consecutive readings, in percent of
// one core, one value per reading after the first.
func (s Series) CPUPercents() []float64 {
	out := make([]float64, 0, max(len(s)-1, 0))
	for i := 1; i < len(s); i++ {
		dt := (s[i].At - s[i-1].At).Seconds()
		if dt <= 0 {
			out = append(out, 0)
			continue
		}
		out = append(out, 100*(s[i].CPU-s[i-1].CPU).Seconds()/dt)
	}
	return out
}

// PeakCPUPercent returns the highest CPU use between two consecutive
// readings, in percent of one core.
func (s Series) PeakCPUPercent() float64 {
	var peak float64
	for _, p := range s.CPUPercents() {
		peak = max(peak, p)
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
	u, err := r.counter.Sample()
	at := time.Since(r.start)

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
