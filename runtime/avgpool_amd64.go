//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// avg512 reports whether avgFlat16 can run (AVX-512 F; a variable, which
// the tests turn off to check the AVX2 path).
var avg512 = cpu.X86.HasAVX512F

// avgFlat16 sets d[i] = (Σ_{ky<kh, kx<kw} s[i + ky·w + kx]) / div[i] for
// i < n (n ≥ 1), summing in row-major order from zero (AVX-512).
//
//go:noescape
func avgFlat16(d, s, div *float32, n, w, kh, kw int)

// avgFlat sets d[i] = (Σ_{ky<kh, kx<kw} s[i + ky·w + kx]) / div[i] for
// every i < len(d) (AVX-512; only called when avg512 is set).
func avgFlat(d, s, div []float32, w, kh, kw int) {
	n := len(d)
	_, _ = s[(kh-1)*w+n-1+kw-1], div[n-1]
	avgFlat16(&d[0], &s[0], &div[0], n, w, kh, kw)
}

// avgRow8 sets d[x] = (Σ_{ky<kh, kx<kw} s[ky·w + x + kx]) / (kh·kw) for
// x < n, n a multiple of 8, summing in row-major order from zero (AVX2).
//
//go:noescape
func avgRow8(d, s *float32, w, n, kh, kw int, div float32)

// avgRow computes the cells of o (stride 1, whole windows from s, rows w
// apart, each sum divided by div) 8 at a time, the last 8 overlapping the ones before (each cell is
// computed alone, so twice gives the same bits), and returns how many it
// did: all, or none if there are fewer than 8.
func avgRow(o, s []float32, w, kh, kw int, div float32) int {
	n := len(o)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_ = s[(kh-1)*w+n-1+kw-1]
	avgRow8(&o[0], &s[0], w, n&^7, kh, kw, div)
	if n%8 != 0 {
		avgRow8(&o[n-8], &s[n-8], w, 8, kh, kw, div)
	}
	return n
}
