package runtime

import (
	"cmp"
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
	prof    []layerTime // per layer, when profiling
}

// layerTime is the time a layer took over the images an Exec ran.
type layerTime struct {
	ns     int64 // atomic while a task graph runs
	images int64
}

// slot returns the values of s.
func (e *Exec[W]) slot(s Slot) []float32 {
	if s.Input {
		return e.In[s.Off : s.Off+s.Len]
	}
	return e.Arena[s.Off : s.Off+s.Len]
}

// Layer is one layer function of a generated network, as an [Engine] runs
// it: Run computes work items [lo, hi) of the layer for the image in e, on
// worker's scratch; [parallel] splits the Items among the workers. Every
// output is computed by one item, in a fixed order, so the results do not
// depend on the split.
type Layer[W any] struct {
	Name  string // the IR op it computes (the first, if others are fused into it)
	Items int
	Run   func(e *Exec[W], worker, lo, hi int)
	Head  bool  // belongs to a side head: runs only with heads
	Out   Slot  // where its output goes
	FLOPs int64 // floating-point operations for one image (2 per multiply-add of a convolution or fully connected layer; 0 for the other kinds)
	// Deps are the earlier layers this one must wait for: it reads their
	// output or overwrites memory they use. Layers that do not depend on
	// each other may run at the same time.
	Deps []int
}

// EngineConfig configures [NewEngine].
type EngineConfig struct {
	// Threads is the number of workers (< 1: GOMAXPROCS).
	Threads int
	// Heads says whether the weights include the side heads'.
	Heads bool
	// Profile records the time each layer takes ([Engine.Profile]).
	Profile bool
}

// Engine runs a generated network on batches: it owns a worker pool and
// one [Exec] (arena and scratch) per worker, and serialises its callers
// with a mutex.
//
// A batch of n images runs in two parts. The first n - n mod T images
// (T threads) are split among the workers, each computing whole images in
// its own arena and taking the next one when done (see runImages). The
// remaining n mod T images run one after the other, all workers on one
// image: its layers, cut into chunks of work items, form a task graph
// (Layer.Deps) whose layers the workers go through in a fixed order, each
// taking its own share of a layer's chunks first and then what is left of
// the others' (see take), waiting only for what a chunk depends on, so
// that independent layers (the branches of an Inception block) run at the
// same time and there is no barrier between layers. Generated layers
// compute every output from their work item alone, in a fixed order, so
// the results are the same bits whatever the thread count and whoever
// runs a chunk.
type Engine[W any] struct {
	mu      sync.Mutex
	closing atomic.Bool // closeUnused was called: whoever holds mu closes the workers on unlock
	w       *W
	layout  *Layout
	layers  []Layer[W]
	cfg     EngineConfig
	workers *pool
	execs   []Exec[W]
	images  func(en *Engine[W], worker, lo, hi int) // runImages[W], made once: a generic function value allocates
	// The batch being run, for runImages: images [0, full) go to
	// whichever worker asks next (next counts them out).
	dst, src []float32
	headDst  [][]float32
	full     int
	next     atomic.Int64
	// The task graph of an image split among the workers (T > 1): plans
	// without and with the side heads, the one running, the chunks done
	// per layer and the tasks taken.
	dag    [2]dagPlan
	plan   *dagPlan
	done   []atomic.Int32
	taken  []atomic.Bool                           // per task of the running plan: claimed by a worker
	abort  atomic.Bool                             // a task panicked: the others stop waiting for it
	dagRun func(en *Engine[W], worker, lo, hi int) // runDAG[W]
	// A worker that polled spinNS nanoseconds for a layer sleeps on wake
	// (sleepers counts them) until the last chunk of a layer is done or
	// the task graph aborts: spinning on, it would hold a CPU that the
	// worker it waits for may need (another process has taken the other
	// core), and a 10 ms image then takes 40 or more. spinNS adapts (see
	// waitLayer).
	sleep    sync.Mutex
	wake     sync.Cond
	sleepers atomic.Int32
	spinNS   atomic.Int64
}

