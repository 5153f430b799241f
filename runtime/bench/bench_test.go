package bench

import (
	"strings"
	"testing"

	rt "github.com/inccdev/incc/runtime"
)

// toyNet is a generated Net's API over an engine of one layer that
// doubles its input (3 FLOPs) and a side head that sums it.
type toyNet struct{ *rt.Engine[float32] }

func (n toyNet) Infer(dst, src []float32, b int) error { return n.Run(dst, nil, src, b) }

var (
	toyLayout = rt.Layout{Name: "toy", InputLen: 3, ArenaLen: 4, Output: rt.Slot{Off: 0, Len: 3}, Heads: []rt.Slot{{Off: 3, Len: 1}}}
	toyLayers = []rt.Layer[float32]{
		{Name: "double", Items: 3, Out: rt.Slot{Off: 0, Len: 3}, FLOPs: 3, Run: func(e *rt.Exec[float32], _, lo, hi int) {
			for i := lo; i < hi; i++ {
				e.Arena[i] = e.In[i] * *e.W
			}
		}},
		{Name: "sum", Items: 1, Head: true, Out: rt.Slot{Off: 3, Len: 1}, Deps: []int{0}, Run: func(e *rt.Exec[float32], _, _, _ int) {
			e.Arena[3] = e.Arena[0] + e.Arena[1] + e.Arena[2]
		}},
	}
)

func newToy(profile bool) toyNet {
	scale := float32(2)
	return toyNet{rt.NewEngine(&scale, &toyLayout, toyLayers, rt.EngineConfig{Threads: 2, Profile: profile})}
}

func TestBench(t *testing.T) {
	en := newToy(true)
	defer en.Close()
	r, err := Run(en, Config{Input: [3]int{3, 1, 1}, OutputLen: 3, Batch: 3, Iters: 10, Warmup: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Batch != 3 || r.Iters != 10 || len(r.Layers) != 1 || r.Layers[0].Name != "double" || r.Layers[0].Share != 1 ||
		r.GFLOPs != 3e-9 || !(r.Min <= r.P50 && r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.Max) || r.ImagesPerSecond <= 0 {
		t.Errorf("%+v", r)
	}
	var b strings.Builder
	if err := r.WriteText(&b, 5); err != nil || !strings.Contains(b.String(), "double") || !strings.Contains(b.String(), "p50") {
		t.Errorf("WriteText: %v\n%s", err, b.String())
	}
	plain := newToy(false)
	defer plain.Close()
	r, err = Run(plain, Config{Input: [3]int{3, 1, 1}, OutputLen: 3, Batch: 1, Iters: 2})
	b.Reset()
	if err != nil || len(r.Layers) != 0 || r.GFLOPs != 0 || r.Iters != 2 || r.WriteText(&b, 0) != nil ||
		!strings.Contains(b.String(), "images/s") || strings.Contains(b.String(), "GFLOP") {
		t.Errorf("without a profile: %v %+v\n%s", err, r, b.String())
	}
	if _, err := Run(plain, Config{Input: [3]int{3, 1, 1}, OutputLen: 3, Batch: 0, Iters: 1}); err == nil {
		t.Error("batch 0: no error")
	}
}

func TestMsString(t *testing.T) {
	for ms, want := range map[float64]string{123.4: "123 ms", 12.34: "12.3 ms", 1.234: "1.23 ms", 0.1234: "123 µs", 0.0005: "0.5 µs"} {
		if got := msString(ms); got != want {
			t.Errorf("msString(%v) = %q, want %q", ms, got, want)
		}
	}
}
