package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/runtime/ref"
)

// TestBatchNormPlane: BatchNormPlane gives ref.BatchNorm's bits, followed by
// ref.ReLU's when relu is set, for every length up to 100 (the vector body
// and the Go tail), in place and not, with the AVX-512 kernel (if the CPU
// has it) and without; inputs with ±0, NaNs with payloads, infinities,
// subnormals and values whose products need float64.
func TestBatchNormPlane(t *testing.T) {
	defer func(v bool) { bn512 = v }(bn512)
	r := rand.New(rand.NewPCG(81, 82))
	for _, k := range []bool{bn512, false} {
		bn512 = k
		for n := 0; n <= 100; n++ {
			src := make([]float32, n)
			for i := range src {
				switch r.IntN(12) {
				case 0:
					src[i] = float32(math.Copysign(0, -1))
				case 1:
					src[i] = math.Float32frombits(0x7fc00000 | uint32(r.IntN(1<<20)) | uint32(r.IntN(2))<<31)
				case 2:
					src[i] = float32(math.Inf(1 - 2*r.IntN(2)))
				case 3:
					src[i] = math.Float32frombits(uint32(r.IntN(1 << 23)))
				case 4:
					src[i] = 0
				default:
					src[i] = float32(r.NormFloat64() * 3)
				}
			}
			gamma := []float32{float32(r.NormFloat64())}
			beta := []float32{float32(r.NormFloat64())}
			mean := []float32{float32(r.NormFloat64())}
			variance := []float32{r.Float32() + 0.01}
			if n%7 == 0 {
				beta, mean = []float32{0}, []float32{0} // shift 0: −0 outputs
			}
			scale, shift := ref.BatchNormScale(gamma, beta, mean, variance, 1e-3)
			for _, relu := range []bool{false, true} {
				want := make([]float32, n)
				ref.BatchNorm(want, src, gamma, beta, mean, variance, 1, 1, n, 1e-3)
				if relu {
					ref.ReLU(want, want)
				}
				got := make([]float32, n)
				BatchNormPlane(got, src, scale[0], shift[0], relu)
				in := append([]float32(nil), src...)
				BatchNormPlane(in, in, scale[0], shift[0], relu)
				for i := range want {
					w := math.Float32bits(want[i])
					if g := math.Float32bits(got[i]); g != w {
						t.Fatalf("avx512 %v n %d relu %v: [%d] = %v (%#x) of %v, ref %v (%#x)", k, n, relu, i, got[i], g, src[i], want[i], w)
					}
					if g := math.Float32bits(in[i]); g != w {
						t.Fatalf("avx512 %v n %d relu %v, in place: [%d] = %v (%#x), ref %v (%#x)", k, n, relu, i, in[i], g, want[i], w)
					}
				}
			}
		}
	}
}

func BenchmarkBatchNormPlane(b *testing.B) {
	defer func(v bool) { bn512 = v }(bn512)
	src, dst := make([]float32, 35*35), make([]float32, 35*35)
	for _, k := range []bool{true, false} {
		bn512 = k
		name := "go"
		if k {
			name = "avx512"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				BatchNormPlane(dst, src, 0.5, 0.25, true)
			}
		})
	}
}