// dagPlan is the task graph of one image for T workers: the chunks of its
// layers in the order the workers go through them (by level, then most
// work downstream first; a topological order: a worker moves past a
// layer only when all its chunks are taken, by workers that wait only for
// earlier layers, so waiting cannot deadlock), and each layer's number of
// chunks (0 if it does not run).
type dagPlan struct {
	tasks  []dagTask
	chunks []int32
	groups [][2]int32 // each running layer's tasks, [start, end) in tasks, in order
}

// dagTask is a chunk: items [lo, hi) of a layer.
type dagTask struct {
	layer, lo, hi int32
}

// Chunking of the task graph: a layer that counts FLOPs (a convolution or
// a product) gets about one chunk per dagChunkFLOPs (at most
// dagWorkerChunks per worker, and no more than its items), but at least
// one per worker if it has the items (a layer of one chunk in a chain of
// layers leaves the other workers idle: ResNet-50's 1×1 convolutions of
// 26 MFLOP were), and a multiple of the workers if its items allow (3
// chunks on 2 workers left one idle for a third of the layer: in
// Xception's second 147×147 depthwise convolution, one worker waited
// 0.43 ms for the other's second chunk); any other layer one per worker
// if its output has dagSplitValues values or more, else one.
//
// The chunks are as small as this so that a worker slower than the other
// (a core shared with another process, as this machine's two often are,
// one at about 0.8 of the other's speed) costs a layer its average speed,
// not the slow worker's: with a share of 4 chunks each, the fast worker
// finishes its own when the slow one is on its last, finds nothing left
// to take and waits. One image on 2 threads, one worker made 0.8× as fast
// (it spun a quarter of each chunk's time after it; bench -iters 40, two
// alternating runs): Xception 66.1 and 67.3 → 56.7 and 58.3 ms with 8 MFLOP
// and 8 a worker instead of 16 MFLOP and 4 (50.8 and 51.5 → 49.9 and 51.5
// at full speed), ResNet-50 27.1, 27.1 → 25.6, 26.2 (22.1, 21.7 → 22.1,
// 22.5), torchvision GoogLeNet 8.42, 8.55 → 8.24, 8.37 (7.43, 7.27 → 7.26,
// 7.58), Inception-v4 74.0, 72.9 → 71.9, 73.8 (65.3, 64.1 → 65.9, 63.0).
const (
	dagChunkFLOPs   = 8e6
	dagWorkerChunks = 8
	dagSplitValues  = 1 << 15
)

// newDAGPlan plans the layers (with the side heads' if heads) for t
// workers.
func newDAGPlan[W any](layers []Layer[W], t int, heads bool) dagPlan {
	n := len(layers)
	p := dagPlan{chunks: make([]int32, n)}
	level := make([]int, n)
	cost := make([]float64, n)
	for i, l := range layers {
		if l.Head && !heads {
			continue
		}
		for _, d := range l.Deps {
			level[i] = max(level[i], level[d]+1)
		}
		c := 1
		switch {
		case l.FLOPs > 0:
			c = max(1, min(t, l.Items), min(int(float64(l.FLOPs)/dagChunkFLOPs), dagWorkerChunks*t, l.Items))
			if r := c % t; r != 0 && c+t-r <= l.Items {
				c += t - r
			}
			cost[i] = float64(l.FLOPs)
		case l.Out.Len >= dagSplitValues:
			c = max(1, min(t, l.Items))
		}
		if cost[i] == 0 {
			cost[i] = 20 * float64(l.Out.Len) // a guess: pools and the like
		}
		p.chunks[i] = int32(c)
	}
	// rank: the work on the longest path from a layer to the end.
	rank := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		rank[i] += cost[i]
		for _, d := range layers[i].Deps {
			rank[d] = max(rank[d], rank[i])
		}
	}
	order := make([]int, 0, n)
	for i := range layers {
		if p.chunks[i] > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(level[a], level[b]), -cmp.Compare(rank[a], rank[b]))
	})
	for _, i := range order {
		c := int(p.chunks[i])
		p.groups = append(p.groups, [2]int32{int32(len(p.tasks)), int32(len(p.tasks) + c)})
		for k := range c {
			lo, hi := span(layers[i].Items, c, k)
			p.tasks = append(p.tasks, dagTask{layer: int32(i), lo: int32(lo), hi: int32(hi)})
		}
	}
	return p
}

