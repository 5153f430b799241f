package runtime

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inccdev/incc/runtime/ref"
)

// toyWeights is the weights of toyForward: out = In·scale + worker-independent offset.
type toyWeights struct{ scale float32 }

var toyLayout = Layout{Name: "toy", InputLen: 3, ArenaLen: 8, ScratchLen: 2,
	Output: Slot{Off: 0, Len: 3}, Heads: []Slot{{Off: 4, Len: 1}, {Off: 1, Len: 2, Input: true}}}

// toyLayer doubles the input into arena[0:3], one item per value, and uses
// the worker's scratch.
func toyLayer(e *Exec[toyWeights], worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		e.Scratch[worker][0] = e.In[i]
		e.Arena[i] = e.Scratch[worker][0] * e.W.scale
	}
}

func toyHead(e *Exec[toyWeights], worker, lo, hi int) {
	e.Arena[4] = e.Arena[0] + e.Arena[1] + e.Arena[2]
}

var toyLayers = []Layer[toyWeights]{
	{Name: "double", Items: 3, Run: toyLayer, Out: Slot{Off: 0, Len: 3}, FLOPs: 3},
	{Name: "sum", Items: 1, Run: toyHead, Head: true, Out: Slot{Off: 4, Len: 1}, Deps: []int{0}},
}

// TestEngineImagesTakenInTurn: with whole images split among the workers,
// a worker takes the next image when it is done, so one held up computes
// fewer: here worker 1 holds its first image until worker 0 has computed
// the other 7 of a batch of 8 (in fixed shares of 4, worker 0 would stop
// at 4 and worker 1 wait out its timeout).
func TestEngineImagesTakenInTurn(t *testing.T) {
	var en *Engine[toyWeights]
	var done [2]atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	layers := []Layer[toyWeights]{{Name: "hold", Items: 1, Out: Slot{Len: 1}, Run: func(e *Exec[toyWeights], _, _, _ int) {
		e.Arena[0] = e.In[0] * 2
		if e == &en.execs[1] {
			if done[1].Add(1) == 1 {
				close(started)
				select {
				case <-release:
				case <-time.After(10 * time.Second):
				}
			}
			return
		}
		if n := done[0].Add(1); n == 1 {
			select {
			case <-started:
			case <-time.After(10 * time.Second):
			}
		} else if n == 7 {
			close(release)
		}
	}}}
	l := Layout{Name: "hold", InputLen: 1, ArenaLen: 1, ScratchLen: 1, Output: Slot{Len: 1}}
	en = NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: 2})
	defer en.Close()
	src, dst := []float32{0, 1, 2, 3, 4, 5, 6, 7}, make([]float32, 8)
	if err := en.Run(dst, nil, src, 8); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if v != 2*src[i] {
			t.Errorf("image %d: %v, want %v", i, v, 2*src[i])
		}
	}
	if a, b := done[0].Load(), done[1].Load(); a != 7 || b != 1 {
		t.Errorf("worker 0 computed %d images, worker 1 %d; want 7 and 1", a, b)
	}
}

