package runtime

import "github.com/inccdev/incc/runtime/ref"

// This file holds what generated layers run of the reference kernels
// (package ref): the geometry of pooling, and the kernels that are not on
// the hot path (the border cells of average pooling, softmax), so that
// generated code and the interpreter compute them with one piece of code,
// to the bit.

// Pad is padding on each side of an image, in cells ([ref.Pad]).
type Pad = ref.Pad

// Pool2DParams is the geometry of max or average pooling of one image
// ([ref.Pool2DParams]).
type Pool2DParams = ref.Pool2DParams

// SumCell is the float32 sum of the cells [y0, y1) × [x0, x1) of a plane
// of width w, in row-major order, as average pooling sums a window
// ([ref.SumCell]).
func SumCell(plane []float32, w, y0, y1, x0, x1 int) float32 {
	return ref.SumCell(plane, w, y0, y1, x0, x1)
}

// Softmax computes the softmax of each of the n rows of c values of src
// into dst ([ref.Softmax]).
func Softmax(dst, src []float32, n, c int) { ref.Softmax(dst, src, n, c) }