// NewEngine returns an engine for weights w that runs the layers (in
// order) of a network with layout l.
func NewEngine[W any](w *W, l *Layout, layers []Layer[W], cfg EngineConfig) *Engine[W] {
	workers := newPool(cfg.Threads)
	t := workers.Threads()
	cfg.Threads = t
	en := &Engine[W]{w: w, layout: l, layers: layers, cfg: cfg, workers: workers, execs: make([]Exec[W], t),
		images: runImages[W], dagRun: runDAG[W]}
	if t > 1 {
		en.dag = [2]dagPlan{newDAGPlan(layers, t, false), newDAGPlan(layers, t, cfg.Heads)}
		en.done = make([]atomic.Int32, len(layers))
		en.taken = make([]atomic.Bool, max(len(en.dag[0].tasks), len(en.dag[1].tasks)))
		en.wake.L = &en.sleep
		en.spinNS.Store(dagSpinMax)
	}
	scratch := make([][]float32, t)
	for i := range scratch {
		scratch[i] = make([]float32, l.ScratchLen)
	}
	for i := range en.execs {
		// Exec i uses scratch i as its worker 0; exec 0 also runs layers
		// split among all workers, which use the scratch of their index.
		en.execs[i] = Exec[W]{W: w, Arena: make([]float32, l.ArenaLen), Scratch: scratch[i:]}
		if cfg.Profile {
			en.execs[i].prof = make([]layerTime, len(layers))
		}
	}
	return en
}

// CloseEngineWith closes en when owner becomes unreachable: a safety net
// for owners (a generated Net) dropped without being closed. en must not
// refer to owner. The cleanup never waits and never closes the workers
// under a running call: if the engine is busy, the call that holds it
// closes them when it ends. (The owner's methods should also keep the
// owner alive while they use en, with runtime.KeepAlive.)
func CloseEngineWith[T, W any](owner *T, en *Engine[W]) {
	if en.workers.Threads() > 1 {
		goruntime.AddCleanup(owner, (*Engine[W]).closeUnused, en)
	}
}

// closeUnused is the cleanup of [CloseEngineWith]: it asks for the
// workers to be closed, and closes them unless a call holds the engine,
// which then does so in unlock.
func (en *Engine[W]) closeUnused() {
	en.closing.Store(true)
	if en.mu.TryLock() {
		en.workers.Close()
		en.mu.Unlock()
	}
}

// unlock releases the engine and, if closeUnused was called meanwhile,
// closes the workers. closeUnused sets closing before it tries the lock
// and unlock reads it after releasing the lock, so one of them sees the
// other and the workers are closed.
func (en *Engine[W]) unlock() {
	en.mu.Unlock()
	if en.closing.Load() && en.mu.TryLock() {
		en.workers.Close()
		en.mu.Unlock()
	}
}

// Clone returns an engine sharing en's weights, with its own workers and
// arenas, for callers that run in parallel.
func (en *Engine[W]) Clone() *Engine[W] {
	return NewEngine(en.w, en.layout, en.layers, en.cfg)
}

// Close stops the engine's workers. The engine must not be used afterwards.
func (en *Engine[W]) Close() {
	en.mu.Lock()
	defer en.unlock()
	en.workers.Close()
}

