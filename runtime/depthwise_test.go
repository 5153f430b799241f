package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/inccdev/incc/runtime/ref"
)

// TestDepthwiseChannels: ref.Conv2D's values, then its clamp, for random
// depthwise geometries (kernels 1–5, strides 1–3, padding up to the
// kernel, widths from 1 to 40 so rows of 8, 16, 32 and neither, and one in
// seven up to 160 for the AVX-512 kernel's blocks of 64; two thirds of the
// 3×3 stride-1 ones with one pixel of padding all round, the direct
// kernels' case), channel ranges,
// ±0 and NaN inputs, the clamps of ReLU, ReLU6, none and others, and a
// bias or none, with each kernel this CPU runs (AVX-512 and AVX2 on a CPU
// with both). Zeros compare equal whatever their sign (a tap in the
// padding adds w·0, which ref.Conv2D skips).
func TestDepthwiseChannels(t *testing.T) {
	kernels := []bool{dw512}
	if dw512 {
		kernels = append(kernels, false)
	}
	defer func(v bool) { dw512 = v }(dw512)
	for _, k := range kernels {
		dw512 = k
		testDepthwiseChannels(t)
	}
}

func testDepthwiseChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	pads := rand.New(rand.NewPCG(65, 66))
	inf := float32(math.Inf(1))
	clamps := [][2]float32{{-inf, inf}, {0, inf}, {0, 6}, {-0.25, 0.5}, {float32(math.Copysign(0, -1)), inf}, {-inf, 0}, {1, 0.5}}
	for iter := range 1500 {
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		if iter%2 == 0 {
			kh, kw = 3, 3
		}
		c := 1 + r.IntN(5)
		p := Conv2DParams{C: c, OutC: c, Groups: c, H: 1 + r.IntN(30), W: 1 + r.IntN([]int{40, 40, 40, 40, 40, 40, 160}[iter%7]), KH: kh, KW: kw, SH: 1 + r.IntN(3), SW: 1 + r.IntN(3),
			Pad: Pad{Top: r.IntN(kh + 1), Left: r.IntN(kw + 1), Bottom: r.IntN(kh + 1), Right: r.IntN(kw + 1)}}
		if iter%3 == 0 {
			p.SH, p.SW = 1, 1
		} else if iter%3 == 1 {
			p.SH, p.SW = 2, 2
		}
		if kh == 3 && kw == 3 && p.SH == 1 && p.SW == 1 && pads.IntN(3) > 0 {
			// The direct kernels' case (MobileNetV2's and Xception's).
			p.Pad = Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}
		}
		if p.OutH() < 1 || p.OutW() < 1 {
			continue
		}
		src := make([]float32, p.C*p.H*p.W)
		for i := range src {
			src[i] = r.Float32()*2 - 1
			switch r.IntN(60) {
			case 0:
				src[i] = float32(math.Copysign(0, -1))
			case 1:
				src[i] = float32(math.NaN())
			}
		}
		w := make([]float32, p.C*kh*kw)
		for i := range w {
			w[i] = r.Float32()*2 - 1
		}
		var bias []float32
		if iter%4 != 0 {
			bias = make([]float32, p.C)
			for i := range bias {
				bias[i] = r.Float32() - 0.5
			}
		}
		cl := clamps[r.IntN(len(clamps))]
		n := p.C * p.OutH() * p.OutW()
		want, got := make([]float32, n), make([]float32, n)
		// Every other geometry with a ReLU before: DepthwiseReLUChannels
		// against ref.ReLU, then ref.Conv2D.
		reluIn := iter%5 < 2
		in := src
		if reluIn {
			in = make([]float32, len(src))
			ref.ReLU(in, src)
		}
		ref.Conv2D(want, in, w, bias, 1, p)
		ref.Clamp(want, want, cl[0], cl[1])
		c0 := r.IntN(p.C + 1)
		scratch := make([]float32, DepthwiseScratch(p))
		for i := range scratch {
			scratch[i] = float32(math.NaN()) // scratch comes dirty
		}
		f := DepthwiseChannels
		if reluIn {
			f = DepthwiseReLUChannels
		}
		f(got, src, w, bias, p, cl[0], cl[1], 0, c0, scratch)
		f(got, src, w, bias, p, cl[0], cl[1], c0, p.C, scratch)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
				t.Fatalf("AVX-512 %v: %+v, clamp %v, ReLU before %v: output %d = %v, Conv2D %v", dw512, p, cl, reluIn, i, got[i], want[i])
			}
		}
	}
}

