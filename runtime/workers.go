package runtime

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"sync/atomic"
)

// pool is a fixed pool of goroutines that run the pieces of a task in
// parallel: [parallel] splits a range of work items into one contiguous
// piece per worker (the caller's goroutine is worker 0). An [Engine] owns
// one and calls parallel once per layer.
//
// Which worker computes which items depends on the thread count, so a task
// whose result must not depend on it computes each output from its item
// alone, with a fixed order of operations: then any number of threads gives
// the same bits.
//
// Between tasks, idle workers spin for a few tens of microseconds (a
// network's layers follow each other faster than a goroutine wakes up) and
// then block. A pool is used by one goroutine at a time.
//
// A panic in a piece, on any worker, does not kill the process: the job
// still ends when every worker is done with it, and parallel then panics
// on the caller's goroutine with a [*PanicError], which the caller may
// recover (an [Engine] turns it into an error).
type pool struct {
	n        int
	gen      atomic.Uint64  // job generation: workers run a job when it changes
	pending  atomic.Int64   // workers 1..n-1 that have not finished the current job
	waiting  atomic.Uint64  // the job's generation while the caller blocks on done, else 0
	sleeping []atomic.Int32 // per worker: 1 while it blocks on wake
	wake     []chan struct{}
	done     chan struct{}
	closed   atomic.Bool
	panicked atomic.Pointer[PanicError] // the job's first panic
	job      job
}

// PanicError is a panic raised by a layer of a network an [Engine] runs
// (a piece of a job of its pool), on whatever worker ran it, with that
// worker's stack: [Engine.Run] returns it as an error.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the panic value if it is an error (such as a kernel's,
// wrapping ref.ErrShape).
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// recoverPanic, deferred around a piece of a job, records its panic.
func (w *pool) recoverPanic() {
	if r := recover(); r != nil {
		p, ok := r.(*PanicError)
		if !ok {
			p = &PanicError{Value: r, Stack: debug.Stack()}
		}
		w.panicked.CompareAndSwap(nil, p)
	}
}

// job is the task being run, written by parallel before it bumps gen.
type job struct {
	items int
	call  caller
	fn    any // func(*T, int, int, int)
	ctx   any // *T
}

// spinLimit is how many times a worker or the caller polls before it
// blocks; polling yields the processor every spinYield polls, so that a
// pool larger than GOMAXPROCS still makes progress.
const (
	spinLimit = 1 << 15
	spinYield = 1 << 8
)

// newPool starts a pool of threads workers (threads-1 goroutines; the
// caller of parallel is the first worker). threads < 1 means
// GOMAXPROCS. Close stops the goroutines.
func newPool(threads int) *pool {
	if threads < 1 {
		threads = goruntime.GOMAXPROCS(0)
	}
	w := &pool{n: threads, sleeping: make([]atomic.Int32, threads),
		wake: make([]chan struct{}, threads), done: make(chan struct{}, 1)}
	for id := 1; id < threads; id++ {
		w.wake[id] = make(chan struct{}, 1)
		go w.loop(id)
	}
	return w
}

// Threads is the number of workers, the caller included.
func (w *pool) Threads() int {
	if w == nil {
		return 1
	}
	return w.n
}

// Close stops the pool's goroutines. It is idempotent; parallel must not be
// running or called afterwards.
func (w *pool) Close() {
	if w == nil || w.closed.Swap(true) {
		return
	}
	w.gen.Add(1)
	for id := 1; id < w.n; id++ {
		if w.sleeping[id].CompareAndSwap(1, 0) {
			w.wake[id] <- struct{}{}
		}
	}
}

// span is the piece of items that worker id of n computes: [lo, hi) with
// lo = id·items/n and hi = (id+1)·items/n.
func span(items, n, id int) (lo, hi int) { return id * items / n, (id + 1) * items / n }

