package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/internal/numtest"
	"github.com/inccdev/incc/runtime/ref"
)

// poolInput is random values with repeats, signed zeros, infinities and
// NaNs (quiet and signaling) with distinct payloads, to tell apart which
// of equal or NaN values a pool returns.
func poolInput(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(11) {
		case 10:
			s[i] = math.Float32frombits(0x7f800000 | uint32(1+rng.IntN(1<<20)) | uint32(rng.IntN(2))<<31)
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(math.Copysign(0, -1))
		case 2:
			s[i] = math.Float32frombits(0x7fc00000 | uint32(rng.IntN(1<<20)) | uint32(rng.IntN(2))<<31)
		case 3:
			s[i] = float32(math.Inf(2*rng.IntN(2) - 1))
		case 4:
			s[i] = float32(rng.IntN(3))
		default:
			s[i] = float32(rng.NormFloat64())
		}
	}
	return s
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestMaxPool checks MaxPoolChannels against MaxPool2D bit for bit (NaN
// payloads and signed zeros included) on random geometries and every size
// of the plane paths' pools, for the whole image and in channel and row
// ranges, with the AVX-512 kernel (if the CPU has it) and without.
func TestMaxPool(t *testing.T) {
	defer func(v bool) { pool512 = v }(pool512)
	for _, k := range []bool{pool512, false} {
		pool512 = k
		t.Run(fmt.Sprintf("pool512=%v", k), testMaxPool)
	}
}

func testMaxPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	geoms := []Pool2DParams{
		{C: 3, H: 112, W: 112, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true},
		{C: 2, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, Ceil: true},
		{C: 2, H: 14, W: 14, KH: 2, KW: 2, SH: 2, SW: 2},
		{C: 2, H: 7, W: 40, KH: 2, KW: 2, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 0, Bottom: 0, Right: 1}},
	}
	// 3×3 stride-1 "same" pools, whole planes at a time where they can be.
	for h := 1; h <= 30; h++ {
		for w := 1; w <= 30; w++ {
			geoms = append(geoms, Pool2DParams{C: 2, H: h, W: w, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, Ceil: h%2 == 0})
		}
	}
	// 2×2 and 3×3 stride-2 pools, whole planes at a time where they can be.
	for h := 2; h <= 20; h++ {
		for w := 3; w <= 40; w++ {
			for k := 2; k <= 3; k++ {
				for _, ceil := range []bool{false, true} {
					if p := (Pool2DParams{C: 2, H: h, W: w, KH: k, KW: k, SH: 2, SW: 2, Ceil: ceil}); h >= k && w >= k {
						geoms = append(geoms, p)
					}
				}
			}
		}
	}
	// 3×3 stride-2 pools with padding of 0 or 1 on each side (Xception's
	// and ResNet's have 1 everywhere), whole planes at a time through a
	// bordered copy where they can be (the ones without padding above).
	for pads := 1; pads < 16; pads++ {
		pd := Pad{Top: pads & 1, Left: pads >> 1 & 1, Bottom: pads >> 2 & 1, Right: pads >> 3 & 1}
		for h := 1; h <= 24; h++ {
			for w := 1; w <= 40; w++ {
				for _, ceil := range []bool{false, true} {
					if p := (Pool2DParams{C: 2, H: h, W: w, KH: 3, KW: 3, SH: 2, SW: 2, Pad: pd, Ceil: ceil}); p.OutH() >= 1 && p.OutW() >= 1 {
						geoms = append(geoms, p)
					}
				}
			}
		}
	}
	// Wide 3×3 stride-2 pools: rows of several groups of 16 outputs.
	for w := 60; w <= 140; w += 3 {
		for pads := range 16 {
			pd := Pad{Top: pads & 1, Left: pads >> 1 & 1, Bottom: pads >> 2 & 1, Right: pads >> 3 & 1}
			geoms = append(geoms, Pool2DParams{C: 2, H: 5 + w%4, W: w, KH: 3, KW: 3, SH: 2, SW: 2, Pad: pd, Ceil: pads%3 == 0})
		}
	}
	for range 60 {
		k := 1 + rng.IntN(4)
		p := Pool2DParams{C: 1 + rng.IntN(3), H: k + rng.IntN(30), W: k + rng.IntN(70), KH: k, KW: 1 + rng.IntN(4),
			SH: 1 + rng.IntN(3), SW: 1 + rng.IntN(3), Ceil: rng.IntN(2) == 0}
		p.Pad = Pad{Top: rng.IntN(k/2 + 1), Left: rng.IntN(p.KW/2 + 1), Bottom: rng.IntN(k/2 + 1), Right: rng.IntN(p.KW/2 + 1)}
		if p.W < p.KW || p.OutH() < 1 || p.OutW() < 1 {
			continue
		}
		geoms = append(geoms, p)
	}
	for i, p := range geoms {
		src := poolInput(rng, p.C*p.H*p.W)
		want := make([]float32, p.C*p.OutH()*p.OutW())
		ref.MaxPool2D(want, src, 1, p)
		scratch := make([]float32, MaxPoolScratch(p)+3)
		// All at once, by channels, then rows in two and three pieces.
		oh := p.OutH()
		got := make([]float32, len(want))
		MaxPoolChannels(got, src, p, 0, 1, scratch)
		MaxPoolChannels(got, src, p, 1, p.C, scratch)
		if j := sameBits(got, want); j >= 0 {
			t.Fatalf("%d %+v, by channels: [%d] = %v (%#x), MaxPool2D %v (%#x)", i, p, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
		}
		for _, cuts := range [][]int{{0, oh}, {0, oh / 2, oh}, {0, oh / 3, 2 * oh / 3, oh}} {
			got := make([]float32, len(want))
			for k := range len(cuts) - 1 {
				maxPool(got, src, p, 0, p.C, cuts[k], cuts[k+1], scratch)
			}
			if j := sameBits(got, want); j >= 0 {
				t.Fatalf("%d %+v, rows %v: [%d] = %v (%#x), MaxPool2D %v (%#x)", i, p, cuts, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
			}
		}
	}
}

// TestPoolRows checks the row kernels against the Go loops at every length.
func TestPoolRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for n := 0; n < 70; n++ {
		for _, sw := range []int{1, 2, 3} {
			for _, kw := range []int{1, 2, 3, 4} {
				r := poolInput(rng, max(n-1, 0)*sw+kw+1+rng.IntN(3))
				got, want := make([]float32, n), make([]float32, n)
				hmax(got, r, sw, kw)
				hmaxGo(want, r, sw, kw)
				if j := sameBits(got, want); j >= 0 {
					t.Fatalf("hmax n %d sw %d kw %d: [%d] = %v, want %v", n, sw, kw, j, got[j], want[j])
				}
			}
		}
		d, s := poolInput(rng, n), poolInput(rng, n)
		want := append([]float32(nil), d...)
		maxAccGo(want, s)
		maxAcc(d, s)
		if j := sameBits(d, want); j >= 0 {
			t.Fatalf("maxAcc n %d: [%d] = %v, want %v", n, j, d[j], want[j])
		}
	}
}

