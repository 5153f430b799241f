package runtime

import (
	"fmt"
	"math"
)

// LRN075Pixels computes pixels [p0, p1) of every channel of the local
// response normalisation of one image with beta 0.75 (GoogLeNet's), src
// and dst c×hw: for channel ch and pixel i, s is the sum in channel order,
// in float32, of the squares of src over channels max(ch−size/2, 0) to
// min(ch+(size−1)/2, c−1); d = float32(s/size·alpha) + k; and
//
//	dst = src / float32(r·sqrt(r)),  r = sqrt(float64(d))
//
// d^0.75 in float64, rounded once to float32, where [ref.LRN] rounds
// math.Pow's (the two agree but for rare last-bit ties). On amd64 with
// AVX-512 (unless built with -tags purego) 16 pixels at a time, with the
// bits of the Go loop (IEEE-rounded division, square roots, products and
// conversions). It does not allocate.
func LRN075Pixels(dst, src []float32, c, hw, size int, alpha, k float32, p0, p1 int) {
	if c < 1 || size < 1 || p0 < 0 || p1 > hw || len(src) < c*hw || len(dst) < c*hw {
		panic(fmt.Sprintf("runtime: lrn: pixels [%d, %d) of %d×%d, size %d: src %d, dst %d values", p0, p1, c, hw, size, len(src), len(dst)))
	}
	if p0 >= p1 {
		return
	}
	if lrnVector(dst, src, c, hw, size, alpha, k, p0, p1) {
		return
	}
	lrn075Go(dst, src, c, hw, size, alpha, k, p0, p1)
}

// lrn075Go is LRN075Pixels in Go.
func lrn075Go(dst, src []float32, c, hw, size int, alpha, k float32, p0, p1 int) {
	sz := float32(size)
	for ch := range c {
		j0, j1 := max(ch-size/2, 0), min(ch+(size-1)/2+1, c)
		for i := p0; i < p1; i++ {
			var s float32
			for j := j0; j < j1; j++ {
				v := src[j*hw+i]
				s += v * v
			}
			d := float32(s/sz*alpha) + k
			r := math.Sqrt(float64(d))
			dst[ch*hw+i] = src[ch*hw+i] / float32(r*math.Sqrt(r))
		}
	}
}
