package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMulTileFused: residual, pre-activation and clamp against the naive
// product (in float64, with B transformed as documented), for every kernel
// set and shape, tiled; bit-identical across tilings and to MulTile
// followed by the addition and the clamp (and on a pre-activated B: to
// MulTile on that B).
func TestMulTileFused(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, ks := range sets {
		for _, sh := range shapes {
			m, k, n := sh.m, sh.k, sh.n
			for variant := range 8 {
				pre, relu, clamp := variant&1 != 0, variant&2 != 0, variant&4 != 0
				ldb, ldc, ldr := n+3, n+5, n+1
				a, b, bias := randSlice(r, m*k), randSlice(r, max(k*ldb, 1)), randSlice(r, m)
				f := &Fused{}
				if clamp {
					f.Clamp, f.Lo, f.Hi = true, -0.5, 0.75
				}
				bt := b // B as the product sees it
				if pre {
					f.Scale, f.Shift = randSlice(r, k), randSlice(r, k)
					bt = make([]float32, len(b))
					for l := range k {
						affineReLUGo(bt[l*ldb:l*ldb+n], b[l*ldb:l*ldb+n], f.Scale[l], f.Shift[l])
					}
				}
				res := randSlice(r, max(m*ldr, 1))
				f.Res, f.LDRes = res, ldr
				want, mag := naive(a, m, k, bt, ldb, 0, n, 0, m, bias, false)
				for i := range m {
					for j := range n {
						want[i][j] += float64(res[i*ldr+j])
						mag[i][j] += math.Abs(float64(res[i*ldr+j]))
						if relu && want[i][j] < 0 {
							want[i][j] = 0
						}
						if clamp {
							want[i][j] = min(max(want[i][j], float64(f.Lo)), float64(f.Hi))
						}
					}
				}
				p := packWith(ks, a, m, k, nil)
				scratch := make([]float32, ScratchSize(k))
				// Unfused: MulTile on B as seen, then the addition.
				ref := make([]float32, m*ldc)
				p.MulTile(ref, ldc, bt, ldb, 0, n, 0, m, bias, false, scratch)
				for i := range m {
					addReLUGo(ref[i*ldc:i*ldc+n], res[i*ldr:i*ldr+n], relu)
					if clamp {
						clampRowGo(ref[i*ldc:i*ldc+n], f.Lo, f.Hi)
					}
				}
				for ti, tiles := range tilings(m, n) {
					c := make([]float32, m*ldc)
					for _, tl := range tiles {
						p.MulTileFused(c, ldc, b, ldb, tl[0], tl[1], tl[2], tl[3], bias, relu, f, scratch)
					}
					what := fmt.Sprintf("%s m%d k%d n%d pre %v relu %v clamp %v tiling %d", ks.name, m, k, n, pre, relu, clamp, ti)
					if ti == 0 {
						checkC(t, what, c, ldc, 0, n, 0, m, want, mag, 0)
					}
					if !slices.Equal(c, ref) {
						t.Errorf("%s: differs from MulTile and the addition", what)
					}
				}
			}
		}
	}
}

func TestConvTileFused(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, ks := range sets {
		for ci, g := range convs {
			m := 13
			k, n := g.K(), g.N()
			w, src, bias := randSlice(r, m*k), randSlice(r, g.C*g.H*g.W), randSlice(r, m)
			res := randSlice(r, m*n)
			want, mag := naiveConv(w, m, src, g, bias, false)
			for i := range m {
				for j := range n {
					want[i][j] += float64(res[i*n+j])
					mag[i][j] += math.Abs(float64(res[i*n+j]))
					want[i][j] = max(want[i][j], 0)
				}
			}
			p := packWith(ks, w, m, k, nil)
			c := make([]float32, m*n)
			scratch := make([]float32, ScratchSize(k))
			for j := 0; j < n; j += 10 {
				p.ConvTileFused(c, n, src, g, j, min(j+10, n), 0, m, bias, true, &Fused{Res: res, LDRes: n}, scratch)
			}
			checkC(t, fmt.Sprintf("%s conv %d", ks.name, ci), c, n, 0, n, 0, m, want, mag, 0)
		}
	}
}

// TestFusedKernelsAgree: the row kernels in use give the Go ones' bits.
func TestFusedKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for n := range 70 {
		src := randSlice(r, n+3)
		for i := range src {
			src[i] *= 1e3
		}
		src[0] = float32(math.NaN())
		src[1%len(src)] = float32(math.Copysign(0, -1))
		base := randSlice(r, n)
		for _, relu := range []bool{false, true} {
			d1, d2 := slices.Clone(base), slices.Clone(base)
			addReLU(d1, src, relu)
			addReLUGo(d2, src, relu)
			for i := range d1 {
				if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
					t.Fatalf("addReLU %v, %d values: [%d] = %v, Go %v", relu, n, i, d1[i], d2[i])
				}
			}
		}
		negZero := float32(math.Copysign(0, -1))
		inf := float32(math.Inf(1))
		for _, lh := range [][2]float32{{0, 6}, {-0.5, 1.5}, {negZero, 6}, {-1, 0}, {-1, negZero}, {-inf, inf}, {0, 0}} {
			d1, d2 := slices.Clone(src[:n]), slices.Clone(src[:n])
			if n > 2 {
				d1[2], d2[2] = 0, 0
			}
			clampRow(d1, lh[0], lh[1])
			clampRowGo(d2, lh[0], lh[1])
			for i := range d1 {
				if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
					t.Fatalf("clampRow %v, %d values: [%d] = %v, Go %v", lh, n, i, d1[i], d2[i])
				}
			}
		}
		d1, d2 := make([]float32, n), make([]float32, n)
		for _, st := range [][2]float32{{0.7, -0.1}, {1.0000001, 3e-8}, {-2.5, 100}} {
			affineReLU(d1, src, st[0], st[1])
			affineReLUGo(d2, src, st[0], st[1])
			for i := range d1 {
				if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
					t.Fatalf("affineReLU %v, %d values: [%d] = %v, Go %v", st, n, i, d1[i], d2[i])
				}
			}
		}
	}
}

