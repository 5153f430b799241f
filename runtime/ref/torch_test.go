package ref

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/inccdev/incc/runtime/tensor"
)

// TestTorchFixtures compares kernels with PyTorch 1.13's CPU outputs saved
// by testdata/torch/make_fixtures.py. Pooling and batch norm match bit for
// bit; the others within float32 rounding (torch uses other summation
// orders and vectorised exp/pow).
func TestTorchFixtures(t *testing.T) {
	load := func(name string) tensor.Tensor {
		t.Helper()
		x, err := tensor.LoadNpy(filepath.Join("testdata", "torch", name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	x := load("x")
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	pool := func(k, s, p int) Pool2DParams {
		return Pool2DParams{C: c, H: h, W: w, KH: k, KW: k, SH: s, SW: s, Pad: Pad{p, p, p, p}, Ceil: true}
	}
	tests := []struct {
		name string
		tol  float64 // 0: bit-exact
		run  func(want tensor.Tensor) []float32
	}{
		{"batchnorm_eps1e-3", 0, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(x.Data))
			BatchNorm(y, x.Data, load("gamma").Data, load("beta").Data, load("mean").Data, load("var").Data, n, c, h*w, 1e-3)
			return y
		}},
		{"maxpool_3s2p1_ceil", 0, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(want.Data))
			MaxPool2D(y, x.Data, n, pool(3, 2, 1))
			return y
		}},
		{"avgpool_3s2p1_ceil", 0, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(want.Data))
			AvgPool2D(y, x.Data, n, pool(3, 2, 1))
			return y
		}},
		{"avgpool_2s2_ceil", 0, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(want.Data))
			AvgPool2D(y, x.Data, n, pool(2, 2, 0))
			return y
		}},
		{"adaptive_3x2", 0, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(want.Data))
			AdaptiveAvgPool2D(y, x.Data, n, c, h, w, 3, 2)
			return y
		}},
		{"adaptive_1x1", 1e-6, func(want tensor.Tensor) []float32 { // torch uses mean() here
			y := make([]float32, len(want.Data))
			AdaptiveAvgPool2D(y, x.Data, n, c, h, w, 1, 1)
			return y
		}},
		{"lrn_5_1e-4_0.75_1", 1e-6, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(x.Data))
			LRN(y, x.Data, n, c, h*w, 5, 1e-4, 0.75, 1)
			return y
		}},
		{"conv_3x2_s2x1_pad1021", 1e-4, // inputs up to ±30: cancellation
			func(want tensor.Tensor) []float32 {
				y := make([]float32, len(want.Data))
				Conv2D(y, x.Data, load("conv_w").Data, load("conv_b").Data, n,
					Conv2DParams{C: c, H: h, W: w, OutC: 5, KH: 3, KW: 2, SH: 2, SW: 1, Pad: Pad{Top: 1, Left: 0, Bottom: 2, Right: 1}})
				return y
			}},
		{"linear", 1e-5, func(want tensor.Tensor) []float32 {
			y := make([]float32, len(want.Data))
			Linear(y, x.Data, load("fc_w").Data, load("fc_b").Data, n, c*h*w, 10)
			return y
		}},
		{"softmax", 1e-6, func(want tensor.Tensor) []float32 {
			in := make([]float32, len(x.Data))
			for i, v := range x.Data {
				in[i] = v / 10
			}
			y := make([]float32, len(in))
			Softmax(y, in, n, c*h*w)
			return y
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := load(tt.name)
			got := tt.run(want)
			if len(got) != len(want.Data) {
				t.Fatalf("got %d values, want %d", len(got), len(want.Data))
			}
			bad := 0
			for i, g := range got {
				wv := want.Data[i]
				ok := math.Float32bits(g) == math.Float32bits(wv)
				if tt.tol > 0 {
					ok = math.Abs(float64(g-wv)) <= tt.tol*math.Max(1, math.Abs(float64(wv)))
				}
				if !ok {
					if bad < 5 {
						t.Errorf("[%d]: got %v, want %v (torch)", i, g, wv)
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d values differ", bad, len(got))
			}
		})
	}
}