// Run computes a batch of n images: src holds n·InputLen values (N×C×H×W),
// dst receives n·Output.Len values. If heads is not nil, it holds one slice
// per side head, receiving n·Heads[i].Len values each; the engine must have
// been made with heads. Wrong sizes are errors. Run does not allocate.
//
// A panic in a layer (a bug: layers are generated for the sizes Run
// checks), on any worker, is returned as an error wrapping a
// [*PanicError]; the engine stays usable.
func (en *Engine[W]) Run(dst []float32, heads [][]float32, src []float32, n int) (err error) {
	l := en.layout
	if err := en.check(dst, heads, src, n); err != nil {
		return err
	}
	en.mu.Lock()
	defer en.unlock()
	if en.workers.closed.Load() {
		return fmt.Errorf("%s: Infer after Close", l.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			p, ok := r.(*PanicError)
			if !ok {
				p = &PanicError{Value: r, Stack: debug.Stack()}
			}
			en.dst, en.src, en.headDst, en.plan = nil, nil, nil, nil
			for i := range en.execs {
				en.execs[i].In = nil
			}
			err = fmt.Errorf("%s: internal error in a layer: %w", l.Name, p)
		}
	}()
	t := len(en.execs)
	en.dst, en.src, en.headDst = dst, src, heads
	en.full = 0
	if t > 1 && n >= t {
		en.full = n / t * t
		en.next.Store(0)
		parallel(en.workers, t, en, en.images)
	}
	for b := en.full; b < n; b++ {
		en.image(&en.execs[0], en.workers, b)
	}
	en.dst, en.src, en.headDst = nil, nil, nil
	return nil
}

// runImages is the task of workers [lo, hi) (one each) when whole images
// are split among the workers: each takes the next image not yet taken of
// [0, full), computes it in its own exec, and so on until none is left.
// Taken in turn rather than in fixed shares, a worker slowed down (another
// process on its core) computes fewer images and the batch does not wait
// for it as long: a batch of 8 on 2 threads, one of them at 2/3 of its
// speed throughout, takes 1.5× its time in fixed shares of 4 images,
// 1.25× taking turns (5 images and 3). Which worker computes an image
// does not change its bits.
func runImages[W any](en *Engine[W], worker, lo, hi int) {
	for w := lo; w < hi; w++ {
		for {
			b := int(en.next.Add(1) - 1)
			if b >= en.full {
				break
			}
			en.image(&en.execs[w], nil, b)
		}
	}
}

// image computes image b of the current batch in e.
func (en *Engine[W]) image(e *Exec[W], p *pool, b int) {
	l := en.layout
	e.In = en.src[b*l.InputLen : (b+1)*l.InputLen]
	en.forward(e, p)
	o := l.Output.Len
	copy(en.dst[b*o:(b+1)*o], e.slot(l.Output))
	for i, h := range en.headDst {
		s := l.Heads[i]
		copy(h[b*s.Len:(b+1)*s.Len], e.slot(s))
	}
	e.In = nil
}

// forward computes the image in e.In to the arena: each layer with its
// work items split among the workers of p (nil: all on the calling
// goroutine); the side heads' layers only if the batch asks for them.
func (en *Engine[W]) forward(e *Exec[W], p *pool) {
	heads := en.headDst != nil
	if p.Threads() > 1 {
		en.forwardDAG(e, heads)
		return
	}
	if e.prof == nil {
		for i := range en.layers {
			l := &en.layers[i]
			if l.Head && !heads {
				continue
			}
			parallel(p, l.Items, e, l.Run)
		}
		return
	}
	t := time.Now()
	for i := range en.layers {
		l := &en.layers[i]
		if l.Head && !heads {
			continue
		}
		parallel(p, l.Items, e, l.Run)
		now := time.Now()
		e.prof[i].ns += int64(now.Sub(t))
		e.prof[i].images++
		t = now
	}
}

// forwardDAG computes the image in e.In with all workers, running the task
// graph of its layers.
func (en *Engine[W]) forwardDAG(e *Exec[W], heads bool) {
	en.plan = &en.dag[0]
	if heads {
		en.plan = &en.dag[1]
	}
	for i := range en.done {
		en.done[i].Store(0)
	}
	for i := range en.plan.tasks {
		en.taken[i].Store(false)
	}
	en.abort.Store(false)
	parallel(en.workers, en.workers.Threads(), en, en.dagRun)
	if e.prof != nil {
		for i, c := range en.plan.chunks {
			if c > 0 {
				e.prof[i].images++
			}
		}
	}
	en.plan = nil
}

