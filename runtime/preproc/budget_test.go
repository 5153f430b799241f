package preproc

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBudget: goroutines that take parts of a budget never hold more than
// it at once; one that asks for more than all of it gets all of it, once
// the others are done; and everything is given back.
func TestBudget(t *testing.T) {
	b := NewBudget(10)
	var held, most atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := b.acquire(int64(1 + i%7))
			h := held.Add(n)
			for m := most.Load(); h > m && !most.CompareAndSwap(m, h); m = most.Load() {
			}
			held.Add(-n)
			b.release(n)
		}()
	}
	wg.Wait()
	if most.Load() > 10 || b.Peak() > 10 || b.used != 0 {
		t.Errorf("held %d at most (budget peak %d), %d left in use; want at most 10, 0 left", most.Load(), b.Peak(), b.used)
	}

	// A request larger than the budget waits for the whole of it.
	b = NewBudget(10)
	first := b.acquire(4)
	done := make(chan int64)
	go func() { done <- b.acquire(1000) }()
	b.release(first) // the big one can run now, alone
	if got := <-done; got != 10 || b.Peak() != 10 {
		t.Errorf("a request for 1000 of 10 got %d (peak %d), want 10 (the whole budget, alone)", got, b.Peak())
	}
}

// TestLoadHoldsBudget: Load holds the image's estimate from the header
// while it decodes, and gives it back, also when the image is refused.
func TestLoadHoldsBudget(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	good, bad := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	os.WriteFile(good, buf.Bytes(), 0o644)
	os.WriteFile(bad, buf.Bytes()[:buf.Len()-20], 0o644)
	b := NewBudget(1 << 20)
	cfg := Config{Channels: 1, Height: 8, Width: 8, Memory: b}
	if err := cfg.Load(good, make([]float32, 64)); err != nil {
		t.Fatal(err)
	}
	if want := DecodeBytes(40, 30, color.GrayModel); b.Peak() != want || want != 40*30*4 || b.used != 0 {
		t.Errorf("peak %d, %d still held; want %d, 0", b.Peak(), b.used, want)
	}
	if err := cfg.Load(bad, make([]float32, 64)); err == nil || b.used != 0 {
		t.Errorf("truncated image: %v, %d still held", err, b.used)
	}
}
