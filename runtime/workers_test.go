package runtime

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

type counter struct{ hits []atomic.Int32 }

func countItems(c *counter, worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
}

// TestParallel checks that every item is computed exactly once, for
// several thread counts (including more threads than GOMAXPROCS) and item
// counts (including fewer items than threads).
func TestParallel(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 7} {
		w := newPool(threads)
		for _, items := range []int{0, 1, 2, 3, 5, 64, 1000} {
			c := &counter{hits: make([]atomic.Int32, items)}
			for range 3 {
				parallel(w, items, c, countItems)
			}
			for i := range c.hits {
				if h := c.hits[i].Load(); h != 3 {
					t.Fatalf("threads %d items %d: item %d computed %d times in 3 runs, want 3", threads, items, i, h)
				}
			}
		}
		w.Close()
		w.Close() // idempotent
	}
}

// TestParallelAfterSleep lets the workers block, then runs again.
func TestParallelAfterSleep(t *testing.T) {
	w := newPool(2)
	defer w.Close()
	c := &counter{hits: make([]atomic.Int32, 4)}
	parallel(w, 4, c, countItems)
	time.Sleep(50 * time.Millisecond)
	parallel(w, 4, c, countItems)
	for i := range c.hits {
		if h := c.hits[i].Load(); h != 2 {
			t.Fatalf("item %d computed %d times, want 2", i, h)
		}
	}
}

func TestParallelAllocs(t *testing.T) {
	w := newPool(2)
	defer w.Close()
	c := &counter{hits: make([]atomic.Int32, 16)}
	if a := testing.AllocsPerRun(100, func() { parallel(w, 16, c, countItems) }); a != 0 {
		t.Errorf("Parallel allocates %v times per run, want 0", a)
	}
}

func noop(c *counter, worker, lo, hi int) {}

// BenchmarkParallel measures the cost of one Parallel call with an empty task.
func BenchmarkParallel(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprint(threads), func(b *testing.B) {
			w := newPool(threads)
			defer w.Close()
			c := &counter{}
			for b.Loop() {
				parallel(w, 2, c, noop)
			}
		})
	}
}

// TestParallelStress runs many jobs whose lengths straddle the callers'
// and workers' spinning (so that they block and wake through the
// channels), on more workers than GOMAXPROCS allows to run at once, and
// checks after each that all its items were done: a late signal of one job
// must not end the wait for the next.
func TestParallelStress(t *testing.T) {
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for _, threads := range []int{2, 3} {
		w := newPool(threads)
		var done atomic.Int64
		s := &stressJob{done: &done}
		for r := range rounds {
			done.Store(0)
			s.spin = (r * 7919) % 300000 // 0 to about a millisecond
			parallel(w, 64, s, stressItems)
			if n := done.Load(); n != 64 {
				w.Close()
				t.Fatalf("%d threads, round %d: Parallel returned with %d of 64 items done", threads, r, n)
			}
		}
		w.Close()
	}
}

type stressJob struct {
	done *atomic.Int64
	spin int
}

func stressItems(s *stressJob, worker, lo, hi int) {
	x := 0
	for i := range s.spin * (hi - lo) / 32 {
		x += i
	}
	if x >= 0 {
		s.done.Add(int64(hi - lo))
	}
}

// TestParallelPanic: a piece that panics on a worker goroutine does not
// kill the process: Parallel waits for the other pieces and panics with a
// *PanicError on the caller's goroutine, and the pool still works.
func TestParallelPanic(t *testing.T) {
	for _, threads := range []int{2, 3} {
		w := newPool(threads)
		for bad := range threads {
			c := &counter{hits: make([]atomic.Int32, threads)}
			got := func() (r any) {
				defer func() { r = recover() }()
				parallel(w, threads, c, func(c *counter, worker, lo, hi int) {
					if worker == bad {
						panic(fmt.Sprintf("piece of worker %d", worker))
					}
					countItems(c, worker, lo, hi)
				})
				return nil
			}()
			p, ok := got.(*PanicError)
			if !ok || p.Value != fmt.Sprintf("piece of worker %d", bad) {
				t.Fatalf("threads %d, panic on worker %d: Parallel raised %v, want a *PanicError", threads, bad, got)
			}
			for i := range c.hits {
				if h := c.hits[i].Load(); h != 1 && i != bad {
					t.Errorf("threads %d: item %d computed %d times, want 1: the other pieces ran", threads, i, h)
				}
			}
			c = &counter{hits: make([]atomic.Int32, 100)}
			parallel(w, 100, c, countItems)
			for i := range c.hits {
				if h := c.hits[i].Load(); h != 1 {
					t.Fatalf("threads %d, after a panic: item %d computed %d times, want 1", threads, i, h)
				}
			}
		}
		w.Close()
	}
}
