package modelcli

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress is a one-line progress bar on a terminal, redrawn in place at
// most ten times a second. A nil *progress draws nothing.
type progress struct {
	w       io.Writer
	total   int
	n       int
	start   time.Time
	last    time.Time
	visible bool
}

const barWidth = 30

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

// set records n items done and redraws if it is time to.
func (p *progress) set(n int) {
	if p == nil {
		return
	}
	p.n = n
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || n == p.total {
		p.last = now
		p.draw()
	}
}

func (p *progress) draw() {
	full := barWidth * p.n / max(p.total, 1)
	rate := ""
	if s := time.Since(p.start).Seconds(); s > 0 {
		rate = fmt.Sprintf("  %.1f images/s", float64(p.n)/s)
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %3d%%%s\x1b[K", strings.Repeat("█", full), strings.Repeat("░", barWidth-full),
		p.n, p.total, 100*p.n/max(p.total, 1), rate)
	p.visible = true
}

// clear erases the bar so that a line can be printed; the next set
// draws it again.
func (p *progress) clear() {
	if p == nil || !p.visible {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.visible = false
	p.last = time.Time{}
}

// done erases the bar for good.
func (p *progress) done() {
	p.clear()
}