// BenchmarkMaxPool measures the max pools of GoogLeNet, Xception,
// Inception-v4 and ResNet-50, one image, with the AVX-512 kernel (if the
// CPU has it) and with AVX2 only (the plain Go reference too).
func BenchmarkMaxPool(b *testing.B) {
	has512 := pool512
	defer func() { pool512 = has512 }()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range []struct {
		name string
		p    Pool2DParams
	}{
		{"maxpool1", Pool2DParams{C: 64, H: 112, W: 112, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}},
		{"maxpool2", Pool2DParams{C: 192, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}},
		{"maxpool3", Pool2DParams{C: 480, H: 28, W: 28, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}},
		{"maxpool4", Pool2DParams{C: 832, H: 14, W: 14, KH: 2, KW: 2, SH: 2, SW: 2, Ceil: true}},
		{"inception3b.branch4.0", Pool2DParams{C: 256, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, Ceil: true}},
		{"xception.block1", Pool2DParams{C: 128, H: 147, W: 147, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
		{"xception.block2", Pool2DParams{C: 256, H: 74, W: 74, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
		{"xception.block12", Pool2DParams{C: 1024, H: 19, W: 19, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
		{"xception.block3", Pool2DParams{C: 728, H: 37, W: 37, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
		{"v4.features3", Pool2DParams{C: 64, H: 147, W: 147, KH: 3, KW: 3, SH: 2, SW: 2}},
		{"v4.features5", Pool2DParams{C: 192, H: 71, W: 71, KH: 3, KW: 3, SH: 2, SW: 2}},
		{"v4.features10", Pool2DParams{C: 384, H: 35, W: 35, KH: 3, KW: 3, SH: 2, SW: 2}},
		{"v4.features18", Pool2DParams{C: 1024, H: 17, W: 17, KH: 3, KW: 3, SH: 2, SW: 2}},
		{"resnet50.maxpool", Pool2DParams{C: 64, H: 112, W: 112, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
	} {
		p := l.p
		src := numtest.Rand(rng, p.C*p.H*p.W)
		dst := make([]float32, p.C*p.OutH()*p.OutW())
		scratch := make([]float32, MaxPoolScratch(p))
		for _, k := range []bool{true, false} {
			pool512 = k && has512
			name := "avx2"
			if k {
				name = "avx512"
			}
			b.Run(fmt.Sprintf("%s/%s", l.name, name), func(b *testing.B) {
				for b.Loop() {
					MaxPoolChannels(dst, src, p, 0, p.C, scratch)
				}
			})
		}
		b.Run(fmt.Sprintf("%s/reference", l.name), func(b *testing.B) {
			for b.Loop() {
				ref.MaxPool2D(dst, src, 1, p)
			}
		})
	}
}