func TestEngine(t *testing.T) {
	w := &toyWeights{scale: 2}
	for _, threads := range []int{1, 2, 3} {
		en := NewEngine(w, &toyLayout, toyLayers, EngineConfig{Threads: threads, Heads: true})
		for n := 0; n <= 7; n++ {
			t.Run(fmt.Sprintf("threads%d/batch%d", threads, n), func(t *testing.T) {
				src := make([]float32, 3*n)
				for i := range src {
					src[i] = float32(i)
				}
				dst := make([]float32, 3*n)
				heads := [][]float32{make([]float32, n), make([]float32, 2*n)}
				if err := en.Run(dst, heads, src, n); err != nil {
					t.Fatal(err)
				}
				for b := range n {
					for i := range 3 {
						if got, want := dst[3*b+i], 2*src[3*b+i]; got != want {
							t.Errorf("image %d: dst[%d] = %v, want %v", b, i, got, want)
						}
					}
					if got, want := heads[0][b], 2*(src[3*b]+src[3*b+1]+src[3*b+2]); got != want {
						t.Errorf("image %d: head 0 = %v, want %v", b, got, want)
					}
					if got, want := heads[1][2*b:2*b+2], src[3*b+1:3*b+3]; got[0] != want[0] || got[1] != want[1] {
						t.Errorf("image %d: head 1 (a view of the input) = %v, want %v", b, got, want)
					}
				}
				if a := testing.AllocsPerRun(5, func() { en.Run(dst, heads, src, n) }); a != 0 {
					t.Errorf("Run allocates %v times", a)
				}
			})
		}
		c := en.Clone()
		en.Close()
		dst := make([]float32, 3)
		if err := en.Run(dst, nil, []float32{1, 2, 3}, 1); err == nil || !strings.Contains(err.Error(), "Close") {
			t.Errorf("Run after Close: %v", err)
		}
		if err := c.Run(dst, nil, []float32{1, 2, 3}, 1); err != nil || dst[2] != 6 {
			t.Errorf("clone after the original's Close: %v %v", err, dst)
		}
		c.Close()
	}
}

