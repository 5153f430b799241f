package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// naive computes act(bias + A·B) for C rows [m0, m1) and columns [n0, n1)
// in float64, and the bound Σ|terms| each element's float32 error scales with.
func naive(a []float32, m, k int, b []float32, ldb int, n0, n1, m0, m1 int, bias []float32, relu bool) (want, mag [][]float64) {
	for i := m0; i < m1; i++ {
		w, g := make([]float64, n1-n0), make([]float64, n1-n0)
		for j := n0; j < n1; j++ {
			var s, t float64
			if bias != nil {
				s, t = float64(bias[i]), math.Abs(float64(bias[i]))
			}
			for l := range k {
				p := float64(a[i*k+l]) * float64(b[l*ldb+j])
				s += p
				t += math.Abs(p)
			}
			if relu && s < 0 {
				s = 0
			}
			w[j-n0], g[j-n0] = s, t
		}
		want, mag = append(want, w), append(mag, g)
	}
	return want, mag
}

// checkC compares C's tile with the reference and checks that nothing
// outside the tile was written (sentinel).
func checkC(t *testing.T, what string, c []float32, ldc, n0, n1, m0, m1 int, want, mag [][]float64, sentinel float32) {
	t.Helper()
	bad := 0
	for i := range len(c) / ldc {
		for j := range ldc {
			v := c[i*ldc+j]
			if i < m0 || i >= m1 || j < n0 || j >= n1 {
				if v != sentinel && !(math.IsNaN(float64(v)) && math.IsNaN(float64(sentinel))) {
					t.Errorf("%s: c[%d][%d] = %v outside the tile was written", what, i, j, v)
					bad++
				}
			} else {
				w, g := want[i-m0][j-n0], mag[i-m0][j-n0]
				if math.Abs(float64(v)-w) > 1e-5*g+1e-30 || math.IsNaN(float64(v)) {
					t.Errorf("%s: c[%d][%d] = %v, want %v (±%g)", what, i, j, v, w, 1e-5*g)
					bad++
				}
			}
			if bad > 5 {
				t.FailNow()
			}
		}
	}
}

// shapes are awkward sizes around every block size plus GoogLeNet-like ones.
var shapes = []struct{ m, k, n int }{
	{1, 1, 1}, {1, 0, 3}, {3, 0, 1}, {1, 7, 1}, {2, 3, 5}, {3, 5, 7}, {4, 4, 4}, {5, 1, 17},
	{7, 9, 15}, {8, 16, 16}, {9, 17, 33}, {8, 8, 48}, {16, 31, 47}, {17, 33, 49}, {12, 40, 64},
	{23, 64, 95}, {24, 100, 97}, {31, 255, 50}, {33, 257, 65}, {40, 300, 113}, {8, 513, 20},
	{64, 192, 784 / 4}, {16, 480, 196}, {48, 832, 49}, {10, 1024, 1}, {20, 1728, 9},
	{80, 600, 64}, {23, 300, 60}, {72, 520, 53}, // narrow tiles of two block panels (8×8 outputs)
	{24, 2500, 53}, {17, 4100, 99}, // B in place: k-blocks of kcInPlace
}

func TestMulTile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ks := range sets {
		for _, sh := range shapes {
			for _, variant := range []int{0, 1, 2, 3} {
				m, k, n := sh.m, sh.k, sh.n
				bias := randSlice(r, m+3)
				if variant&1 == 0 {
					bias = nil
				}
				relu := variant&2 != 0
				ldb, ldc := n+variant*3, n+5*variant+1
				a := randSlice(r, m*k)
				b := randSlice(r, max(k*ldb, 1))
				p := packWith(ks, a, m, k, nil)
				scratch := make([]float32, ScratchSize(k))
				// Whole product, then a tile strictly inside.
				tiles := [][4]int{{0, n, 0, m}, {n / 3, n - n/4, m / 3, m - m/5}}
				for _, tl := range tiles {
					n0, n1, m0, m1 := tl[0], tl[1], tl[2], tl[3]
					const sentinel = -7.5
					c := make([]float32, (m+2)*ldc)
					for i := range c {
						c[i] = sentinel
					}
					p.MulTile(c[ldc:], ldc, b, ldb, n0, n1, m0, m1, bias, relu, scratch)
					want, mag := naive(a, m, k, b, ldb, n0, n1, m0, m1, bias, relu)
					what := fmt.Sprintf("%s m%d k%d n%d bias %v relu %v tile %v", ks.name, m, k, n, bias != nil, relu, tl)
					checkC(t, what, c[ldc:(m+1)*ldc], ldc, n0, n1, m0, m1, want, mag, sentinel)
					for i := range ldc {
						if c[i] != sentinel || c[(m+1)*ldc+i] != sentinel {
							t.Fatalf("%s: wrote outside C", what)
						}
					}
				}
			}
		}
	}
}

