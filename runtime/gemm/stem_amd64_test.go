//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestConvS2 checks the direct stem kernel against the im2col path bit for
// bit: 1 to 4 input channels, odd and even sizes, every padding of 0 or 1
// pixel per side, 8 to 32 output channels, tiles of pixels and of panels,
// no bias, ReLU, clamps (ReLU6; with −0 or 0 as a bound, the im2col path
// runs), and inputs with NaNs, infinities and
// signed zeros.
func TestConvS2(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	defer func(v bool) { convS2On = v }(convS2On)
	r := rand.New(rand.NewPCG(41, 42))
	n := 0
	for ci := 1; ci <= 4; ci++ {
		for _, hw := range [][2]int{{3, 3}, {5, 9}, {8, 8}, {17, 40}, {33, 70}, {3, 67}, {12, 131}} {
			for pads := range 16 {
				g := Conv{C: ci, H: hw[0], W: hw[1], KH: 3, KW: 3, SH: 2, SW: 2, Pad: [4]int{pads & 1, pads >> 1 & 1, pads >> 2 & 1, pads >> 3 & 1}}
				if g.OH() < 1 || g.OW() < 1 {
					continue
				}
				m := 8 * (1 + r.IntN(4))
				src := randSlice(r, g.C*g.H*g.W)
				for i := range src {
					switch r.IntN(40) {
					case 0:
						src[i] = float32(math.NaN())
					case 1:
						src[i] = float32(math.Inf(2*r.IntN(2) - 1))
					case 2:
						src[i] = float32(math.Copysign(0, -1))
					}
				}
				w := randSlice(r, m*g.K())
				p := packWith(asmSet, w, m, g.K(), nil)
				var bias []float32
				if r.IntN(3) > 0 {
					bias = randSlice(r, m)
				}
				relu := r.IntN(2) == 0
				var f *Fused
				if r.IntN(2) == 0 {
					lh := [][2]float32{{0, 6}, {-1, 1.5}, {float32(math.Copysign(0, -1)), 6}, {-1, 0}}[r.IntN(4)]
					f = &Fused{Clamp: true, Lo: lh[0], Hi: lh[1]}
				}
				N := g.N()
				scratch := make([]float32, ScratchSize(g.K()))
				run := func(on bool, n0, n1, m0, m1 int) []float32 {
					convS2On = on
					c := make([]float32, m*N)
					for i := range c {
						c[i] = -7
					}
					p.ConvTileFused(c, N, src, g, n0, n1, m0, m1, bias, relu, f, scratch)
					return c
				}
				want := run(false, 0, N, 0, m)
				got := run(true, 0, N, 0, m)
				if !slices.EqualFunc(got, want, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Fatalf("%+v m %d relu %v clamp %v: differs from the im2col path", g, m, relu, f != nil)
				}
				// A tile of pixels and panels.
				n0 := r.IntN(N)
				n1 := n0 + 1 + r.IntN(N-n0)
				m0 := 8 * r.IntN(m/8)
				m1 := m0 + 8*(1+r.IntN((m-m0)/8))
				want, got = run(false, n0, n1, m0, m1), run(true, n0, n1, m0, m1)
				if !slices.EqualFunc(got, want, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Fatalf("%+v m %d, tile [%d, %d)×[%d, %d): differs from the im2col path", g, m, n0, n1, m0, m1)
				}
				n++
			}
		}
	}
	t.Log(fmt.Sprintf("%d geometries", n))
}