func TestEngineErrors(t *testing.T) {
	en := NewEngine(&toyWeights{1}, &toyLayout, toyLayers, EngineConfig{Threads: 1})
	defer en.Close()
	withHeads := NewEngine(&toyWeights{1}, &toyLayout, toyLayers, EngineConfig{Threads: 1, Heads: true})
	defer withHeads.Close()
	f := func(n int) []float32 { return make([]float32, n) }
	for _, tt := range []struct {
		name  string
		en    *Engine[toyWeights]
		dst   []float32
		heads [][]float32
		src   []float32
		n     int
		want  string
	}{
		{"negative", en, nil, nil, nil, -1, "batch of -1"},
		{"short src", en, f(3), nil, f(2), 1, "input has 2 values, want 1 images of 3 values"},
		{"short dst", en, f(2), nil, f(3), 1, "output has room for 2 values, want 1 images of 3 values"},
		{"heads off", en, f(3), [][]float32{f(1), f(2)}, f(3), 1, "without Options.Heads"},
		{"head count", withHeads, f(3), [][]float32{f(1)}, f(3), 1, "1 head outputs, want 2"},
		{"head size", withHeads, f(3), [][]float32{f(1), f(1)}, f(3), 1, "head 1 output has room for 1 values, want 1 images of 2 values"},
	} {
		err := tt.en.Run(tt.dst, tt.heads, tt.src, tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "toy: ") {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestEngineProfile checks that a profiling engine counts every image of
// every layer that ran, in both halves of a batch, and that ResetProfile
// clears the counts.
func TestEngineProfile(t *testing.T) {
	if p := NewEngine(&toyWeights{1}, &toyLayout, toyLayers, EngineConfig{Threads: 1}); p.Profile() != nil {
		t.Error("Profile without EngineConfig.Profile is not nil")
	}
	en := NewEngine(&toyWeights{2}, &toyLayout, toyLayers, EngineConfig{Threads: 2, Heads: true, Profile: true})
	defer en.Close()
	src, dst := make([]float32, 3*5), make([]float32, 3*5)
	if err := en.Run(dst, nil, src, 5); err != nil { // 4 images split, 1 with the layers split
		t.Fatal(err)
	}
	ps := en.Profile()
	if len(ps) != 2 || ps[0].Name != "double" || ps[0].Images != 5 || ps[0].FLOPs != 3 || ps[1].Images != 0 || !ps[1].Head {
		t.Errorf("profile %+v", ps)
	}
	if a := testing.AllocsPerRun(5, func() { en.Run(dst, nil, src, 5) }); a != 0 {
		t.Errorf("Run allocates %v times while profiling", a)
	}
	en.ResetProfile()
	if ps := en.Profile(); ps[0].Images != 0 || ps[0].Time != 0 {
		t.Errorf("after ResetProfile: %+v", ps[0])
	}
}

// TestEngineDAG runs a diamond of layers (a → b, c → d, b and c
// independent, each with many items) as a task graph on 1 to 4 workers,
// many times, and checks every output: a missing wait would show as a
// wrong value.
func TestEngineDAG(t *testing.T) {
	const n = 4096
	type w struct{}
	layout := Layout{Name: "dag", InputLen: n, ArenaLen: 4 * n, ScratchLen: 1, Output: Slot{Off: 3 * n, Len: n}}
	layers := []Layer[w]{
		{Name: "a", Items: n, Out: Slot{Off: 0, Len: n}, FLOPs: 64e6, Run: func(e *Exec[w], _, lo, hi int) {
			for i := lo; i < hi; i++ {
				e.Arena[i] = e.In[i] + 1
			}
		}},
		{Name: "b", Items: n, Out: Slot{Off: n, Len: n}, FLOPs: 64e6, Deps: []int{0}, Run: func(e *Exec[w], _, lo, hi int) {
			for i := lo; i < hi; i++ {
				e.Arena[n+i] = 2 * e.Arena[n-1-i]
			}
		}},
		{Name: "c", Items: n, Out: Slot{Off: 2 * n, Len: n}, Deps: []int{0}, Run: func(e *Exec[w], _, lo, hi int) {
			for i := lo; i < hi; i++ {
				e.Arena[2*n+i] = 3 * e.Arena[(i+7)%n]
			}
		}},
		{Name: "d", Items: n, Out: Slot{Off: 3 * n, Len: n}, FLOPs: 64e6, Deps: []int{1, 2}, Run: func(e *Exec[w], _, lo, hi int) {
			for i := lo; i < hi; i++ {
				e.Arena[3*n+i] = e.Arena[n+(i*5)%n] + e.Arena[2*n+n-1-i]
			}
		}},
	}
	src := make([]float32, n)
	want := make([]float32, n)
	for i := range src {
		src[i] = float32(i)
	}
	a := func(i int) float32 { return src[i] + 1 }
	for i := range want {
		want[i] = 2*a(n-1-(i*5)%n) + 3*a((n-1-i+7)%n)
	}
	for threads := 1; threads <= 4; threads++ {
		en := NewEngine(&w{}, &layout, layers, EngineConfig{Threads: threads, Profile: threads == 2})
		for range 50 {
			dst := make([]float32, n)
			if err := en.Run(dst, nil, src, 1); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dst, want) {
				t.Fatalf("%d threads: wrong output", threads)
			}
		}
		if threads == 2 {
			if ps := en.Profile(); ps[3].Images != 50 || ps[3].Time <= 0 {
				t.Errorf("profile %+v", ps[3])
			}
		}
		en.Close()
	}
}

// TestEngineBatchOverflow: a batch size whose product with the image size
// overflows to the length of the slices given is an error, not a run
// that indexes past them (which panicked in a worker goroutine and killed
// the process).
func TestEngineBatchOverflow(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("needs 64-bit int")
	}
	const big = 1 << 32 // big·big = 2^64 = 0
	l := Layout{Name: "huge", InputLen: big, ArenaLen: 1, Output: Slot{Off: 0, Len: big}}
	layers := []Layer[toyWeights]{{Name: "read", Items: 1, Run: func(e *Exec[toyWeights], _, _, _ int) { e.Arena[0] = e.In[0] }}}
	for _, threads := range []int{1, 2} {
		en := NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: threads})
		err := en.Run(nil, nil, nil, big)
		if err == nil || !strings.Contains(err.Error(), "input has 0 values, want 4294967296 images of 4294967296 values") {
			t.Errorf("threads %d: Run with a batch of 2^32 images of 2^32 values and no data: %v", threads, err)
		}
		en.Close()
	}
	// The side heads are checked the same way.
	l = Layout{Name: "huge", InputLen: 1, ArenaLen: 1, Output: Slot{Len: 1}, Heads: []Slot{{Len: big}}}
	en := NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: 1, Heads: true})
	defer en.Close()
	if err := en.Run(make([]float32, 1), [][]float32{{}}, make([]float32, 1), 1); err == nil || !strings.Contains(err.Error(), "head 0 output has room for 0 values, want 1 images") {
		t.Errorf("head too small: %v", err)
	}
}

