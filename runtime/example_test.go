package runtime_test

import (
	"fmt"

	"github.com/inccdev/incc/runtime"
)

func ExampleCheck() {
	w := runtime.Weights{
		"conv1.weight":                 runtime.New(64, 3, 3, 3),
		"conv1.bn.num_batches_tracked": runtime.New(),
	}
	want := []runtime.Spec{
		{Name: "conv1.weight", Shape: []int{64, 3, 7, 7}},
		{Name: "conv1.bn.weight", Shape: []int{64}},
	}
	fmt.Println(runtime.Check(w, want, runtime.IsBatchesTracked))
	// Output:
	// runtime: weights: conv1.weight: shape [64 3 3 3], want [64 3 7 7]
	// runtime: weights: conv1.bn.weight: missing, want shape [64]
}

func ExampleMaxPool2D() {
	// 1×1×4×4 image 1..16, 3×3 window, stride 2, ceil rounding: the second
	// window in each direction hangs one cell over the edge.
	src := make([]float32, 16)
	for i := range src {
		src[i] = float32(i + 1)
	}
	p := runtime.Pool2DParams{C: 1, H: 4, W: 4, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}
	dst := make([]float32, p.OutH()*p.OutW())
	runtime.MaxPool2D(dst, src, 1, p)
	fmt.Println(dst)
	runtime.AvgPool2D(dst, src, 1, p)
	fmt.Println(dst)
	// Output:
	// [11 12 15 16]
	// [6 7.5 12 13.5]
}