// parallel runs fn(ctx, worker, lo, hi) on the pieces of [0, items) given
// by [span], one per worker, and returns when all are done. Workers with an
// empty piece do not call fn. With w nil, one worker or fewer than two
// items, it calls fn(ctx, 0, 0, items) on the caller's goroutine. It does
// not allocate. If a piece panics, parallel still waits for the other
// pieces and then panics with a [*PanicError] on the caller's goroutine.
func parallel[T any](w *pool, items int, ctx *T, fn func(ctx *T, worker, lo, hi int)) {
	if w == nil || w.n == 1 || items < 2 {
		if items > 0 {
			fn(ctx, 0, 0, items)
		}
		return
	}
	if w.closed.Load() {
		panic("runtime: parallel on a closed pool")
	}
	j := &w.job
	j.items, j.call, j.fn, j.ctx = items, taskCaller[T]{}, fn, ctx
	w.pending.Store(int64(w.n - 1))
	w.gen.Add(1)
	for id := 1; id < w.n; id++ {
		if w.sleeping[id].Load() == 1 && w.sleeping[id].CompareAndSwap(1, 0) {
			w.wake[id] <- struct{}{}
		}
	}
	if lo, hi := span(items, w.n, 0); lo < hi {
		callerPiece(w, fn, ctx, lo, hi)
	}
	w.wait()
	j.fn, j.ctx = nil, nil
	if p := w.panicked.Swap(nil); p != nil {
		panic(p)
	}
}

// callerPiece runs the caller's piece of a job, recording a panic so that
// the other workers' pieces are waited for before it is raised again.
func callerPiece[T any](w *pool, fn func(ctx *T, worker, lo, hi int), ctx *T, lo, hi int) {
	defer w.recoverPanic()
	fn(ctx, 0, lo, hi)
}

// caller calls a job's function with its concrete types.
type caller interface {
	call(j *job, worker, lo, hi int)
}

// taskCaller is the caller for a context of type *T. It has no fields, so
// storing it in an interface does not allocate (a generic function value
// would: it carries its dictionary).
type taskCaller[T any] struct{}

func (taskCaller[T]) call(j *job, worker, lo, hi int) {
	j.fn.(func(*T, int, int, int))(j.ctx.(*T), worker, lo, hi)
}

// wait returns when every worker has finished the current job.
//
// waiting holds the job's generation, not a flag: the worker that finishes
// a job last may still be about to signal it when the caller, having seen
// pending reach zero by spinning, already runs the next job and waits for
// it; with a flag, that late signal would end the next job's wait early.
func (w *pool) wait() {
	for i := 1; i <= spinLimit; i++ {
		if w.pending.Load() == 0 {
			return
		}
		if i%spinYield == 0 {
			goruntime.Gosched()
		}
	}
	g := w.gen.Load()
	w.waiting.Store(g)
	if w.pending.Load() == 0 && w.waiting.CompareAndSwap(g, 0) {
		return
	}
	<-w.done
}

// loop is worker id's goroutine.
func (w *pool) loop(id int) {
	var seen uint64
	for {
		seen = w.await(id, seen)
		if w.closed.Load() {
			return
		}
		j := &w.job
		if lo, hi := span(j.items, w.n, id); lo < hi {
			w.piece(j, id, lo, hi)
		}
		if w.pending.Add(-1) == 0 && w.waiting.CompareAndSwap(seen, 0) {
			w.done <- struct{}{}
		}
	}
}

// piece runs worker id's piece of job j; a panic is recorded for parallel
// to raise on the caller's goroutine, so that it cannot kill the process.
func (w *pool) piece(j *job, id, lo, hi int) {
	defer w.recoverPanic()
	j.call.call(j, id, lo, hi)
}

// await returns the job generation once it differs from seen.
//
// A wake-up may be stale: parallel may have found the worker asleep for a
// job that it then took up and finished by itself (seeing the new
// generation before blocking) while parallel was still about to wake it.
// So the worker checks the generation again and, if it has not changed,
// waits again rather than run a job twice.
func (w *pool) await(id int, seen uint64) uint64 {
	for i := 1; i <= spinLimit; i++ {
		if g := w.gen.Load(); g != seen {
			return g
		}
		if i%spinYield == 0 {
			goruntime.Gosched()
		}
	}
	for {
		w.sleeping[id].Store(1)
		if g := w.gen.Load(); g != seen && w.sleeping[id].CompareAndSwap(1, 0) {
			return g
		}
		<-w.wake[id]
		if g := w.gen.Load(); g != seen {
			return g
		}
	}
}
