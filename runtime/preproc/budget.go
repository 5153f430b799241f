package preproc

import (
	"image/color"
	"sync"
)

// Budget bounds the memory of the images being decoded at the same time,
// so that decoding in parallel (one goroutine per CPU, say) cannot take
// memory in proportion to the CPUs: [Config.Load] with Config.Memory set
// holds an image's estimate ([DecodeBytes], from its header's size and
// colour model) from the budget while it decodes and preprocesses it,
// waiting until enough is free. Waiters are served in order, and an image
// that needs more than the whole budget holds all of it: it runs alone.
// A Budget is safe for concurrent use.
type Budget struct {
	mu       sync.Mutex
	capacity int64
	used     int64
	peak     int64
	waiters  []budgetWaiter // first come, first served
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

// NewBudget returns a budget of the given bytes (at least 1).
func NewBudget(bytes int64) *Budget { return &Budget{capacity: max(bytes, 1)} }

// Capacity is the budget's size in bytes.
func (b *Budget) Capacity() int64 { return b.capacity }

// Peak is the most the budget had given out at once.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// acquire waits until n bytes (at most the capacity) are free, takes
// them and returns what it took, for release.
func (b *Budget) acquire(n int64) int64 {
	n = min(max(n, 0), b.capacity)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.capacity {
		b.take(n)
		b.mu.Unlock()
		return n
	}
	w := budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	<-w.ready
	return n
}

// release gives back n bytes and admits the waiters that now fit, in
// order.
func (b *Budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.capacity {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.take(w.n)
		close(w.ready)
	}
}

func (b *Budget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// DecodeBytes estimates the memory that decoding and preprocessing an
// image of width × height pixels in the colour model m takes: the decoded
// pixels (1 byte a pixel for gray or palette images, 3 for YCbCr, 4 for
// 8-bit RGBA or CMYK, 8 for 16-bit RGBA, 8 for a model it does not know)
// and 3 more a pixel for the conversion and the resize's intermediate
// rows.
func DecodeBytes(width, height int, m color.Model) int64 {
	var per int64 = 8
	switch m {
	case color.GrayModel, color.AlphaModel:
		per = 1
	case color.Gray16Model, color.Alpha16Model:
		per = 2
	case color.YCbCrModel:
		per = 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		per = 4
	default:
		if _, ok := m.(color.Palette); ok {
			per = 1
		}
	}
	return int64(width) * int64(height) * (per + 3)
}

// MaxDecodeBytes is the most [DecodeBytes] gives for an image of pixels
// pixels: what one decode may take.
func MaxDecodeBytes(pixels int64) int64 { return pixels * (8 + 3) }
