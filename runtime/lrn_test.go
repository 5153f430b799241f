package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/runtime/ref"
)

// TestLRN075: LRN075Pixels has the bits of its Go loop (lrn075Go) on every
// path, for random sizes, pixel ranges and inputs with zeros, infinities,
// NaNs, subnormals and large values; and is within 2 ulp of ref.LRN (whose
// math.Pow may round the power differently in the last bit).
func TestLRN075(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for iter := range 300 {
		c, hw, size := 1+r.IntN(12), 1+r.IntN(70), 1+r.IntN(7)
		alpha, k := float32(0.0001), float32(1)
		if iter%3 == 0 {
			alpha, k = r.Float32(), r.Float32()*2
		}
		src := make([]float32, c*hw)
		for i := range src {
			switch r.IntN(20) {
			case 0:
				src[i] = float32(math.Copysign(0, -1))
			case 1:
				src[i] = float32(math.NaN())
			case 2:
				src[i] = float32(math.Inf(1 - 2*r.IntN(2)))
			case 3:
				src[i] = math.Float32frombits(uint32(r.IntN(1 << 23))) // subnormal
			case 4:
				src[i] = float32(r.NormFloat64() * 1e18)
			default:
				src[i] = float32(r.NormFloat64() * 10)
			}
		}
		p0 := r.IntN(hw)
		p1 := p0 + 1 + r.IntN(hw-p0)
		got, want := make([]float32, c*hw), make([]float32, c*hw)
		LRN075Pixels(got, src, c, hw, size, alpha, k, p0, p1)
		lrn075Go(want, src, c, hw, size, alpha, k, p0, p1)
		full := make([]float32, c*hw)
		ref.LRN(full, src, 1, c, hw, size, float64(alpha), 0.75, float64(k))
		for ch := range c {
			for i := p0; i < p1; i++ {
				g, w, f := got[ch*hw+i], want[ch*hw+i], full[ch*hw+i]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Fatalf("%d channels of %d, size %d, alpha %v, k %v, pixels [%d, %d): [%d][%d] = %v, the Go loop gives %v", c, hw, size, alpha, k, p0, p1, ch, i, g, w)
				}
				if d := int64(math.Float32bits(g)) - int64(math.Float32bits(f)); (d > 2 || d < -2) && !(g != g && f != f) {
					t.Fatalf("%d channels of %d, size %d: [%d][%d] = %v, ref.LRN %v", c, hw, size, ch, i, g, f)
				}
			}
		}
	}
}
