package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinograd1D: the 7×1 convolution in Winograd form against the
// direct one (float64), within 1e-5 of the sum of the terms' magnitudes,
// computed whole and in pieces of tile rows and channels (the same bits),
// on shapes with every remainder of rows (h mod 4), narrow and wide rows
// (several blocks of tile rows), and with and without bias and ReLU.
func TestWinograd1D(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	worst := 0.0
	for _, s := range [][4]int{{16, 3, 17, 17}, {9, 5, 8, 8}, {13, 4, 2, 5}, {24, 7, 73, 9}, {8, 8, 1, 3}, {8, 2, 4, 6}, {10, 3, 19, 150}, {17, 6, 35, 35}, {8, 1, 7, 1}} {
		m, c, h, w := s[0], s[1], s[2], s[3]
		g := Conv{C: c, H: h, W: w, KH: 7, KW: 1, SH: 1, SW: 1, Pad: [4]int{3, 0, 3, 0}}
		wt, src := randSlice(r, m*g.K()), randSlice(r, c*h*w)
		for k, relu := range []bool{false, true} {
			bias := randSlice(r, m)
			if k == 0 && w%2 == 1 {
				bias = nil
			}
			want, mag := naiveConv(wt, m, src, g, bias, relu)
			p := PackWinograd1D(wt, m, c, nil)
			ldc := h*w + 5
			whole, parts := make([]float32, m*ldc), make([]float32, m*ldc)
			for i := range whole {
				whole[i], parts[i] = 42, 42
			}
			scratch := make([]float32, Winograd1DScratchSize(m, c, w))
			nt := Winograd1DTiles(h)
			p.ConvTile(whole, ldc, src, g, 0, nt, 0, m, bias, relu, scratch)
			for t0 := 0; t0 < nt; t0 += 2 {
				for i := 0; i < m; i += 5 {
					p.ConvTile(parts, ldc, src, g, t0, min(t0+2, nt), i, min(i+5, m), bias, relu, scratch)
				}
			}
			for i := range m {
				for j := range ldc {
					v := float64(whole[i*ldc+j])
					if math.Float32bits(whole[i*ldc+j]) != math.Float32bits(parts[i*ldc+j]) {
						t.Fatalf("%v: c[%d][%d] = %v whole, %v in pieces", s, i, j, v, parts[i*ldc+j])
					}
					if j >= h*w {
						if v != 42 {
							t.Fatalf("%v: c[%d][%d] = %v beyond the output was written", s, i, j, v)
						}
						continue
					}
					e := math.Abs(v-want[i][j]) / (mag[i][j] + 1e-30)
					worst = max(worst, e)
					if e > 1e-5 || math.IsNaN(v) {
						t.Fatalf("%v relu %v: c[%d][%d] = %v, want %v (error %.2g)", s, relu, i, j, v, want[i][j], e)
					}
				}
			}
		}
	}
	t.Logf("largest error: %.3g of Σ|terms|", worst)
}

// BenchmarkWinograd1D: the 7×1 layers of Inception-v4 and
// Inception-ResNet-v2, direct (ConvTile) and in Winograd form, one
// goroutine.
func BenchmarkWinograd1D(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][4]int{{256, 224, 17, 17}, {192, 160, 17, 17}, {64, 64, 73, 73}} {
		m, c, h, w := s[0], s[1], s[2], s[3]
		g := Conv{C: c, H: h, W: w, KH: 7, KW: 1, SH: 1, SW: 1, Pad: [4]int{3, 0, 3, 0}}
		wt, src, bias := randSlice(r, m*g.K()), randSlice(r, c*h*w), randSlice(r, m)
		pd := Pack(wt, m, g.K())
		pw := PackWinograd1D(wt, m, c, nil)
		dst := make([]float32, m*h*w)
		sd, sw := make([]float32, ScratchSize(g.K())), make([]float32, Winograd1DScratchSize(m, c, w))
		for range 2 {
			b.Run(benchName(layer{"direct", m, g.K(), h * w, g}), func(b *testing.B) {
				for b.Loop() {
					pd.ConvTile(dst, h*w, src, g, 0, h*w, 0, m, bias, true, sd)
				}
			})
			b.Run(benchName(layer{"wino1d", m, g.K(), h * w, g}), func(b *testing.B) {
				for b.Loop() {
					pw.ConvTile(dst, h*w, src, g, 0, Winograd1DTiles(h), 0, m, bias, true, sw)
				}
			})
		}
	}
}