// runDAG is a worker's part of a task graph (on the engine's first Exec,
// which runs images split among the workers): it goes through the layers
// in the plan's order, takes a task of the one it is at (take) or moves
// on, waits for the chunks of the layers the task depends on, runs it and
// counts it done, until no task is left. If a task panics, the others stop waiting
// for it (they would wait forever) and leave the task graph, and the
// panic reaches the caller of parallel.
func runDAG[W any](en *Engine[W], worker, _, _ int) {
	e, p := &en.execs[0], en.plan
	finished := false
	defer func() {
		if !finished {
			en.abort.Store(true)
			en.wakeSleepers()
		}
	}()
	t := len(en.execs)
	g := 0 // the layer (group of tasks) the worker is at
	for {
		i := -1
		for ; g < len(p.groups); g++ {
			if i = en.take(p.groups[g], worker, t); i >= 0 {
				break
			}
		}
		if i < 0 || en.abort.Load() {
			finished = true
			return
		}
		t := p.tasks[i]
		l := &en.layers[t.layer]
		for _, d := range l.Deps {
			if !en.waitLayer(d, p.chunks[d]) {
				finished = true
				return
			}
		}
		if e.prof == nil {
			l.Run(e, worker, int(t.lo), int(t.hi))
		} else {
			start := time.Now()
			l.Run(e, worker, int(t.lo), int(t.hi))
			atomic.AddInt64(&e.prof[t.layer].ns, int64(time.Since(start)))
		}
		if en.done[t.layer].Add(1) == p.chunks[t.layer] && en.sleepers.Load() > 0 {
			en.wakeSleepers()
		}
	}
}

// take claims a task of the layer whose tasks are group, for worker w of
// t: its own share of the chunks first (chunk k is worker k·t/c's), in
// order, else the last one left of the others'; -1 if every chunk is
// taken. With a layer's output cut the same way as its input (the columns
// of a chain of convolutions), what a worker reads is then mostly what it
// wrote, in its own core's cache; taking the others' when its own are
// done keeps the balance of taking the next task, as the workers did
// before (one image on 2 threads, bench -iters 30, medians of three
// alternating runs: ResNet-50 24.1 → 22.9 ms, torchvision GoogLeNet 8.47
// → 8.10, MobileNetV2 5.21 → 4.94, Inception-v3 36.6 → 34.3, Xception
// 69.8 → 67.8, Inception-v4 80.4 → 73.2).
func (en *Engine[W]) take(group [2]int32, w, t int) int {
	s, end := int(group[0]), int(group[1])
	c := end - s
	for k := s + w*c/t; k < s+(w+1)*c/t; k++ {
		if en.claim(k) {
			return k
		}
	}
	for k := end - 1; k >= s; k-- {
		if en.claim(k) {
			return k
		}
	}
	return -1
}

// claim marks task k taken, reporting whether it was not yet.
func (en *Engine[W]) claim(k int) bool {
	return !en.taken[k].Load() && en.taken[k].CompareAndSwap(false, true)
}

// waitLayer waits until the n chunks of layer d are done: it polls (and
// yields the processor every spinYield polls) for up to spinNS
// nanoseconds, then sleeps until a layer's last chunk or an abort wakes
// it. It reports false if the task graph aborted.
//
// The polling budget adapts between dagSpinMin and dagSpinMax: halved by
// each wait that ends asleep, grown by an eighth by each that ends
// polling. Waking a sleeper costs about 90 µs on the machine the README
// measures, while the chunks of a layer end up to a few hundred µs apart:
// with a budget of 1 ms the waits of an unloaded machine end polling
// (with the chunking above, one image on 2 threads: ResNet-50 25.4 → 23.0
// ms, Xception 72.1 → 63.1 ms, medians of two runs; a fixed budget of
// 2^15 polls, about 60 µs, slept in most waits). When another process
// holds a core, polling takes it from the worker waited for; then waits
// time out and the budget falls to dagSpinMin within a few of them.
//
// A sleeper counts itself in sleepers before it checks the layer under
// the lock, and a worker that finishes a layer checks sleepers after it
// counts the chunk done: either the sleeper sees the chunk done, or the
// worker sees the sleeper and wakes it under the lock.
func (en *Engine[W]) waitLayer(d int, n int32) bool {
	if en.done[d].Load() >= n {
		return true
	}
	budget := en.spinNS.Load()
	var start int64
	for spin := 1; en.done[d].Load() < n; spin++ {
		if en.abort.Load() {
			return false
		}
		if spin%spinYield != 0 {
			continue
		}
		goruntime.Gosched()
		now := time.Now().UnixNano()
		if start == 0 {
			start = now
			continue
		}
		if now-start < budget {
			continue
		}
		en.spinNS.Store(max(dagSpinMin, budget/2))
		en.sleepers.Add(1)
		en.sleep.Lock()
		for en.done[d].Load() < n && !en.abort.Load() {
			en.wake.Wait()
		}
		en.sleep.Unlock()
		en.sleepers.Add(-1)
		return !en.abort.Load()
	}
	en.spinNS.Store(min(dagSpinMax, budget+budget/8))
	return !en.abort.Load()
}