// bomb is a layer that panics on an image whose first value is 13, and
// otherwise copies the image to the arena.
func bomb(e *Exec[toyWeights], worker, lo, hi int) {
	if e.In[0] == 13 {
		panic(fmt.Errorf("%w: bomb: image %v", ref.ErrShape, e.In[0]))
	}
	for i := lo; i < hi; i++ {
		e.Arena[i] = e.In[i]
	}
}

// TestEnginePanic: a panicking layer, on the caller's goroutine or on a
// worker's, with images split among the workers or one image's layers
// split into a task graph (where the layers after it wait for it), makes
// Run return an error wrapping the panic; the process survives and the
// engine still works.
func TestEnginePanic(t *testing.T) {
	l := Layout{Name: "bomb", InputLen: 3, ArenaLen: 6, Output: Slot{Off: 3, Len: 3}}
	layers := []Layer[toyWeights]{
		{Name: "bomb", Items: 3, Run: bomb, Out: Slot{Off: 0, Len: 3}},
		{Name: "copy", Items: 1, Run: func(e *Exec[toyWeights], _, _, _ int) { copy(e.Arena[3:6], e.Arena[0:3]) }, Out: Slot{Off: 3, Len: 3}, Deps: []int{0}},
	}
	for _, threads := range []int{1, 2, 3} {
		en := NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: threads})
		for _, tt := range []struct {
			name string
			src  []float32
		}{
			{"one image", []float32{13, 0, 0}},
			{"first of two", []float32{13, 0, 0, 1, 2, 3}},
			{"second of two", []float32{1, 2, 3, 13, 0, 0}},
			{"last of three", []float32{1, 2, 3, 4, 5, 6, 13, 0, 0}},
			{"third of four", []float32{1, 2, 3, 4, 5, 6, 13, 0, 0, 7, 8, 9}},
		} {
			n := len(tt.src) / 3
			dst := make([]float32, 3*n)
			err := en.Run(dst, nil, tt.src, n)
			var p *PanicError
			if err == nil || !errors.As(err, &p) || !errors.Is(err, ref.ErrShape) || !strings.Contains(err.Error(), "bomb: image 13") {
				t.Errorf("threads %d, %s: Run returned %v, want an error wrapping the layer's panic", threads, tt.name, err)
			}
			if p != nil && !strings.Contains(string(p.Stack), "bomb") {
				t.Errorf("threads %d, %s: the panic's stack does not show the layer:\n%s", threads, tt.name, p.Stack)
			}
			src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
			dst = make([]float32, 12)
			if err := en.Run(dst, nil, src, 4); err != nil || !slices.Equal(dst, src) {
				t.Fatalf("threads %d, after %s: Run = %v, %v, want %v", threads, tt.name, err, dst, src)
			}
		}
		en.Close()
	}
}

// engineOwner stands for a generated Net: it owns an engine, closed by
// CloseEngineWith when the owner is dropped.
type engineOwner struct{ en *Engine[toyWeights] }

// TestCloseEngineWith: the workers of an engine whose owner is dropped are
// stopped.
func TestCloseEngineWith(t *testing.T) {
	before := goruntime.NumGoroutine()
	func() {
		en := NewEngine(&toyWeights{1}, &toyLayout, toyLayers, EngineConfig{Threads: 4})
		CloseEngineWith(&engineOwner{en}, en)
	}()
	deadline := time.Now().Add(time.Minute) // a guard against a hang, not a measure
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		goruntime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the owner was collected, want %d", n, before)
	}
}