// tilings splits [0, m)×[0, n) in several ways, including odd ones.
func tilings(m, n int) [][][4]int {
	whole := [][4]int{{0, n, 0, m}}
	var cols, rows, grid, odd [][4]int
	for j := 0; j < n; j += 37 {
		cols = append(cols, [4]int{j, min(j+37, n), 0, m})
	}
	for i := 0; i < m; i += 16 {
		rows = append(rows, [4]int{0, n, i, min(i+16, m)})
	}
	for i := 0; i < m; i += 5 {
		for j := 0; j < n; j += 13 {
			grid = append(grid, [4]int{j, min(j+13, n), i, min(i+5, m)})
		}
	}
	for i := 0; i < m; i += 3 + i%4 {
		odd = append(odd, [4]int{0, n / 2, i, min(i+3+i%4, m)}, [4]int{n / 2, n, i, min(i+3+i%4, m)})
	}
	return [][][4]int{whole, cols, rows, grid, odd}
}

// TestTilingInvariance: every tiling gives the same bits, for every kernel set.
func TestTilingInvariance(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ks := range sets {
		for _, sh := range []struct{ m, k, n int }{{37, 300, 101}, {64, 600, 98}, {24, 1100, 49}, {9, 5, 200}} {
			a, b, bias := randSlice(r, sh.m*sh.k), randSlice(r, sh.k*sh.n), randSlice(r, sh.m)
			p := packWith(ks, a, sh.m, sh.k, nil)
			scratch := make([]float32, ScratchSize(sh.k))
			var ref []float32
			for ti, tiles := range tilings(sh.m, sh.n) {
				c := make([]float32, sh.m*sh.n)
				for _, tl := range tiles {
					p.MulTile(c, sh.n, b, sh.n, tl[0], tl[1], tl[2], tl[3], bias, true, scratch)
				}
				if ti == 0 {
					ref = c
				} else if !slices.Equal(c, ref) {
					t.Errorf("%s %v: tiling %d differs from the whole product", ks.name, sh, ti)
				}
			}
		}
	}
}

// TestFMASetsAgree: the SIMD sets (assembly and archsimd) all use one FMA per
// term in the same order, so they agree bit for bit.
func TestFMASetsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, k, n := 40, 700, 77
	a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m)
	var ref []float32
	var refName string
	for _, ks := range sets {
		if ks == scalarSet {
			continue
		}
		c := make([]float32, m*n)
		packWith(ks, a, m, k, nil).MulTile(c, n, b, n, 0, n, 0, m, bias, false, make([]float32, ScratchSize(k)))
		if ref == nil {
			ref, refName = c, ks.name
		} else if !slices.Equal(c, ref) {
			t.Errorf("%s and %s differ", ks.name, refName)
		}
	}
}

