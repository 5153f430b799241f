package runtime

import (
	"fmt"
	"sync"
)

// Layout is what an [Engine] needs to know of a generated network: the
// sizes of one image's input and arena, the per-worker scratch, and where
// the outputs are. Generated code declares it as a package variable.
type Layout struct {
	Name       string // package name, the prefix of error messages
	InputLen   int    // values of one input image, C·H·W
	ArenaLen   int    // values of one arena
	ScratchLen int    // values of one worker's scratch (im2col tiles)
	Output     Slot   // the trunk's output
	Heads      []Slot // the side heads' outputs, in spec order
}

// Slot is where a value of one image lives: Len values at Off in the
// arena, or in the input image if Input (a view of the input, such as the
// output of a dropout applied to it).
type Slot struct {
	Off, Len int
	Input    bool
}

// Exec is the state one forward pass of a generated network works on: the
// weights (shared, read-only), the current input image, an arena holding
// every intermediate value at offsets planned by the compiler, and one
// scratch buffer per worker.
type Exec[W any] struct {
	W       *W
	In      []float32   // the current image, Layout.InputLen values
	Arena   []float32   // Layout.ArenaLen values
	Scratch [][]float32 // indexed by worker, Layout.ScratchLen values each
}

// slot returns the values of s.
func (e *Exec[W]) slot(s Slot) []float32 {
	if s.Input {
		return e.In[s.Off : s.Off+s.Len]
	}
	return e.Arena[s.Off : s.Off+s.Len]
}

// Forward computes one image: e.In to the arena. It runs each layer with
// [Parallel] on p (nil: on the calling goroutine), and the side heads'
// layers if heads.
type Forward[W any] func(e *Exec[W], p *Workers, heads bool)

// Engine runs a generated network on batches: it owns a worker pool and
// one [Exec] (arena and scratch) per worker, and serialises its callers
// with a mutex.
//
// A batch of n images runs in two parts. The first n - n mod T images
// (T threads) are split among the workers, each computing whole images in
// its own arena, without synchronisation. The remaining n mod T images run
// one after the other, each layer split among the workers. Generated
// layers compute every output from their work item alone, in a fixed
// order, so the results are the same bits whatever the thread count.
type Engine[W any] struct {
	mu      sync.Mutex
	w       *W
	layout  *Layout
	forward Forward[W]
	heads   bool
	workers *Workers
	execs   []Exec[W]
	images  func(en *Engine[W], worker, lo, hi int) // runImages[W], made once: a generic function value allocates
	// The batch being run, for runImages.
	dst, src []float32
	headDst  [][]float32
	full     int
}

// NewEngine returns an engine for weights w with threads workers (< 1:
// GOMAXPROCS). heads says whether the weights include the side heads'.
func NewEngine[W any](w *W, l *Layout, threads int, heads bool, forward Forward[W]) *Engine[W] {
	workers := NewWorkers(threads)
	t := workers.Threads()
	en := &Engine[W]{w: w, layout: l, forward: forward, heads: heads, workers: workers, execs: make([]Exec[W], t),
		images: runImages[W]}
	scratch := make([][]float32, t)
	for i := range scratch {
		scratch[i] = make([]float32, l.ScratchLen)
	}
	for i := range en.execs {
		// Exec i uses scratch i as its worker 0; exec 0 also runs layers
		// split among all workers, which use the scratch of their index.
		en.execs[i] = Exec[W]{W: w, Arena: make([]float32, l.ArenaLen), Scratch: scratch[i:]}
	}
	return en
}

// Workers returns the engine's pool (to close it with [CloseWorkersWith]).
func (en *Engine[W]) Workers() *Workers { return en.workers }

// Clone returns an engine sharing en's weights, with its own workers and
// arenas, for callers that run in parallel.
func (en *Engine[W]) Clone() *Engine[W] {
	return NewEngine(en.w, en.layout, en.workers.Threads(), en.heads, en.forward)
}

// Close stops the engine's workers. The engine must not be used afterwards.
func (en *Engine[W]) Close() {
	en.mu.Lock()
	defer en.mu.Unlock()
	en.workers.Close()
}

// Run computes a batch of n images: src holds n·InputLen values (N×C×H×W),
// dst receives n·Output.Len values. If heads is not nil, it holds one slice
// per side head, receiving n·Heads[i].Len values each; the engine must have
// been made with heads. Wrong sizes are errors. Run does not allocate.
func (en *Engine[W]) Run(dst []float32, heads [][]float32, src []float32, n int) error {
	l := en.layout
	if err := en.check(dst, heads, src, n); err != nil {
		return err
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	if en.workers.closed.Load() {
		return fmt.Errorf("%s: Infer after Close", l.Name)
	}
	t := len(en.execs)
	en.dst, en.src, en.headDst = dst, src, heads
	en.full = 0
	if t > 1 && n >= t {
		en.full = n / t * t
		Parallel(en.workers, t, en, en.images)
	}
	for b := en.full; b < n; b++ {
		en.image(&en.execs[0], en.workers, b)
	}
	en.dst, en.src, en.headDst = nil, nil, nil
	return nil
}

// runImages is the task of worker t when whole images are split among the
// workers: the images [t·full/T, (t+1)·full/T) in exec t.
func runImages[W any](en *Engine[W], worker, lo, hi int) {
	t := len(en.execs)
	for w := lo; w < hi; w++ {
		b0, b1 := Span(en.full, t, w)
		for b := b0; b < b1; b++ {
			en.image(&en.execs[w], nil, b)
		}
	}
}

// image computes image b of the current batch in e.
func (en *Engine[W]) image(e *Exec[W], p *Workers, b int) {
	l := en.layout
	e.In = en.src[b*l.InputLen : (b+1)*l.InputLen]
	en.forward(e, p, en.headDst != nil)
	o := l.Output.Len
	copy(en.dst[b*o:(b+1)*o], e.slot(l.Output))
	for i, h := range en.headDst {
		s := l.Heads[i]
		copy(h[b*s.Len:(b+1)*s.Len], e.slot(s))
	}
	e.In = nil
}

// check validates the sizes of a batch.
func (en *Engine[W]) check(dst []float32, heads [][]float32, src []float32, n int) error {
	l := en.layout
	switch {
	case n < 0:
		return fmt.Errorf("%s: batch of %d images", l.Name, n)
	case len(src) != n*l.InputLen:
		return fmt.Errorf("%s: input has %d values, want %d (%d images of %d)", l.Name, len(src), n*l.InputLen, n, l.InputLen)
	case len(dst) != n*l.Output.Len:
		return fmt.Errorf("%s: output has room for %d values, want %d (%d images of %d)", l.Name, len(dst), n*l.Output.Len, n, l.Output.Len)
	case heads == nil:
		return nil
	case !en.heads:
		return fmt.Errorf("%s: side heads requested, but the network was made without Options.Heads", l.Name)
	case len(heads) != len(l.Heads):
		return fmt.Errorf("%s: %d head outputs, want %d", l.Name, len(heads), len(l.Heads))
	}
	for i, h := range heads {
		if want := n * l.Heads[i].Len; len(h) != want {
			return fmt.Errorf("%s: head %d output has room for %d values, want %d (%d images of %d)", l.Name, i, len(h), want, n, l.Heads[i].Len)
		}
	}
	return nil
}
