package ref

import "math"

// LRN computes local response normalisation across channels for a batch of
// n images of c channels of hw cells each (Caffe ACROSS_CHANNELS, PyTorch
// LocalResponseNorm):
//
//	s = Σ_{j = ch - size/2}^{ch + (size-1)/2} src[b][j][i]²   (channels outside [0, c) are zero)
//	dst[b][ch][i] = src[b][ch][i] / (k + alpha/size · s)^beta
//
// Arithmetic follows PyTorch's float32 evaluation order: s is summed in
// channel order, then d = s/size·alpha + k, then d^beta, then x/d^beta
// (alpha, beta and k rounded to float32; the power is computed in float64
// and rounded).
func LRN(dst, src []float32, n, c, hw, size int, alpha, beta, k float64) {
	if size <= 0 {
		shapePanic("lrn: size %d", size)
	}
	checkLen("lrn", "src", src, n*c*hw)
	checkLen("lrn", "dst", dst, n*c*hw)
	a, bt, kk, sz := float32(alpha), float64(float32(beta)), float32(k), float32(size)
	acc := make([]float32, hw)
	for b := range n {
		img := src[b*c*hw : (b+1)*c*hw]
		out := dst[b*c*hw : (b+1)*c*hw]
		for ch := range c {
			for i := range acc {
				acc[i] = 0
			}
			for j := max(ch-size/2, 0); j <= min(ch+(size-1)/2, c-1); j++ {
				for i, v := range img[j*hw : (j+1)*hw] {
					acc[i] += v * v
				}
			}
			x := img[ch*hw : (ch+1)*hw]
			y := out[ch*hw : (ch+1)*hw]
			for i, s := range acc {
				d := float32(s/sz*a) + kk
				y[i] = x[i] / float32(math.Pow(float64(d), bt))
			}
		}
	}
}

// BatchNorm computes inference batch normalisation of a batch of n images
// of c channels of hw cells each:
//
//	dst[b][ch][i] = (src[b][ch][i] - mean[ch]) / sqrt(variance[ch] + eps) · gamma[ch] + beta[ch]
//
// evaluated as PyTorch's CPU kernel does (Debian's torch 1.13 build, whose
// compiler fuses the multiply-adds), in float32:
//
//	scale = 1/sqrt(variance + eps) · gamma
//	shift = fma(-mean, scale, beta)
//	dst   = fma(src, scale, shift)
//
// which reproduces torch bit for bit. (The fused multiply-add is computed
// as a float64 sum of the exact float64 product, then rounded to float32.)
func BatchNorm(dst, src, gamma, beta, mean, variance []float32, n, c, hw int, eps float64) {
	checkLen("batchnorm", "src", src, n*c*hw)
	checkLen("batchnorm", "dst", dst, n*c*hw)
	for _, p := range []struct {
		name string
		s    []float32
	}{{"gamma", gamma}, {"beta", beta}, {"mean", mean}, {"variance", variance}} {
		checkLen("batchnorm", p.name, p.s, c)
	}
	e := float32(eps)
	for ch := range c {
		inv := 1 / float32(math.Sqrt(float64(variance[ch]+e)))
		scale := inv * gamma[ch]
		shift := float32(float64(beta[ch]) - float64(mean[ch])*float64(scale))
		s64, t64 := float64(scale), float64(shift)
		for b := range n {
			off := (b*c + ch) * hw
			x, y := src[off:off+hw], dst[off:off+hw]
			for i, v := range x {
				y[i] = float32(float64(v)*s64 + t64)
			}
		}
	}
}
