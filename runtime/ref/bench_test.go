package ref

import (
	"math/rand/v2"
	"testing"

	"github.com/inccdev/incc/internal/numtest"
)

// BenchmarkConv2D measures the reference convolution on GoogLeNet layers
// (one image), reporting GFLOP/s (2 flops per multiply-accumulate).
func BenchmarkConv2D(b *testing.B) {
	layers := []struct {
		name string
		p    Conv2DParams
	}{
		{"conv1", Conv2DParams{C: 3, H: 224, W: 224, OutC: 64, KH: 7, KW: 7, SH: 2, SW: 2, Pad: Pad{3, 3, 3, 3}}},
		{"conv2.3x3", Conv2DParams{C: 64, H: 56, W: 56, OutC: 192, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}}},
		{"inception3a.1x1", Conv2DParams{C: 192, H: 28, W: 28, OutC: 64, KH: 1, KW: 1, SH: 1, SW: 1}},
		{"inception3a.3x3", Conv2DParams{C: 96, H: 28, W: 28, OutC: 128, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}}},
		{"inception5b.5x5", Conv2DParams{C: 48, H: 7, W: 7, OutC: 128, KH: 5, KW: 5, SH: 1, SW: 1, Pad: Pad{2, 2, 2, 2}}},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			p := l.p
			src := numtest.Rand(rng, p.C*p.H*p.W)
			w := numtest.Rand(rng, p.OutC*p.C*p.KH*p.KW)
			bias := numtest.Rand(rng, p.OutC)
			dst := make([]float32, p.OutC*p.OutH()*p.OutW())
			macs := float64(len(dst) * p.C * p.KH * p.KW)
			b.ReportAllocs()
			for b.Loop() {
				Conv2D(dst, src, w, bias, 1, p)
			}
			b.ReportMetric(2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
