//go:build amd64 && !purego

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinograd1DTransforms: the assembly transforms give the Go ones'
// bits (NaN compared as NaN), for rows of 1 to 40 columns (whole vectors
// and tails), tile rows cut by the bottom edge, zero rows, and inputs
// with ±0, ±Inf and NaN.
func TestWinograd1DTransforms(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(73, 74))
	val := func() float32 {
		switch r.IntN(40) {
		case 0:
			return float32(math.Copysign(0, -1))
		case 1:
			return float32(math.Inf(1 - 2*r.IntN(2)))
		case 2:
			return float32(math.NaN())
		}
		return r.Float32()*4 - 2
	}
	same := func(a, b float32) bool {
		return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
	}
	for w := 1; w <= 40; w++ {
		for _, h := range []int{1, 3, 4, 5, 9, 17} {
			nr := (h + 3) / 4
			plane := make([]float32, h*w)
			for i := range plane {
				plane[i] = val()
			}
			zero := make([]float32, w)
			offs := make([]int64, 6*nr)
			for i := range offs {
				y := 4*(i/6) - 3 + i%6
				offs[i] = -1
				if y >= 0 && y < h {
					offs[i] = int64(4 * y * w)
				}
			}
			vs := nr*w + 3
			va, vg := make([]float32, 6*vs), make([]float32, 6*vs)
			w1dInPlane(&va[0], vs, &plane[0], &zero[0], &offs[0], nr, w)
			w1dInPlaneGo(&vg[0], vs, &plane[0], &zero[0], &offs[0], nr, w)
			for i := range va {
				if !same(va[i], vg[i]) {
					t.Fatalf("input transform w %d h %d: V[%d] = %v (assembly), %v (Go)", w, h, i, va[i], vg[i])
				}
			}
			mm := make([]float32, 6*vs)
			for i := range mm {
				mm[i] = val()
			}
			bias := val()
			oa, og := make([]float32, h*w+5), make([]float32, h*w+5)
			for i := range oa {
				oa[i], og[i] = 42, 42
			}
			w1dOutPlane(&oa[0], w, h, &mm[0], vs, bias)
			w1dOutPlaneGo(&og[0], w, h, &mm[0], vs, bias)
			for i := range oa {
				if !same(oa[i], og[i]) {
					t.Fatalf("output transform w %d h %d: out[%d] = %v (assembly), %v (Go)", w, h, i, oa[i], og[i])
				}
			}
		}
	}
}