// TestDropOwnerWhileRunning: the owner of an engine becomes unreachable
// while Run runs (a generated Net dropped during Infer) and the garbage
// collector runs the cleanup in the middle of the batch. The cleanup must
// not close the workers under the running batch (which then failed, or
// deadlocked if the close came between two layers); the run completes
// and closes them when it ends.
func TestDropOwnerWhileRunning(t *testing.T) {
	var en *Engine[toyWeights]
	var cleaned atomic.Bool // the cleanup ran
	var first atomic.Bool
	first.Store(true)
	layers := []Layer[toyWeights]{
		{Name: "collect", Items: 3, Run: func(e *Exec[toyWeights], worker, lo, hi int) {
			if first.CompareAndSwap(true, false) {
				// The owner is unreachable now: collect it and wait for
				// its cleanup to have run.
				deadline := time.Now().Add(time.Minute) // a guard against a hang, not a measure
				for !cleaned.Load() && time.Now().Before(deadline) {
					goruntime.GC()
					cleaned.Store(en.closing.Load())
					time.Sleep(time.Millisecond)
				}
			}
			toyLayer(e, worker, lo, hi)
		}, Out: Slot{Off: 0, Len: 3}},
		{Name: "copy", Items: 3, Run: func(e *Exec[toyWeights], _, lo, hi int) {
			copy(e.Arena[4+lo:4+hi], e.Arena[lo:hi])
		}, Out: Slot{Off: 4, Len: 3}, Deps: []int{0}},
	}
	l := Layout{Name: "drop", InputLen: 3, ArenaLen: 8, ScratchLen: 1, Output: Slot{Off: 4, Len: 3}}
	en = NewEngine(&toyWeights{2}, &l, layers, EngineConfig{Threads: 2})
	CloseEngineWith(&engineOwner{en}, en) // dropped at once
	// 3 images on 2 threads: two split among the workers, then the last
	// one with its layers split, in a second job of the pool.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	dst := make([]float32, 9)
	if err := en.Run(dst, nil, src, 3); err != nil {
		t.Fatalf("Run while the owner was collected: %v", err)
	}
	if !cleaned.Load() {
		t.Fatal("the owner's cleanup did not run")
	}
	for i := range src {
		if dst[i] != 2*src[i] {
			t.Fatalf("dst = %v, want twice %v", dst, src)
		}
	}
	if !en.workers.closed.Load() {
		t.Error("the workers are still running after the run that held the engine when the owner was collected")
	}
}

// TestEngineSleepingWaiters: in a task graph, a worker that waits long for
// a chunk (here 20 ms, past its polling budget) sleeps, and the chunk's end
// wakes it; if the chunk panics instead, the abort wakes it and Run
// returns the panic. Either way Run returns (a lost wake-up would hang it)
// with the right output.
func TestEngineSleepingWaiters(t *testing.T) {
	slow := func(e *Exec[toyWeights], _, lo, hi int) {
		if lo == 0 {
			time.Sleep(20 * time.Millisecond)
			if e.In[0] == 13 {
				panic(fmt.Errorf("%w: slow bomb", ref.ErrShape))
			}
		}
		for i := lo; i < hi; i++ {
			e.Arena[i] = e.In[i] * 2
		}
	}
	l := Layout{Name: "slow", InputLen: 4, ArenaLen: 8, Output: Slot{Off: 4, Len: 4}}
	layers := []Layer[toyWeights]{
		{Name: "slow", Items: 4, Run: slow, Out: Slot{Off: 0, Len: 4}, FLOPs: 1e9},
		{Name: "add", Items: 4, FLOPs: 1e9, Out: Slot{Off: 4, Len: 4}, Deps: []int{0},
			Run: func(e *Exec[toyWeights], _, lo, hi int) {
				for i := lo; i < hi; i++ {
					e.Arena[4+i] = e.Arena[i] + 1
				}
			}},
	}
	en := NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: 2})
	defer en.Close()
	if c := en.dag[0].chunks; c[0] < 2 || c[1] < 2 {
		t.Fatalf("chunks %v: the test needs layers of several chunks", c)
	}
	for range 5 {
		dst := make([]float32, 4)
		if err := en.Run(dst, nil, []float32{1, 2, 3, 4}, 1); err != nil || !slices.Equal(dst, []float32{3, 5, 7, 9}) {
			t.Fatalf("Run = %v, %v, want [3 5 7 9]", err, dst)
		}
		var p *PanicError
		if err := en.Run(dst, nil, []float32{13, 2, 3, 4}, 1); !errors.As(err, &p) || !strings.Contains(err.Error(), "slow bomb") {
			t.Fatalf("Run of the bomb returned %v, want the panic", err)
		}
	}
	// Waits of 20 ms went to sleep: the polling budget fell.
	if b := en.spinNS.Load(); b >= dagSpinMax || b < dagSpinMin {
		t.Errorf("polling budget %d ns after waits that slept, want it in [%d, %d)", b, dagSpinMin, dagSpinMax)
	}
}