// BenchmarkFused compares a 1×1 layer with its neighbouring memory-bound
// step fused into the GEMM ("fused") and run as a pass of its own
// ("separate", a plain Go loop like generated code's): ResNet-50's expanding
// 1×1 convolutions with the residual add and ReLU, DenseNet-121's
// bottleneck 1×1 convolutions with the batch norm and ReLU before them.
// One goroutine; GFLOP/s count the GEMM's multiply-adds.
func BenchmarkFused(b *testing.B) {
	r := rand.New(rand.NewPCG(37, 38))
	type fl struct {
		name    string
		m, k, n int
		pre     bool
	}
	for _, l := range []fl{
		{"resnet50.layer1.conv3+add+relu", 256, 64, 3136, false},
		{"resnet50.layer2.conv3+add+relu", 512, 128, 784, false},
		{"resnet50.layer3.conv3+add+relu", 1024, 256, 196, false},
		{"resnet50.layer4.conv3+add+relu", 2048, 512, 49, false},
		{"densenet121.block1.6.bn+relu+conv1", 128, 224, 3136, true},
		{"densenet121.block2.12.bn+relu+conv1", 128, 480, 784, true},
		{"densenet121.block3.24.bn+relu+conv1", 128, 992, 196, true},
	} {
		a, bb, bias := randSlice(r, l.m*l.k), randSlice(r, l.k*l.n), randSlice(r, l.m)
		res, c := randSlice(r, l.m*l.n), make([]float32, l.m*l.n)
		scale, shift := randSlice(r, l.k), randSlice(r, l.k)
		p := Pack(a, l.m, l.k)
		scratch := make([]float32, ScratchSize(l.k))
		flops := 2 * float64(l.m) * float64(l.k) * float64(l.n)
		tmp := make([]float32, l.k*l.n)
		b.Run(fmt.Sprintf("%s_%dx%dx%d/separate", l.name, l.m, l.k, l.n), func(b *testing.B) {
			loop(b, flops, func() {
				if l.pre {
					for i := range l.k {
						s, t := scale[i], shift[i]
						row, out := bb[i*l.n:(i+1)*l.n], tmp[i*l.n:(i+1)*l.n]
						for j, v := range row {
							out[j] = max(v*s+t, 0)
						}
					}
					p.MulTile(c, l.n, tmp, l.n, 0, l.n, 0, l.m, bias, false, scratch)
					return
				}
				p.MulTile(c, l.n, bb, l.n, 0, l.n, 0, l.m, bias, false, scratch)
				for i, v := range res {
					c[i] = max(c[i]+v, 0)
				}
			})
		})
		b.Run(fmt.Sprintf("%s_%dx%dx%d/fused", l.name, l.m, l.k, l.n), func(b *testing.B) {
			f := &Fused{Res: res, LDRes: l.n}
			if l.pre {
				f = &Fused{Scale: scale, Shift: shift}
			}
			loop(b, flops, func() { p.MulTileFused(c, l.n, bb, l.n, 0, l.n, 0, l.m, bias, !l.pre, f, scratch) })
		})
	}
}

// TestClampSpecial: the clamp of MulTileFused (in the block kernels where
// the set has it, else after them) gives the bits of MulTile followed by
// clampRowGo for NaN (payload kept), ±Inf and zeros of either sign, with
// bounds that are zeros of either sign, infinite or equal, with and
// without the ReLU, for every kernel set.
func TestClampSpecial(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	nan := math.Float32frombits(0x7fc01234)
	const m, k, n = 20, 5, 53 // block panels, a column tail, an edge block
	r := rand.New(rand.NewPCG(41, 42))
	a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m)
	a[0*k+1] = nan // row 0: NaN
	a[1*k+2] = inf // row 1: ±Inf by B's signs
	a[2*k] = -inf
	for l := range k { // rows 3 and 4: zeros, −0 where B < 0 (bias −0)
		a[3*k+l], a[4*k+l] = 0, 0
	}
	bias[3], bias[4] = negZero, 0
	for l := range k { // column 7: B ≥ 0, so row 1 is +Inf and row 2 −Inf there
		b[l*n+7] = float32(math.Abs(float64(b[l*n+7])))
	}
	for _, ks := range sets {
		p := packWith(ks, a, m, k, nil)
		scratch := make([]float32, ScratchSize(k))
		for _, lh := range [][2]float32{{0, 6}, {-0.5, 1.5}, {negZero, 6}, {-1, 0}, {-1, negZero}, {-inf, inf}, {0, 0}, {negZero, negZero}, {2, 2}} {
			for _, relu := range []bool{false, true} {
				want := make([]float32, m*n)
				p.MulTile(want, n, b, n, 0, n, 0, m, bias, relu, scratch)
				for i := range m {
					clampRowGo(want[i*n:(i+1)*n], lh[0], lh[1])
				}
				got := make([]float32, m*n)
				p.MulTileFused(got, n, b, n, 0, n, 0, m, bias, relu, &Fused{Clamp: true, Lo: lh[0], Hi: lh[1]}, scratch)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s clamp %v relu %v: c[%d][%d] = %v (%#x), want %v (%#x)", ks.name, lh, relu, i/n, i%n, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}
