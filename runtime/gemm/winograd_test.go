package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// wgConvs are 3×3 stride-1 convolutions of awkward and network sizes.
var wgConvs = []Conv{
	{C: 1, H: 1, W: 1, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 3, H: 5, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 2, H: 9, W: 4, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{0, 2, 1, 0}},
	{C: 5, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 16, H: 14, W: 14, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 4, H: 10, W: 70, KH: 3, KW: 3, SH: 1, SW: 1},                          // no padding, 17 tiles a row
	{C: 3, H: 3, W: 3, KH: 3, KW: 3, SH: 1, SW: 1},                            // one output pixel
	{C: 9, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}, // 49 tiles: two blocks
	{C: 7, H: 13, W: 9, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{2, 0, 0, 2}},
	{C: 300, H: 6, W: 6, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}, // k-blocks in the GEMM
}

func TestWinogradConv(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	worst := 0.0
	for _, ks := range sets {
		for gi, g := range wgConvs {
			for mi, m := range []int{1, 8, 13, 70} {
				if ks == scalarSet && m == 70 && g.C > 100 {
					continue
				}
				tile := []int{4, 2}[(gi+mi)%2]
				w, src, bias := randSlice(r, m*g.K()), randSlice(r, g.C*g.H*g.W), randSlice(r, m)
				relu := (gi+m)%2 == 0
				if m == 13 {
					bias = nil
				}
				p := packWinogradWith(ks, w, m, g.C, tile, nil)
				n, nt := g.N(), WinogradTiles(g, tile)
				want, mag := naiveConv(w, m, src, g, bias, relu)
				ldc := n + 3
				c := make([]float32, m*ldc)
				for i := range c {
					c[i] = 42
				}
				scratch := make([]float32, WinogradScratchSize(g.C, g.OW(), tile))
				// In tile ranges of 5 and row ranges of 9.
				for t0 := 0; t0 < nt; t0 += 5 {
					for i := 0; i < m; i += 9 {
						p.ConvTile(c, ldc, src, g, t0, min(t0+5, nt), i, min(i+9, m), bias, relu, scratch)
					}
				}
				what := fmt.Sprintf("%s conv %d m %d F(%d×%d, 3×3)", ks.name, gi, m, tile, tile)
				for i := range m {
					for j := range ldc {
						v := float64(c[i*ldc+j])
						if j >= n {
							if v != 42 {
								t.Fatalf("%s: c[%d][%d] = %v beyond the output was written", what, i, j, v)
							}
							continue
						}
						e := math.Abs(v-want[i][j]) / (mag[i][j] + 1e-30)
						worst = max(worst, e)
						if e > 1e-5 || math.IsNaN(v) {
							t.Fatalf("%s: c[%d][%d] = %v, want %v (error %.2g of Σ|terms| %g)", what, i, j, v, want[i][j], e, mag[i][j])
						}
					}
				}
			}
		}
	}
	t.Logf("largest error: %.3g of Σ|terms|", worst)
}

// TestWinogradTilingInvariance: any split of tiles and channels gives the
// same bits, on one goroutine or several.
func TestWinogradTilingInvariance(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for ki, ks := range sets {
		tile := []int{4, 2}[ki%2]
		g := Conv{C: 20, H: 30, W: 26, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}
		m := 75
		w, src, bias := randSlice(r, m*g.K()), randSlice(r, g.C*g.H*g.W), randSlice(r, m)
		p := packWinogradWith(ks, w, m, g.C, tile, nil)
		n, nt := g.N(), WinogradTiles(g, tile)
		run := func(split func(f func(t0, t1, m0, m1 int))) []float32 {
			c := make([]float32, m*n)
			scratch := make([]float32, WinogradScratchSize(g.C, g.OW(), tile))
			split(func(t0, t1, m0, m1 int) { p.ConvTile(c, n, src, g, t0, t1, m0, m1, bias, true, scratch) })
			return c
		}
		ref := run(func(f func(t0, t1, m0, m1 int)) { f(0, nt, 0, m) })
		for si, split := range []func(f func(t0, t1, m0, m1 int)){
			func(f func(t0, t1, m0, m1 int)) { // tiles one by one
				for t0 := range nt {
					f(t0, t0+1, 0, m)
				}
			},
			func(f func(t0, t1, m0, m1 int)) { // odd rectangles
				for t0 := 0; t0 < nt; t0 += 17 {
					for i := 0; i < m; i += 3 + i%5 {
						f(t0, min(t0+17, nt), i, min(i+3+i%5, m))
					}
				}
			},
		} {
			if c := run(split); !slices.Equal(c, ref) {
				t.Errorf("%s: split %d differs from the whole", ks.name, si)
			}
		}
		// Three goroutines, tiles interleaved in runs of 7.
		c := make([]float32, m*n)
		done := make(chan bool)
		for th := range 3 {
			go func() {
				scratch := make([]float32, WinogradScratchSize(g.C, g.OW(), tile))
				for t0 := th * 7; t0 < nt; t0 += 21 {
					p.ConvTile(c, n, src, g, t0, min(t0+7, nt), 0, m, bias, true, scratch)
				}
				done <- true
			}()
		}
		for range 3 {
			<-done
		}
		if !slices.Equal(c, ref) {
			t.Errorf("%s: 3 goroutines differ from one", ks.name)
		}
	}
}