// naiveConv is the direct convolution, in float64.
func naiveConv(w []float32, m int, src []float32, g Conv, bias []float32, relu bool) (want, mag [][]float64) {
	oh, ow := g.OH(), g.OW()
	for o := range m {
		wr, gr := make([]float64, oh*ow), make([]float64, oh*ow)
		for y := range oh {
			for x := range ow {
				var s, t float64
				if bias != nil {
					s, t = float64(bias[o]), math.Abs(float64(bias[o]))
				}
				for ci := range g.C {
					for ky := range g.KH {
						for kx := range g.KW {
							iy, ix := y*g.SH-g.Pad[0]+ky, x*g.SW-g.Pad[1]+kx
							if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
								continue
							}
							p := float64(w[((o*g.C+ci)*g.KH+ky)*g.KW+kx]) * float64(src[(ci*g.H+iy)*g.W+ix])
							s += p
							t += math.Abs(p)
						}
					}
				}
				if relu && s < 0 {
					s = 0
				}
				wr[y*ow+x], gr[y*ow+x] = s, t
			}
		}
		want, mag = append(want, wr), append(mag, gr)
	}
	return want, mag
}

var convs = []Conv{
	{C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1},
	{C: 3, H: 5, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 2, H: 9, W: 4, KH: 3, KW: 2, SH: 2, SW: 1, Pad: [4]int{0, 2, 1, 0}},
	{C: 3, H: 23, W: 21, KH: 7, KW: 7, SH: 2, SW: 2, Pad: [4]int{3, 3, 3, 3}},
	{C: 5, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 16, H: 14, W: 14, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},
	{C: 4, H: 6, W: 30, KH: 5, KW: 5, SH: 1, SW: 3, Pad: [4]int{2, 2, 2, 2}},
	{C: 7, H: 10, W: 10, KH: 1, KW: 1, SH: 2, SW: 2},
	{C: 40, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}, // k = 360
	{C: 2, H: 4, W: 4, KH: 5, KW: 5, SH: 1, SW: 1, Pad: [4]int{2, 2, 2, 2}},  // window larger than image
	{C: 2, H: 5, W: 40, KH: 3, KW: 4, SH: 1, SW: 2, Pad: [4]int{1, 0, 2, 3}},
	{C: 3, H: 60, W: 61, KH: 7, KW: 7, SH: 2, SW: 2, Pad: [4]int{3, 3, 3, 3}},
	{C: 1, H: 3, W: 100, KH: 1, KW: 9, SH: 1, SW: 1, Pad: [4]int{0, 4, 0, 4}},
	{C: 30, H: 8, W: 8, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}},  // n = 64
	{C: 20, H: 8, W: 7, KH: 1, KW: 3, SH: 1, SW: 1, Pad: [4]int{0, 1, 0, 1}},  // n = 56
	{C: 240, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}, // k = 2160: two k-blocks
	{C: 250, H: 8, W: 8, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}, // n = 64, k = 2250: two k-blocks
	{C: 300, H: 11, W: 11, KH: 3, KW: 3, SH: 2, SW: 2},                        // stride 2, k = 2700: two k-blocks
}

func TestConvTile(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, ks := range sets {
		for ci, g := range convs {
			for _, m := range []int{1, 8, 13, 70} {
				k, n := g.K(), g.N()
				w, src, bias := randSlice(r, m*k), randSlice(r, g.C*g.H*g.W), randSlice(r, m)
				p := packWith(ks, w, m, k, nil)
				scratch := make([]float32, ScratchSize(k))
				want, mag := naiveConv(w, m, src, g, bias, ci%2 == 0)
				ldc := n + 3
				c := make([]float32, m*ldc)
				for i := range c {
					c[i] = 42
				}
				// In column tiles of 10 and row tiles of 5.
				for j := 0; j < n; j += 10 {
					for i := 0; i < m; i += 5 {
						p.ConvTile(c, ldc, src, g, j, min(j+10, n), i, min(i+5, m), bias, ci%2 == 0, scratch)
					}
				}
				checkC(t, fmt.Sprintf("%s conv %d m %d", ks.name, ci, m), c, ldc, 0, n, 0, m, want, mag, 42)
				// The same bits in one call.
				c1 := slices.Clone(c)
				p.ConvTile(c1, ldc, src, g, 0, n, 0, m, bias, ci%2 == 0, scratch)
				if !slices.Equal(c, c1) {
					t.Errorf("%s conv %d m %d: one call and tiles of 10×5 differ", ks.name, ci, m)
				}
				// Bit-identical to MulTile on the im2col matrix.
				col := make([]float32, k*n)
				Im2col(col, src, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.Pad)
				c2 := make([]float32, m*ldc)
				for i := range c2 {
					c2[i] = 42
				}
				p.MulTile(c2, ldc, col, n, 0, n, 0, m, bias, ci%2 == 0, scratch)
				if !slices.Equal(c, c2) {
					t.Errorf("%s conv %d m %d: ConvTile and MulTile(Im2col) differ", ks.name, ci, m)
				}
			}
		}
	}
}

