package serve

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of admission and batching; the protocol layers map them to
// status codes.
var (
	// errFull: the queue holds as many requests as it may (503,
	// RESOURCE_EXHAUSTED).
	errFull = errors.New("the server is busy: the request queue is full, retry later")
	// errClosed: the server is draining (503, UNAVAILABLE).
	errClosed = errors.New("the server is shutting down")
)

// task is one request's images on their way through the batcher.
type task struct {
	ctx   context.Context
	n     int         // images
	src   []float32   // n inputs
	dst   [][]float32 // per output (model.outputs order), n values each
	err   error
	start time.Time // when it was queued
	done  chan struct{}
}

// batcher gathers queued tasks into batches of at most maxBatch images,
// waiting at most maxDelay after the first task of a batch was queued,
// and runs them one batch at a time on the network.
//
// Admission bounds memory: a request takes one of cap(slots) slots before
// its body is read and gives it back when it is answered or abandoned; the
// queue has as much room as there are slots, and queueing never blocks. A task
// whose context ended while it waited (client gone, timeout) is dropped
// when it is dequeued, so it takes no place in a batch.
type batcher struct {
	m        *Model
	outs     []output
	maxBatch int
	maxDelay time.Duration

	slots chan struct{}
	queue chan *task

	mu     sync.RWMutex
	closed bool
	exited chan struct{}

	met *metrics

	// The batch buffers, used by the run goroutine only.
	src   []float32
	dst   [][]float32
	first *task // a dequeued task that did not fit the last batch
}

func newBatcher(m *Model, maxBatch int, maxDelay time.Duration, queue int, met *metrics) *batcher {
	b := &batcher{
		m: m, outs: m.outputs(), maxBatch: maxBatch, maxDelay: maxDelay,
		slots:  make(chan struct{}, queue),
		queue:  make(chan *task, queue),
		exited: make(chan struct{}),
		met:    met,
		src:    make([]float32, maxBatch*m.inLen()),
	}
	for _, o := range b.outs {
		b.dst = append(b.dst, make([]float32, maxBatch*o.len))
	}
	go b.run()
	return b
}

// admit takes a slot, without waiting: errFull when there is none, and
// errClosed while draining. The caller must call release once, when it
// has answered the request.
func (b *batcher) admit() error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errClosed
	}
	select {
	case b.slots <- struct{}{}:
		b.met.inflight.Add(1)
		return nil
	default:
		return errFull
	}
}

func (b *batcher) release() {
	<-b.slots
	b.met.inflight.Add(-1)
}

// do queues n images (src holds them) and waits for their outputs or for
// ctx to end. The caller holds an admitted slot until do returns; a task
// abandoned in the queue stays there until the batcher drops it, so the
// queue may be full even with a free slot: then do returns errFull.
func (b *batcher) do(ctx context.Context, src []float32, n int) ([][]float32, error) {
	t := &task{ctx: ctx, n: n, src: src, start: time.Now(), done: make(chan struct{})}
	for _, o := range b.outs {
		t.dst = append(t.dst, make([]float32, n*o.len))
	}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, errClosed
	}
	select {
	case b.queue <- t:
		b.met.queued.Add(1)
	default:
		b.mu.RUnlock()
		return nil, errFull
	}
	b.mu.RUnlock()
	select {
	case <-t.done:
		return t.dst, t.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// close stops admission; the run goroutine finishes the queued tasks and
// exits. wait waits for that.
func (b *batcher) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
}

func (b *batcher) wait() { <-b.exited }

func (b *batcher) finish(t *task, err error) {
	t.err = err
	close(t.done)
}

// next dequeues the next live task, dropping abandoned ones; nil when the
// queue is closed and empty. With block false it returns nil at once when
// nothing is queued.
func (b *batcher) next(block bool, timer <-chan time.Time) *task {
	for {
		var t *task
		ok := true
		if t = b.first; t != nil {
			b.first = nil
		} else if block {
			select {
			case t, ok = <-b.queue:
				b.met.dequeued(ok)
			case <-timer:
				return nil
			}
		} else {
			select {
			case t, ok = <-b.queue:
				b.met.dequeued(ok)
			default:
				return nil
			}
		}
		if !ok {
			return nil
		}
		if err := t.ctx.Err(); err != nil {
			b.met.dropped.Add(1)
			b.finish(t, err)
			continue
		}
		return t
	}
}

func (b *batcher) run() {
	defer close(b.exited)
	for {
		first := b.next(true, nil)
		if first == nil {
			return
		}
		batch, n := []*task{first}, first.n
		var timer *time.Timer
		var fire <-chan time.Time
		if wait := b.maxDelay - time.Since(first.start); wait > 0 && n < b.maxBatch {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		for n < b.maxBatch {
			t := b.next(fire != nil, fire)
			if t == nil {
				break
			}
			if n+t.n > b.maxBatch {
				b.first = t
				break
			}
			batch, n = append(batch, t), n+t.n
		}
		if timer != nil {
			timer.Stop()
		}
		b.runBatch(batch, n)
	}
}

// runBatch runs one batch of n images and hands each task its outputs.
func (b *batcher) runBatch(batch []*task, n int) {
	inLen := b.m.inLen()
	off := 0
	for _, t := range batch {
		copy(b.src[off*inLen:], t.src)
		off += t.n
	}
	dst := b.dst[0][:n*b.outs[0].len]
	var err error
	if len(b.outs) > 1 {
		heads := make([][]float32, len(b.outs)-1)
		for i := range heads {
			heads[i] = b.dst[i+1][:n*b.outs[i+1].len]
		}
		err = b.m.Net.InferHeads(dst, b.src[:n*inLen], n, heads)
	} else {
		err = b.m.Net.Infer(dst, b.src[:n*inLen], n)
	}
	b.met.batch(n)
	now := time.Now()
	off = 0
	for _, t := range batch {
		if err == nil {
			for i, o := range b.outs {
				copy(t.dst[i], b.dst[i][off*o.len:(off+t.n)*o.len])
			}
		}
		off += t.n
		b.met.queueWait.observe(now.Sub(t.start).Seconds())
		b.finish(t, err)
	}
}

// gauge is an int64 that metrics reads.
type gauge = atomic.Int64
