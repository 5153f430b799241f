package runtime

import "fmt"

// BatchNormPlane applies a batch normalisation to one channel plane:
//
//	dst[i] = float32(float64(src[i])·float64(scale) + float64(shift))
//
// [ref.BatchNorm]'s arithmetic for a channel whose scale and shift
// [ref.BatchNormScale] computed (the product is exact in float64, so one
// rounding there and one to float32), then, if relu, max(dst[i], 0) as Go's
// max and [ref.ReLU] have it (a NaN stays NaN, −0 becomes +0). On amd64
// with AVX-512 (unless built with -tags purego) 16 values at a time, with
// the bits of the Go loop. dst and src have the same length and may be the
// same slice. It does not allocate.
func BatchNormPlane(dst, src []float32, scale, shift float32, relu bool) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("runtime: batchnorm: dst %d values, src %d", len(dst), len(src)))
	}
	n := 0
	if len(src) > 0 {
		n = bnVector(dst, src, scale, shift, relu)
	}
	bnGo(dst[n:], src[n:], scale, shift, relu)
}

// bnGo is BatchNormPlane in Go.
func bnGo(dst, src []float32, scale, shift float32, relu bool) {
	s, t := float64(scale), float64(shift)
	for i, x := range src {
		v := float32(float64(x)*s + t)
		if relu {
			v = max(v, 0)
		}
		dst[i] = v
	}
}