// TestGoogLeNetLayers runs every trunk GEMM of GoogLeNet with each kernel
// set, tiled in two column halves, against the reference.
func TestGoogLeNetLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("slow reference")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, l := range googlenet {
		a, bias := randSlice(r, l.m*l.k), randSlice(r, l.m)
		var b []float32
		var g Conv
		if l.g.C == 0 {
			b = randSlice(r, l.k*l.n)
		} else {
			g = l.g
			b = randSlice(r, g.C*g.H*g.W)
		}
		// Reference on a row subset (the naive loops are slow).
		rows := min(l.m, 20)
		var want, mag [][]float64
		if l.g.C == 0 || (g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1) {
			want, mag = naive(a, l.m, l.k, b, l.n, 0, l.n, 0, rows, bias, true)
		} else {
			want, mag = naiveConv(a[:rows*l.k], rows, b, g, bias, true)
		}
		for _, ks := range sets {
			p := packWith(ks, a, l.m, l.k, nil)
			scratch := make([]float32, ScratchSize(l.k))
			c := make([]float32, l.m*l.n)
			for _, h := range [][2]int{{0, l.n / 2}, {l.n / 2, l.n}} {
				if g.C == 0 || (g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1) {
					p.MulTile(c, l.n, b, l.n, h[0], h[1], 0, l.m, bias, true, scratch)
				} else {
					p.ConvTile(c, l.n, b, g, h[0], h[1], 0, l.m, bias, true, scratch)
				}
			}
			checkC(t, ks.name+" "+l.name, c[:rows*l.n], l.n, 0, l.n, 0, rows, want, mag, 0)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, ks := range sets {
		m, k, n := 37, 300, 101
		a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m)
		p := packWith(ks, a, m, k, nil)
		scratch := make([]float32, ScratchSize(k))
		c := make([]float32, m*n)
		if got := testing.AllocsPerRun(20, func() {
			p.MulTile(c, n, b, n, 3, n-1, 1, m, bias, true, scratch)
		}); got != 0 {
			t.Errorf("%s: MulTile allocates %v times", ks.name, got)
		}
		g := Conv{C: 20, H: 11, W: 9, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}
		pc := packWith(ks, randSlice(r, m*g.K()), m, g.K(), nil)
		img := randSlice(r, g.C*g.H*g.W)
		sc := make([]float32, ScratchSize(g.K()))
		if got := testing.AllocsPerRun(20, func() {
			pc.ConvTile(c, n, img, g, 0, g.N(), 0, m, nil, false, sc)
		}); got != 0 {
			t.Errorf("%s: ConvTile allocates %v times", ks.name, got)
		}
	}
}

