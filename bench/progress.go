package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Progress display modes (-progress).
const (
	progressAuto  = "auto"
	progressBar   = "bar"
	progressLines = "lines"
	progressOff   = "off"
)

const (
	barRefresh   = 200 * time.Millisecond
	lineInterval = 5 * time.Second
	barWidth     = 30
)

// progress shows how far an attack is, on stderr: a bar redrawn in place on
// a terminal, or a line every few seconds otherwise.
type progress struct {
	w        io.Writer
	bar      bool
	name     string
	duration time.Duration
	expected int64
	cnt      *counters
	start    time.Time
	stop     chan struct{}
	done     chan struct{}
}

// resolveProgressMode turns auto into bar or lines, depending on whether w
// is a terminal.
func resolveProgressMode(mode string, w io.Writer) string {
	if mode != progressAuto {
		return mode
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressBar
	}
	return progressLines
}

// startProgress starts the display of one attack; mode is bar, lines or off.
func startProgress(mode string, w io.Writer, spec attackSpec, cnt *counters) *progress {
	p := &progress{
		w:        w,
		bar:      mode == progressBar,
		name:     spec.Name,
		duration: spec.Duration,
		expected: int64(float64(spec.Rate) * spec.Duration.Seconds()),
		cnt:      cnt,
		start:    time.Now(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if mode == progressOff {
		close(p.done)
		return p
	}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.done)
	interval := lineInterval
	if p.bar {
		interval = barRefresh
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.draw(true)
			return
		case <-t.C:
			p.draw(false)
		}
	}
}

func (p *progress) draw(final bool) {
	elapsed := time.Since(p.start)
	done, ok := p.cnt.done.Load(), p.cnt.ok.Load()
	okPct := 100.0
	if done > 0 {
		okPct = 100 * float64(ok) / float64(done)
	}
	state := fmt.Sprintf("%.1fs/%v", min(elapsed, p.duration).Seconds(), p.duration)
	if elapsed > p.duration && !final {
		state = "waiting for responses"
	}
	status := fmt.Sprintf("%d/%d responses, %.2f%% ok, %s", done, p.expected, okPct, state)

	if !p.bar {
		fmt.Fprintf(p.w, "%s: %s\n", p.name, status)
		return
	}
	frac := 1.0
	if p.expected > 0 {
		frac = min(float64(done)/float64(p.expected), 1)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	fmt.Fprintf(p.w, "\r\033[K%-16s [%s] %3.0f%% %s", p.name, bar, 100*frac, status)
	if final {
		fmt.Fprintln(p.w)
	}
}

// Stop draws the final state and ends the display.
func (p *progress) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	close(p.stop)
	<-p.done
}
