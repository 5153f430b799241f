package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/runtime/ref"
)

// TestAvgPoolChannels: the same bits as AvgPool2D for random geometries
// (kernels 1–5, strides 1–3, padding up to half the kernel, ceil and
// floor), with and without the padding in the divisor, channel ranges, ±0
// and NaN inputs.
func TestAvgPoolChannels(t *testing.T) {
	defer func(v bool) { avg512 = v }(avg512)
	for _, k := range []bool{avg512, false} { // the AVX-512 kernel (if the CPU has it), then AVX2
		avg512 = k
		testAvgPoolChannels(t)
	}
}

func testAvgPoolChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	// The Inception family's: 3×3, stride 1, padding 1, on 35×35, 17×17
	// and 8×8, with the padding in the divisor and without.
	var geoms []Pool2DParams
	for _, hw := range []int{35, 17, 8} {
		for _, ex := range []bool{false, true} {
			geoms = append(geoms, Pool2DParams{C: 3, H: hw, W: hw, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, ExcludePad: ex})
		}
	}
	for iter := range 600 {
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		p := Pool2DParams{C: 1 + r.IntN(4), H: kh + r.IntN(30), W: kw + r.IntN(40), KH: kh, KW: kw, SH: 1 + r.IntN(3), SW: 1 + r.IntN(3),
			Pad: Pad{Top: r.IntN(kh/2 + 1), Left: r.IntN(kw/2 + 1), Bottom: r.IntN(kh/2 + 1), Right: r.IntN(kw/2 + 1)}, Ceil: r.IntN(2) == 0, ExcludePad: iter%3 == 0}
		if iter%2 == 0 {
			p.SH, p.SW = 1, 1
		}
		geoms = append(geoms, p)
	}
	for _, p := range geoms {
		if p.OutH() < 1 || p.OutW() < 1 {
			continue
		}
		src := make([]float32, p.C*p.H*p.W)
		for i := range src {
			src[i] = r.Float32()*2 - 1
			switch r.IntN(50) {
			case 0:
				src[i] = float32(math.Copysign(0, -1))
			case 1:
				src[i] = float32(math.NaN())
			}
		}
		n := p.C * p.OutH() * p.OutW()
		want, got := make([]float32, n), make([]float32, n)
		ref.AvgPool2D(want, src, 1, p)
		c0 := r.IntN(p.C)
		scratch := make([]float32, AvgPoolScratch(p))
		AvgPoolChannels(got, src, p, 0, c0, scratch)
		AvgPoolChannels(got, src, p, c0, p.C, scratch)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
				t.Fatalf("%+v: cell %d = %v, AvgPool2D %v", p, i, got[i], want[i])
			}
		}
	}
}

func TestAvgPoolChannelsZeroAllocs(t *testing.T) {
	p := Pool2DParams{C: 8, H: 17, W: 17, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}
	src, dst := make([]float32, p.C*p.H*p.W), make([]float32, p.C*p.OutH()*p.OutW())
	scratch := make([]float32, AvgPoolScratch(p))
	if n := testing.AllocsPerRun(10, func() { AvgPoolChannels(dst, src, p, 0, p.C, scratch) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// BenchmarkAvgPoolChannels: 3×3 stride-1 average pools with padding 1, with
// the padding in the divisor and without, on an Inception-B input
// (1024×17×17) and on Inception-v4's Inception-A branch (96×35×35: it pools
// the 96 outputs of the 1×1 convolution the spec puts after the pool), with
// the AVX-512 kernel (if the CPU has it) and with AVX2 only.
func BenchmarkAvgPoolChannels(b *testing.B) {
	defer func(v bool) { avg512 = v }(avg512)
	for _, g := range []struct {
		name    string
		c, h, w int
	}{{"1024x17x17", 1024, 17, 17}, {"96x35x35", 96, 35, 35}} {
		for _, ex := range []bool{false, true} {
			p := Pool2DParams{C: g.c, H: g.h, W: g.w, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, ExcludePad: ex}
			src, dst := make([]float32, p.C*p.H*p.W), make([]float32, p.C*p.OutH()*p.OutW())
			scratch := make([]float32, AvgPoolScratch(p))
			name := g.name + "/include"
			if ex {
				name = g.name + "/exclude"
			}
			for _, k := range []bool{true, false} {
				avg512 = k
				kn := "/avx2"
				if k {
					kn = "/avx512"
				}
				b.Run(name+kn, func(b *testing.B) {
					for b.Loop() {
						AvgPoolChannels(dst, src, p, 0, p.C, scratch)
					}
				})
			}
		}
	}
}