// The bounds of a task graph waiter's polling budget (see waitLayer).
const (
	dagSpinMin = 30_000    // ns
	dagSpinMax = 1_000_000 // ns
)

// wakeSleepers wakes the workers sleeping in waitLayer.
func (en *Engine[W]) wakeSleepers() {
	en.sleep.Lock()
	en.wake.Broadcast()
	en.sleep.Unlock()
}

// LayerProfile is what [Engine.Profile] reports of one layer: the time it
// took over the images it ran since the engine was made or its profile
// reset. Time/Images is the time of one image: one thread's time; for an
// image split among the workers (its layers' chunks a task graph), the
// chunks' times summed, the time waiting for other chunks left out.
type LayerProfile struct {
	Name   string
	Head   bool
	FLOPs  int64 // for one image
	Images int
	Time   time.Duration
}

// Profile returns the per-layer times recorded since the engine was made
// or its profile reset, in layer order, or nil if the engine was made
// without EngineConfig.Profile. Layers of side heads that did not run
// report no images.
func (en *Engine[W]) Profile() []LayerProfile {
	en.mu.Lock()
	defer en.unlock()
	if !en.cfg.Profile {
		return nil
	}
	ps := make([]LayerProfile, len(en.layers))
	for i, l := range en.layers {
		ps[i] = LayerProfile{Name: l.Name, Head: l.Head, FLOPs: l.FLOPs}
		for _, e := range en.execs {
			ps[i].Images += int(e.prof[i].images)
			ps[i].Time += time.Duration(e.prof[i].ns)
		}
	}
	return ps
}

// ResetProfile clears the recorded times.
func (en *Engine[W]) ResetProfile() {
	en.mu.Lock()
	defer en.unlock()
	for _, e := range en.execs {
		clear(e.prof)
	}
}

// check validates the sizes of a batch. It compares by division, never
// multiplying n by a length, so that a huge n cannot overflow into a size
// that matches.
func (en *Engine[W]) check(dst []float32, heads [][]float32, src []float32, n int) error {
	l := en.layout
	switch {
	case n < 0:
		return fmt.Errorf("%s: batch of %d images", l.Name, n)
	case !holds(src, n, l.InputLen):
		return fmt.Errorf("%s: input has %d values, want %d images of %d values", l.Name, len(src), n, l.InputLen)
	case !holds(dst, n, l.Output.Len):
		return fmt.Errorf("%s: output has room for %d values, want %d images of %d values", l.Name, len(dst), n, l.Output.Len)
	case heads == nil:
		return nil
	case !en.cfg.Heads:
		return fmt.Errorf("%s: side heads requested, but the network was made without Options.Heads", l.Name)
	case len(heads) != len(l.Heads):
		return fmt.Errorf("%s: %d head outputs, want %d", l.Name, len(heads), len(l.Heads))
	}
	for i, h := range heads {
		if per := l.Heads[i].Len; !holds(h, n, per) {
			return fmt.Errorf("%s: head %d output has room for %d values, want %d images of %d values", l.Name, i, len(h), n, per)
		}
	}
	return nil
}

// holds reports whether s holds exactly n images of per values each
// (n ≥ 0), without computing n·per.
func holds(s []float32, n, per int) bool {
	if per == 0 || n == 0 {
		return len(s) == 0
	}
	return len(s)%per == 0 && len(s)/per == n
}
