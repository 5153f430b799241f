package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// TestGemm compares Gemm on row and column ranges with gonum's Sgemm (the
// oracle), and checks that computing in pieces gives the same bits as
// computing at once.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range []struct{ m, k, n int }{{1, 1, 1}, {4, 3, 2}, {5, 7, 3}, {16, 33, 17}, {64, 147, 112}, {3, 1, 9}} {
		t.Run(fmt.Sprintf("%dx%dx%d", tt.m, tt.k, tt.n), func(t *testing.T) {
			m, k, n := tt.m, tt.k, tt.n
			a, b, bias := randSlice(rng, m*k), randSlice(rng, k*(n+3)), randSlice(rng, m)
			ldb, ldc := n+3, n+1
			// Oracle: C = A·B[:, :n] + bias, in float32 by gonum.
			want := make([]float32, m*ldc)
			for i := range m {
				for j := range n {
					want[i*ldc+j] = bias[i]
				}
			}
			blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, ldb, 1, want, ldc)
			packed := PackA(a, m, k)
			for _, relu := range []bool{false, true} {
				got := make([]float32, m*ldc)
				Gemm(got, ldc, packed, k, 0, m, b, ldb, n, bias, relu)
				w := make([]float64, m*ldc)
				for i, v := range want {
					if relu && v < 0 {
						v = 0
					}
					if i%ldc >= n {
						v = 0
					}
					w[i] = float64(v)
				}
				closeTo(t, fmt.Sprintf("relu=%v", relu), got, w, 1e-5*float64(k))
				// In pieces: rows in panels, columns one at a time.
				pieces := make([]float32, m*ldc)
				for i0 := 0; i0 < m; i0 += GemmMR {
					for j := range n {
						Gemm(pieces[j:], ldc, packed, k, i0, min(i0+GemmMR, m), b[j:], ldb, 1, bias, relu)
					}
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(pieces[i]) {
						t.Fatalf("relu=%v: [%d]: at once %v, in pieces %v", relu, i, got[i], pieces[i])
					}
				}
			}
		})
	}
}

func TestGemmNilBias(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6} // 2×3
	b := []float32{1, 0, 0, 1, 1, 1} // 3×2
	c := make([]float32, 4)
	Gemm(c, 2, PackA(a, 2, 3), 3, 0, 2, b, 2, 2, nil, false)
	if want := []float32{4, 5, 10, 11}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", c, want)
	}
}

func TestGemv(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tt := range []struct{ out, in int }{{1, 1}, {3, 5}, {9, 16}, {1000, 1024}} {
		w, x, bias := randSlice(rng, tt.out*tt.in), randSlice(rng, tt.in), randSlice(rng, tt.out)
		want := make([]float32, tt.out)
		Linear(want, x, w, bias, 1, tt.in, tt.out)
		got := make([]float32, tt.out)
		Gemv(got, w, x, bias, 0, tt.out, false)
		closeTo(t, fmt.Sprintf("%dx%d", tt.out, tt.in), got, to64(want), 1e-5*math.Sqrt(float64(tt.in)))
		pieces := make([]float32, tt.out)
		for o := range tt.out {
			Gemv(pieces, w, x, bias, o, o+1, false)
		}
		for i := range got {
			if got[i] != pieces[i] {
				t.Fatalf("%dx%d [%d]: at once %v, one by one %v", tt.out, tt.in, i, got[i], pieces[i])
			}
		}
	}
}

// TestFoldBatchNorm checks that a convolution with folded weights matches
// Conv2D followed by BatchNorm, and BatchNormScale reproduces BatchNorm bit
// for bit.
func TestFoldBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	p := Conv2DParams{C: 3, H: 6, W: 5, OutC: 4, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}}
	src, w, bias := randSlice(rng, 3*6*5), randSlice(rng, 4*3*9), randSlice(rng, 4)
	gamma, beta, mean := randSlice(rng, 4), randSlice(rng, 4), randSlice(rng, 4)
	variance := randSlice(rng, 4)
	for i := range variance {
		variance[i] += 1.5
	}
	conv := make([]float32, 4*30)
	Conv2D(conv, src, w, bias, 1, p)
	want := make([]float32, len(conv))
	BatchNorm(want, conv, gamma, beta, mean, variance, 1, 4, 30, 1e-3)
	fw, fb := FoldBatchNorm(w, bias, gamma, beta, mean, variance, 4, 1e-3)
	got := make([]float32, len(conv))
	Conv2D(got, src, fw, fb, 1, p)
	closeTo(t, "folded", got, to64(want), 1e-5)

	scale, shift := BatchNormScale(gamma, beta, mean, variance, 1e-3)
	for i, v := range conv {
		c := i / 30
		if y := float32(float64(v)*float64(scale[c]) + float64(shift[c])); y != want[i] {
			t.Fatalf("[%d]: scale/shift give %v, BatchNorm %v", i, y, want[i])
		}
	}
}

// BenchmarkGemm measures the micro-kernel on GoogLeNet-sized 1×1 convolutions.
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct {
		name    string
		m, k, n int
	}{{"inception3a.branch1", 64, 192, 784}, {"inception4a.branch2.1", 208, 864, 196}} {
		b.Run(s.name, func(b *testing.B) {
			a, x := PackA(randSlice(rng, s.m*s.k), s.m, s.k), randSlice(rng, s.k*s.n)
			c := make([]float32, s.m*s.n)
			b.ReportAllocs()
			for b.Loop() {
				Gemm(c, s.n, a, s.k, 0, s.m, x, s.n, s.n, nil, true)
			}
			b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