// wgLayers are 3×3 stride-1 layers of the networks: GoogLeNet (from
// googlenet), ResNet-50, VGG-11, DenseNet-121 and Inception-v3 at batch 1.
func wgLayers() []layer {
	var ls []layer
	for _, l := range googlenet {
		if l.g.KH == 3 && l.g.KW == 3 && l.g.SH == 1 {
			ls = append(ls, l)
		}
	}
	conv := func(name string, m, c, hw, pad int) layer {
		g := Conv{C: c, H: hw, W: hw, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{pad, pad, pad, pad}}
		return layer{name, m, g.K(), g.N(), g}
	}
	return append(ls,
		conv("resnet50.layer1.conv2", 64, 64, 56, 1),
		conv("resnet50.layer2.conv2", 128, 128, 28, 1),
		conv("resnet50.layer3.conv2", 256, 256, 14, 1),
		conv("resnet50.layer4.conv2", 512, 512, 7, 1),
		conv("vgg11.features.3", 128, 64, 112, 1),
		conv("vgg11.features.6", 256, 128, 56, 1),
		conv("vgg11.features.8", 256, 256, 56, 1),
		conv("vgg11.features.11", 512, 256, 28, 1),
		conv("vgg11.features.13", 512, 512, 28, 1),
		conv("vgg11.features.16", 512, 512, 14, 1),
		conv("densenet121.block1.conv2", 32, 128, 56, 1),
		conv("densenet121.block2.conv2", 32, 128, 28, 1),
		conv("densenet121.block3.conv2", 32, 128, 14, 1),
		conv("inception_v3.Conv2d_2a", 32, 32, 149, 0),
		conv("inception_v3.Conv2d_2b", 64, 32, 147, 1),
		conv("inception_v3.Conv2d_4a", 192, 80, 73, 0),
		conv("inception_v3.Mixed_5b.3x3dbl_2", 96, 64, 35, 1),
	)
}

// BenchmarkWinograd times each 3×3 layer of wgLayers on one goroutine,
// direct (ConvTile) and with Winograd F(4×4, 3×3) and F(2×2, 3×3), bias
// and ReLU fused, one after the other in each iteration so that all see
// the same machine, by the thread's CPU time: the cpu-GFLOP/s count the
// direct convolution's multiply-adds for all (so they compare as speed),
// and speedup-F4, speedup-F2 are direct ÷ Winograd time.
//
//	go test ./runtime/gemm -run '^$' -bench Winograd -count 5 | benchstat -col .name -
func BenchmarkWinograd(b *testing.B) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, l := range wgLayers() {
		b.Run(benchName(l), func(b *testing.B) {
			w, bias, src := randSlice(r, l.m*l.k), randSlice(r, l.m), randSlice(r, l.g.C*l.g.H*l.g.W)
			out := make([]float32, l.m*l.n)
			pd, p4, p2 := Pack(w, l.m, l.k), PackWinograd(w, l.m, l.g.C, 4), PackWinograd(w, l.m, l.g.C, 2)
			sd, s4, s2 := make([]float32, ScratchSize(l.k)), make([]float32, WinogradScratchSize(l.g.C, l.g.OW(), 4)),
				make([]float32, WinogradScratchSize(l.g.C, l.g.OW(), 2))
			n4, n2 := WinogradTiles(l.g, 4), WinogradTiles(l.g, 2)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var td, t4, t2 float64
			for b.Loop() {
				t0 := threadCPU()
				pd.ConvTile(out, l.n, src, l.g, 0, l.n, 0, l.m, bias, true, sd)
				t1 := threadCPU()
				p4.ConvTile(out, l.n, src, l.g, 0, n4, 0, l.m, bias, true, s4)
				t2_ := threadCPU()
				p2.ConvTile(out, l.n, src, l.g, 0, n2, 0, l.m, bias, true, s2)
				td, t4, t2 = td+t1-t0, t4+t2_-t1, t2+threadCPU()-t2_
			}
			n := float64(b.N)
			b.ReportMetric(l.flops()*n/td/1e9, "cpu-GFLOP/s-direct")
			b.ReportMetric(l.flops()*n/t4/1e9, "cpu-GFLOP/s-F4")
			b.ReportMetric(l.flops()*n/t2/1e9, "cpu-GFLOP/s-F2")
			b.ReportMetric(td/t4, "speedup-F4")
			b.ReportMetric(td/t2, "speedup-F2")
		})
	}
}

