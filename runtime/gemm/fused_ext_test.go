package gemm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/runtime/gemm"
	rt "github.com/inccdev/incc/runtime/ref"
)

func randVec(r *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + (hi-lo)*r.Float32()
	}
	return s
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v fused, %v unfused", what, i, got[i], want[i])
		}
	}
}

// TestFusedMatchesRuntime: the fused operations give the bits of the
// runtime's layers run one after the other — runtime.BatchNorm then
// runtime.ReLU then the 1×1 layer (pre-activation), and the layer then
// runtime.Add then runtime.ReLU (residual).
func TestFusedMatchesRuntime(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	for _, sz := range [][3]int{{128, 224, 3136}, {32, 100, 49}, {7, 3, 5}} {
		m, k, n := sz[0], sz[1], sz[2]
		a, bias, b := randVec(r, m*k, -0.2, 0.2), randVec(r, m, -1, 1), randVec(r, k*n, -2, 2)
		gamma, beta := randVec(r, k, 0.5, 1.5), randVec(r, k, -0.5, 0.5)
		mean, variance := randVec(r, k, -0.3, 0.3), randVec(r, k, 0.5, 2)
		const eps = 1e-5
		p := gemm.Pack(a, m, k)
		scratch := make([]float32, gemm.ScratchSize(k))

		// Pre-activation.
		bn := make([]float32, k*n)
		rt.BatchNorm(bn, b, gamma, beta, mean, variance, 1, k, n, eps)
		rt.ReLU(bn, bn)
		want := make([]float32, m*n)
		p.MulTile(want, n, bn, n, 0, n, 0, m, bias, true, scratch)
		scale, shift := rt.BatchNormScale(gamma, beta, mean, variance, eps)
		got := make([]float32, m*n)
		for j := 0; j < n; j += 48 {
			p.MulTileFused(got, n, b, n, j, min(j+48, n), 0, m, bias, true, &gemm.Fused{Scale: scale, Shift: shift}, scratch)
		}
		sameBits(t, "pre-activation", got, want)

		// Residual.
		res := randVec(r, m*n, -3, 3)
		p.MulTile(want, n, b, n, 0, n, 0, m, bias, false, scratch)
		rt.Add(want, want, res)
		rt.ReLU(want, want)
		for j := 0; j < n; j += 48 {
			p.MulTileFused(got, n, b, n, j, min(j+48, n), 0, m, bias, true, &gemm.Fused{Res: res, LDRes: n}, scratch)
		}
		sameBits(t, "residual", got, want)
	}
}
