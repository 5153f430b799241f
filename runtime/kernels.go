package runtime

import "github.com/inccdev/incc/runtime/ref"

// This file holds what generated layers run of the reference kernels
// (package ref): the geometry of pooling, the kernels that are not on the
// hot path (the border cells of average pooling and of grouped
// convolutions, softmax), and the functions of one value of the
// activations that are not a min or a max, so that generated code and the
// interpreter compute them with one piece of code, to the bit.

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

// ConvCell is one output of a convolution as [ref.Conv2D] computes it, for
// the border pixels of grouped convolutions ([ref.ConvCell]).
func ConvCell(in, wk []float32, b float32, cg, h, w, kh, kw, iy, ix int) float32 {
	return ref.ConvCell(in, wk, b, cg, h, w, kh, kw, iy, ix)
}

// SigmoidOf is 1 / (1 + exp(-v)), the exponential in float64, rounded once
// ([ref.SigmoidOf]).
func SigmoidOf(v float32) float32 { return ref.SigmoidOf(v) }

// HardSigmoidOf is PyTorch's hardsigmoid of v, min(max(v + 3, 0), 6) / 6
// in float32 ([ref.HardSigmoidOf]).
func HardSigmoidOf(v float32) float32 { return ref.HardSigmoidOf(v) }

// HardSwishOf is PyTorch's hardswish of v, v · min(max(v + 3, 0), 6) / 6
// in float32 ([ref.HardSwishOf]).
func HardSwishOf(v float32) float32 { return ref.HardSwishOf(v) }

// SiLUOf is v / (1 + exp(-v)) in float64, rounded once ([ref.SiLUOf]).
func SiLUOf(v float32) float32 { return ref.SiLUOf(v) }
