// Package geom holds the geometry of sliding windows (convolutions and
// pooling) along one axis: output sizes with floor or ceil rounding,
// TensorFlow's SAME padding, and the ranges of outputs whose window taps lie
// inside the input. It is the one statement of these rules: the checker
// (compiler), the IR's shape inference (compiler/ir), the exporter, the code
// generator and the runtime's kernels all call it.
//
// It imports only the standard library, so that both compiler/ and runtime/
// (and so model binaries) may import it.
package geom

// Out is the output size of a sliding window of size k with the given
// stride over an input of size in padded by padBefore and padAfter cells.
// With floor rounding (convolutions, and pools by default):
//
//	out = floor((in + padBefore + padAfter - k) / stride) + 1
//
// With ceil rounding (Caffe's pools, PyTorch's ceil_mode=True):
//
//	out = ceil((in + padBefore + padAfter - k) / stride) + 1
//	if (out - 1) * stride >= in + padBefore { out-- }
//
// The correction keeps the last window starting inside the image or its
// leading padding; the part of that window beyond the trailing padding is
// clipped. PyTorch applies it always; Caffe only when padding is non-zero,
// which differs only when stride > k.
//
// Out returns 0 if k or stride is not positive or the window does not fit
// the padded input (in + padBefore + padAfter < k).
func Out(in, k, stride, padBefore, padAfter int, ceil bool) int {
	span := in + padBefore + padAfter - k
	if k <= 0 || stride <= 0 || span < 0 {
		return 0
	}
	if !ceil {
		return span/stride + 1
	}
	out := (span+stride-1)/stride + 1
	if (out-1)*stride >= in+padBefore {
		out--
	}
	return out
}

// Same returns TensorFlow's SAME padding of an input of size in for a
// window k with the given stride: the output is ceil(in / stride), and the
// padding that needs is split with the odd cell at the end.
func Same(in, k, stride int) (before, after int) {
	out := (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return total / 2, total - total/2
}

// Taps returns the outputs o in [lo, hi) whose tap at window offset i lands
// inside the input: 0 <= o*stride - pad + i < in, with 0 <= o < out.
func Taps(i, pad, stride, in, out int) (lo, hi int) {
	if d := pad - i; d > 0 {
		lo = (d + stride - 1) / stride
	}
	last := in - 1 + pad - i // o*stride <= last
	if last < 0 {
		return 0, 0
	}
	hi = min(last/stride+1, out)
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}

// Inside returns the outputs [lo, hi) whose whole window of size k lies
// inside the input: the outputs whose first and last taps both do.
func Inside(in, out, k, stride, pad int) (lo, hi int) {
	lo0, hi0 := Taps(0, pad, stride, in, out)
	lo1, hi1 := Taps(k-1, pad, stride, in, out)
	lo, hi = max(lo0, lo1), min(hi0, hi1)
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}
