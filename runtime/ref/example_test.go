package ref_test

import (
	"fmt"

	"github.com/inccdev/incc/runtime/ref"
)

func ExampleMaxPool2D() {
	// 1×1×4×4 image 1..16, 3×3 window, stride 2, ceil rounding: the second
	// window in each direction hangs one cell over the edge.
	src := make([]float32, 16)
	for i := range src {
		src[i] = float32(i + 1)
	}
	p := ref.Pool2DParams{C: 1, H: 4, W: 4, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}
	dst := make([]float32, p.OutH()*p.OutW())
	ref.MaxPool2D(dst, src, 1, p)
	fmt.Println(dst)
	ref.AvgPool2D(dst, src, 1, p)
	fmt.Println(dst)
	// Output:
	// [11 12 15 16]
	// [6 7.5 12 13.5]
}