// TestDAGChunks: a GEMM layer of the task graph gets one chunk per
// dagChunkFLOPs, at most dagWorkerChunks per worker and no more than its
// items, but at least one per worker when it has the items, however small
// it is, and a multiple of the workers when its items allow.
func TestDAGChunks(t *testing.T) {
	run := func(*Exec[toyWeights], int, int, int) {}
	layers := []Layer[toyWeights]{
		{Name: "small", Items: 66, FLOPs: 26e6, Run: run},
		{Name: "one item", Items: 1, FLOPs: 26e6, Run: run, Deps: []int{0}},
		{Name: "mid", Items: 66, FLOPs: 100e6, Run: run, Deps: []int{1}},
		{Name: "big", Items: 66, FLOPs: 1e9, Run: run, Deps: []int{2}},
		{Name: "few items", Items: 3, FLOPs: 1e9, Run: run, Deps: []int{3}},
		{Name: "six", Items: 66, FLOPs: 50e6, Run: run, Deps: []int{4}},
		{Name: "five items", Items: 5, FLOPs: 80e6, Run: run, Deps: []int{5}},
		{Name: "pool", Items: 64, Out: Slot{Len: 100}, Run: run, Deps: []int{6}},
		{Name: "big pool", Items: 64, Out: Slot{Len: 1 << 16}, Run: run, Deps: []int{7}},
	}
	for _, tc := range []struct {
		threads int
		want    []int32
	}{
		{2, []int32{4, 1, 12, 16, 3, 6, 5, 1, 2}},
		{3, []int32{3, 1, 12, 24, 3, 6, 5, 1, 3}},
		{4, []int32{4, 1, 12, 32, 3, 8, 5, 1, 4}},
	} {
		if got := newDAGPlan(layers, tc.threads, false).chunks; !slices.Equal(got, tc.want) {
			t.Errorf("%d threads: chunks %v, want %v", tc.threads, got, tc.want)
		}
	}
}

// TestDAGEachChunkOnce: with workers taking their own chunks first and
// then the others', every work item of every layer runs exactly once per
// image, on 2, 3 and 4 threads, for layers of one chunk to many and a
// chunk slow enough that the others steal around it.
func TestDAGEachChunkOnce(t *testing.T) {
	const items = 37
	for _, threads := range []int{2, 3, 4} {
		runs := make([]atomic.Int32, 4*items)
		run := func(layer int) func(*Exec[toyWeights], int, int, int) {
			return func(_ *Exec[toyWeights], _, lo, hi int) {
				if layer == 1 && lo == 0 {
					time.Sleep(2 * time.Millisecond)
				}
				for i := lo; i < hi; i++ {
					runs[layer*items+i].Add(1)
				}
			}
		}
		layers := []Layer[toyWeights]{
			{Name: "a", Items: items, FLOPs: 1e9, Run: run(0)},
			{Name: "b", Items: items, FLOPs: 2e8, Run: run(1), Deps: []int{0}},
			{Name: "c", Items: items, FLOPs: 1e9, Run: run(2), Deps: []int{0}},
			{Name: "d", Items: items, Out: Slot{Len: 10}, Run: run(3), Deps: []int{1, 2}},
		}
		l := Layout{Name: "once", InputLen: 1, ArenaLen: 1}
		en := NewEngine(&toyWeights{1}, &l, layers, EngineConfig{Threads: threads})
		const images = 20
		for range images {
			if err := en.Run(make([]float32, 0), nil, []float32{1}, 1); err != nil {
				t.Fatal(err)
			}
		}
		en.Close()
		for i := range runs {
			if n := runs[i].Load(); n != images {
				t.Fatalf("%d threads: layer %d item %d ran %d times in %d images", threads, i/items, i%items, n, images)
			}
		}
	}
}