// TestDepthwiseSignedZero: with a bias of +0 (and none) and finite
// weights, the sign of zero outputs too is Conv2D's; after ReLU the zeros
// are +0, as Go's max makes them.
func TestDepthwiseSignedZero(t *testing.T) {
	negz := float32(math.Copysign(0, -1))
	p := Conv2DParams{C: 2, OutC: 2, Groups: 2, H: 5, W: 19, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}
	src := make([]float32, p.C*p.H*p.W)
	for i := range src {
		src[i] = negz
	}
	w := make([]float32, p.C*9)
	for i := range w {
		w[i] = 0.5
	}
	n := p.C * p.OutH() * p.OutW()
	inf := float32(math.Inf(1))
	for _, cl := range [][2]float32{{-inf, inf}, {0, inf}, {0, 6}} {
		want, got := make([]float32, n), make([]float32, n)
		ref.Conv2D(want, src, w, nil, 1, p)
		ref.Clamp(want, want, cl[0], cl[1])
		DepthwiseChannels(got, src, w, nil, p, cl[0], cl[1], 0, p.C, make([]float32, DepthwiseScratch(p)))
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("clamp %v: output %d = %v, Conv2D %v", cl, i, got[i], want[i])
			}
		}
	}
}

func TestDepthwiseChannelsZeroAllocs(t *testing.T) {
	for _, p := range []Conv2DParams{
		{C: 8, OutC: 8, Groups: 8, H: 17, W: 17, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}},
		{C: 8, OutC: 8, Groups: 8, H: 17, W: 17, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}},
		{C: 8, OutC: 8, Groups: 8, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}},
	} {
		src, dst := make([]float32, p.C*p.H*p.W), make([]float32, p.C*p.OutH()*p.OutW())
		w, bias := make([]float32, p.C*9), make([]float32, p.C)
		scratch := make([]float32, DepthwiseScratch(p))
		if n := testing.AllocsPerRun(10, func() { DepthwiseChannels(dst, src, w, bias, p, 0, 6, 0, p.C, scratch) }); n != 0 {
			t.Errorf("%+v: %v allocations", p, n)
		}
	}
}

// BenchmarkDepthwise: the 3×3 depthwise convolutions of MobileNetV2 (with
// ReLU6), one thread.
func BenchmarkDepthwise(b *testing.B) {
	for _, g := range []struct {
		name      string
		c, hw, st int
	}{
		{"32x112s1", 32, 112, 1}, {"96x112s2", 96, 112, 2}, {"144x56s1", 144, 56, 1}, {"144x56s2", 144, 56, 2},
		{"192x28s1", 192, 28, 1}, {"576x14s1", 576, 14, 1}, {"576x14s2", 576, 14, 2}, {"960x7s1", 960, 7, 1}, {"728x19s1", 728, 19, 1},
	} {
		p := Conv2DParams{C: g.c, OutC: g.c, Groups: g.c, H: g.hw, W: g.hw, KH: 3, KW: 3, SH: g.st, SW: g.st, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}
		src, dst := make([]float32, p.C*p.H*p.W), make([]float32, p.C*p.OutH()*p.OutW())
		for i := range src {
			src[i] = float32(i%7) - 3
		}
		w, bias := make([]float32, p.C*9), make([]float32, p.C)
		scratch := make([]float32, DepthwiseScratch(p))
		flops := 2 * 9 * float64(len(dst))
		b.Run(g.name, func(b *testing.B) {
			for b.Loop() {
				DepthwiseChannels(dst, src, w, bias, p, 0, 6, 0, p.C, scratch)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestDepthwiseReLUBits: the ReLU DepthwiseReLUChannels applies to each
// plane gives max's bits (NaN kept, −0 made +0) for every length.
func TestDepthwiseReLUBits(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for n := range 40 {
		a := make([]float32, n)
		for i := range a {
			a[i] = []float32{r.Float32()*2 - 1, float32(math.Copysign(0, -1)), 0, float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}[r.IntN(6)]
		}
		got, want := slices.Clone(a), slices.Clone(a)
		dwReLU(got)
		dwReLUGo(want)
		for i := range a {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d values: relu(%v) = %v, max gives %v", n, a[i], got[i], want[i])
			}
		}
	}
}