// TestMicroKernels drives each micro-kernel directly: k = 0, odd k, the
// accumulate, ReLU and (for a set with res) residual flags, strides.
func TestMicroKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, ks := range sets {
		for wi, kern := range ks.kern {
			W := (wi + 1) * ks.step
			for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64} {
				for f := range 8 {
					flags := f&3 | (f&4)<<1 // flagAccum, flagReLU, flagRes
					if flags&flagRes != 0 && !ks.res {
						continue
					}
					ldb, ldc, ldr := W+3, W+5, W+7
					a, b := randSlice(r, max(k*ks.mr, 1)), randSlice(r, max(k*ldb, 1))
					c, bias := randSlice(r, ks.mr*ldc), randSlice(r, ks.mr)
					res := randSlice(r, ks.mr*ldr)
					want := slices.Clone(c)
					for i := range ks.mr {
						for j := range W {
							s := float64(bias[i])
							if flags&flagAccum != 0 {
								s = float64(c[i*ldc+j])
							}
							for l := range k {
								s += float64(a[l*ks.mr+i]) * float64(b[l*ldb+j])
							}
							if flags&flagRes != 0 {
								s += float64(res[i*ldr+j])
							}
							if flags&flagReLU != 0 && s < 0 {
								s = 0
							}
							want[i*ldc+j] = float32(s)
						}
					}
					kern(k, &a[0], &b[0], ldb, &c[0], ldc, &bias[0], flags, &res[0], ldr)
					for i := range c {
						if d := math.Abs(float64(c[i] - want[i])); d > 1e-5*float64(k+1) {
							t.Fatalf("%s width %d k %d flags %d: c[%d] = %v, want %v", ks.name, W, k, flags, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}

func TestPanics(t *testing.T) {
	p := Pack(make([]float32, 6), 2, 3)
	s := make([]float32, ScratchSize(3))
	b := make([]float32, 3*4)
	c := make([]float32, 2*4)
	for name, f := range map[string]func(){
		"short a":       func() { Pack(make([]float32, 5), 2, 3) },
		"rows":          func() { p.MulTile(c, 4, b, 4, 0, 4, 0, 3, nil, false, s) },
		"columns":       func() { p.MulTile(c, 4, b, 4, 0, 5, 0, 2, nil, false, s) },
		"short c":       func() { p.MulTile(c[:7], 4, b, 4, 0, 4, 0, 2, nil, false, s) },
		"short b":       func() { p.MulTile(c, 4, b[:11], 4, 0, 4, 0, 2, nil, false, s) },
		"short bias":    func() { p.MulTile(c, 4, b, 4, 0, 4, 0, 2, []float32{1}, false, s) },
		"short scratch": func() { p.MulTile(c, 4, b, 4, 0, 4, 0, 2, nil, false, s[:len(s)-1]) },
		"conv k": func() {
			p.ConvTile(c, 4, b, Conv{C: 1, H: 2, W: 2, KH: 2, KW: 2, SH: 1, SW: 1}, 0, 1, 0, 2, nil, false, s)
		},
		"conv image": func() {
			p.ConvTile(c, 4, b[:2], Conv{C: 3, H: 2, W: 2, KH: 1, KW: 1, SH: 1, SW: 1}, 0, 4, 0, 2, nil, false, s)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestKernelName(t *testing.T) {
	t.Logf("kernel sets on this CPU and build: %v; Pack uses %s", setNames(), Kernel())
	if Kernel() == "" || Pack(nil, 0, 0).Kernel() != Kernel() {
		t.Error("kernel name")
	}
}

func setNames() []string {
	var s []string
	for _, ks := range sets {
		s = append(s, ks.name)
	}
	return s
}

// TestColKernels drives each column kernel directly.
func TestColKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, ks := range sets {
		for ci, list := range ks.col {
			c := ci + 1
			for _, ck := range list {
				for _, k := range []int{0, 1, 2, 5, 17} {
					for flags := range 4 {
						n := 8 * ck.p
						astride, ldb := 8*k+8, c+2
						a, b := randSlice(r, max(n*astride, 1)), randSlice(r, max(k*ldb, 1))
						ct, bias := randSlice(r, n*c), randSlice(r, n)
						want := slices.Clone(ct)
						for q := range c {
							for i := range n {
								s := float64(bias[i])
								if flags&flagAccum != 0 {
									s = float64(ct[q*n+i])
								}
								for l := range k {
									s += float64(a[(i/8)*astride+l*8+i%8]) * float64(b[l*ldb+q])
								}
								if flags&flagReLU != 0 && s < 0 {
									s = 0
								}
								want[q*n+i] = float32(s)
							}
						}
						ck.f(k, &a[0], astride, &b[0], ldb, &ct[0], &bias[0], flags)
						for i := range ct {
							if d := math.Abs(float64(ct[i] - want[i])); d > 1e-5*float64(k+1) {
								t.Fatalf("%s col %dx%d k %d flags %d: ct[%d] = %v, want %v", ks.name, ck.p, c, k, flags, i, ct[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestConcurrentTiles splits products across goroutines (shared Packed,
// one scratch each) and checks the bits against one goroutine.
func TestConcurrentTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, ks := range sets {
		for _, l := range []layer{
			{m: 40, k: 500, n: 196},
			{m: 24, k: 3 * 9 * 5, n: 0, g: Conv{C: 15, H: 14, W: 14, KH: 3, KW: 3, SH: 1, SW: 1, Pad: [4]int{1, 1, 1, 1}}},
		} {
			if l.g.C != 0 {
				l.k, l.n = l.g.K(), l.g.N()
			}
			a, bias := randSlice(r, l.m*l.k), randSlice(r, l.m)
			var b []float32
			if l.g.C == 0 {
				b = randSlice(r, l.k*l.n)
			} else {
				b = randSlice(r, l.g.C*l.g.H*l.g.W)
			}
			p := packWith(ks, a, l.m, l.k, nil)
			run := func(c []float32, n0, n1, m0, m1 int, scratch []float32) {
				if l.g.C == 0 {
					p.MulTile(c, l.n, b, l.n, n0, n1, m0, m1, bias, true, scratch)
				} else {
					p.ConvTile(c, l.n, b, l.g, n0, n1, m0, m1, bias, true, scratch)
				}
			}
			ref := make([]float32, l.m*l.n)
			run(ref, 0, l.n, 0, l.m, make([]float32, ScratchSize(l.k)))
			for _, threads := range []int{2, 3, 7} {
				c := make([]float32, l.m*l.n)
				done := make(chan bool)
				for th := range threads {
					go func() {
						scratch := make([]float32, ScratchSize(l.k))
						// Thread th takes column strips th, th+threads, … of 16
						// and, for odd th, only the rows in two halves.
						for j := th * 16; j < l.n; j += threads * 16 {
							if th%2 == 1 {
								run(c, j, min(j+16, l.n), 0, l.m/2, scratch)
								run(c, j, min(j+16, l.n), l.m/2, l.m, scratch)
							} else {
								run(c, j, min(j+16, l.n), 0, l.m, scratch)
							}
						}
						done <- true
					}()
				}
				for range threads {
					<-done
				}
				if !slices.Equal(c, ref) {
					t.Errorf("%s %v: %d goroutines differ from one", ks.name, l, threads)
				}
			}
		}
	}
}

func TestScratchSize(t *testing.T) {
	if got := ScratchSize(1 << 30); got != 140624 || ScratchSize(2048) != got || ScratchSize(2047) >= got || ScratchSize(1) >= got {
		t.Errorf("ScratchSize = %d for large k (documented: 140624), %d for k = 1", got, ScratchSize(1))
	}
}

// TestPackScaled: packing with scaled rows gives the bits of packing the
// scaled matrix (float64 product, rounded once), for the GEMM and both
// Winograd transforms.
func TestPackScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	m, c := 13, 7
	a, scale := randSlice(r, m*c*9), randSlice(r, m)
	scaled := make([]float32, len(a))
	for i := range m {
		for l := range c * 9 {
			scaled[i*c*9+l] = float32(float64(a[i*c*9+l]) * float64(scale[i]))
		}
	}
	for _, ks := range sets {
		if got, want := packWith(ks, a, m, 9*c, scale), packWith(ks, scaled, m, 9*c, nil); !slices.Equal(got.data, want.data) {
			t.Errorf("%s: PackScaled differs from Pack of the scaled matrix", ks.name)
		}
		for _, tile := range []int{4, 2} {
			got, want := packWinogradWith(ks, a, m, c, tile, scale), packWinogradWith(ks, scaled, m, c, tile, nil)
			for xi := range got.u {
				if !slices.Equal(got.u[xi].data, want.u[xi].data) {
					t.Errorf("%s: PackWinogradScaled %d differs from PackWinograd of the scaled weights at ξ %d", ks.name, tile, xi)
				}
			}
		}
	}
}