// TestWinogradKernelsAgree: the transform kernels in use (assembly on
// AVX-512) give the bits of the Go ones, for blocks of every length, tile
// rows of every width (several rows in 16 lanes), every padding and edge,
// bias or not, ReLU or not; the output kernel leaves its products as they
// were and writes nothing outside the block's pixels.
func TestWinogradKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for iter := range 600 {
		tile := []int{4, 2}[iter%2]
		al := tile + 2
		ow := 1 + r.IntN(70)
		if iter%3 == 0 {
			ow = 1 + r.IntN(16)
		}
		oh := 1 + r.IntN(20)
		pad := [4]int{r.IntN(3), r.IntN(3), r.IntN(3), r.IntN(3)}
		g := Conv{C: 1 + r.IntN(5), H: oh + 2 - pad[0] - pad[2], W: ow + 2 - pad[1] - pad[3], KH: 3, KW: 3, SH: 1, SW: 1, Pad: pad}
		if g.H < 1 || g.W < 1 {
			continue
		}
		if g.OH() != oh || g.OW() != ow {
			t.Fatalf("bad test geometry %+v", g)
		}
		nt := WinogradTiles(g, tile)
		b0 := r.IntN(nt)
		b1 := min(nt, b0+1+r.IntN(wgBlock))
		src := randSlice(r, g.C*g.H*g.W)
		ldv := wgLDV(g.C)
		v1, v2 := make([]float32, 36*ldv+16), make([]float32, 36*ldv+16)
		wgIn(tile, v1, ldv, src, g, b0, b1, make([]float32, wgBufLen(ow, tile)))
		wgInBlock(tile, v2, ldv, src, g, b0, b1, make([]float32, wgBufLen(ow, tile)))
		for xi := range al * al {
			for ci := range g.C {
				a := v1[xi*ldv+ci*wgBlock : xi*ldv+ci*wgBlock+b1-b0]
				b := v2[xi*ldv+ci*wgBlock : xi*ldv+ci*wgBlock+b1-b0]
				if !slices.Equal(a, b) {
					t.Fatalf("input transform %d, %+v, tiles [%d, %d): ξ %d channel %d: %v, Go %v", tile, g, b0, b1, xi, ci, a, b)
				}
			}
		}
		for _, relu := range []bool{false, true} {
			nm := 1 + r.IntN(4)
			mo := randSlice(r, wgMoLen)
			ldc := oh*ow + r.IntN(5)
			var bias []float32
			if relu {
				bias = randSlice(r, nm)
			}
			o1, o2 := randSlice(r, nm*ldc), make([]float32, nm*ldc)
			copy(o2, o1)
			m1 := slices.Clone(mo)
			wgOut(tile, o1, ldc, oh, ow, b0, b1, m1, nm, bias, relu, make([]float32, wgBufLen(ow, tile)))
			wgOutBlock(tile, o2, ldc, oh, ow, b0, b1, mo, nm, bias, relu, make([]float32, wgBufLen(ow, tile)))
			if !slices.Equal(m1, mo) {
				t.Fatalf("output transform wrote its products")
			}
			if !slices.Equal(o1, o2) {
				for i := range o1 {
					if math.Float32bits(o1[i]) != math.Float32bits(o2[i]) {
						t.Fatalf("output transform %d, %+v, tiles [%d, %d), relu %v: channel %d, pixel %d (y %d, x %d) = %v, Go %v",
							tile, g, b0, b1, relu, i/ldc, i%ldc, i%ldc/ow, i%ldc%ow, o1[i], o2[i])
					}
				}
			}
		}
	}
}

func TestWinogradZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	g := Conv{C: 20, H: 11, W: 37, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}
	m := 70
	for _, tile := range []int{4, 2} {
		p := PackWinograd(randSlice(r, m*g.K()), m, g.C, tile)
		src, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, m)
		c := make([]float32, m*g.N())
		scratch := make([]float32, WinogradScratchSize(g.C, g.OW(), tile))
		if got := testing.AllocsPerRun(20, func() {
			p.ConvTile(c, g.N(), src, g, 1, WinogradTiles(g, tile), 3, m, bias, true, scratch)
		}); got != 0 {
			t.Errorf("F(%d×%d, 3×3): ConvTile allocates %v times", tile, tile, got)
		}
	}
}
