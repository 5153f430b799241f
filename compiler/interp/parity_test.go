package interp_test

import (
	"flag"
	"fmt"
	"slices"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/internal/numtest"
	"github.com/inccdev/incc/internal/parity"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/tensor"
)

// TestParity runs both full-size GoogLeNets with seeded weights on a seeded
// batch of two images and compares with the outputs PyTorch computed for
// the same weights and input (testdata/parity, made by
// tools/make_fixtures.py): logits, an intermediate tensor (the pooled
// features) and both auxiliary heads, to 1e-4 of the largest reference
// value, with identical top-5 classes.
func TestParity(t *testing.T) {
	for _, tt := range []struct {
		variant, spec string
		// fixture tensor name -> op name in the spec ("" is the trunk output)
		compare map[string]string
	}{
		{"torchvision", "specs/googlenet_torchvision.inc", map[string]string{"logits": "", "features": "avgpool", "aux1": "aux1", "aux2": "aux2"}},
		{"caffe", "specs/googlenet.inc", map[string]string{"logits": "", "fc": "fc", "features": "avgpool", "aux1": "aux1", "aux2": "aux2"}},
	} {
		net := testspec.Load(t, tt.spec)
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed%d", tt.variant, seed), func(t *testing.T) {
				if testing.Short() && seed > 1 {
					t.Skip("short: seed 1 only")
				}
				want, _, err := tensor.LoadSafetensors(testspec.Path(fmt.Sprintf("testdata/parity/%s_s%d.safetensors", tt.variant, seed)))
				if err != nil {
					t.Fatal(err)
				}
				in := interp.InitWeights(net, seed, true)
				ip, err := interp.New(net, in, interp.Options{Heads: true, Keep: []string{"avgpool", "fc"}})
				if err != nil {
					t.Fatal(err)
				}
				res, err := ip.Run(runtime.SeededInput(seed, 2, 3, 224, 224))
				if err != nil {
					t.Fatal(err)
				}
				for name, op := range tt.compare {
					got := res.Output
					switch {
					case op == "aux1" || op == "aux2":
						got = res.Heads[op]
					case op != "":
						got = res.Values[op]
					}
					numtest.Compare(t, name, got.Data, want[name].Data, 1e-4)
				}
				for i := 0; i < 2; i++ {
					g, w := labels.TopK(res.Output.Data[i*1000:(i+1)*1000], 5), labels.TopK(want["logits"].Data[i*1000:(i+1)*1000], 5)
					if !slices.Equal(g, w) {
						t.Errorf("image %d: top-5 %v, want %v", i, g, w)
					}
				}
			})
		}
	}
}

// BenchmarkGoogLeNet times one interpreted inference of torchvision's
// GoogLeNet at batch 1: the baseline that generated code is measured against.
func BenchmarkGoogLeNet(b *testing.B) {
	net := testspec.Load(b, "specs/googlenet_torchvision.inc")
	ip, err := interp.New(net, interp.InitWeights(net, 1, false), interp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	x := runtime.SeededInput(1, 1, 3, 224, 224)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ip.Run(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/image")
}

// TestParityNetworks runs the networks of specs/ that have PyTorch
// fixtures (Inception-v3, ResNet-50, MobileNetV2 from torchvision;
// Inception-v4, Inception-ResNet-v2 and Xception with timm's layout) with
// the fixtures' weights (seeded, batch norms calibrated) on their seeded
// input, and compares every tensor the fixture holds: logits (top-5 too),
// the classifier's input, the auxiliary head, per-channel means and map
// windows at named modules (see package internal/parity). The interpreter
// is slow (a minute for Inception-v4 and Inception-ResNet-v2, 12 and 13
// GMACs an image): it runs the first image of the four others, of all six
// with -parity.full, both images then; with -short, MobileNetV2 only. The
// generated code's test (compiler/codegen) runs all six on both images.
func TestParityNetworks(t *testing.T) {
	for _, name := range parity.Networks {
		t.Run(name, func(t *testing.T) {
			switch {
			case testing.Short() && name != "mobilenet_v2":
				t.Skip("short: mobilenet_v2 only")
			case !*parityFull && (name == "inception_v4" || name == "inception_resnet_v2"):
				t.Skip("the interpreter takes a minute: run with -parity.full (the generated code's test covers it)")
			}
			fx := parity.Load(t, name)
			images := 1
			if *parityFull {
				images = 2
			}
			points := fx.Points(t)
			var keep []string
			for _, p := range points {
				if op := fx.Net.Producer(p.Value); op != nil && p.Value != fx.Net.Output && op.Head == "" {
					keep = append(keep, op.Name)
				}
			}
			ip, err := interp.New(fx.Net, fx.Weights(t), interp.Options{Heads: true, Keep: keep})
			if err != nil {
				t.Fatal(err)
			}
			x := fx.Input()
			x = tensor.Tensor{Shape: append([]int{images}, x.Shape[1:]...), Data: x.Data[:images*fx.Net.Input.Len()]}
			res, err := ip.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]float32{}
			for _, p := range points {
				var data []float32
				switch op := fx.Net.Producer(p.Value); {
				case p.Value == fx.Net.Output:
					data = res.Output.Data
				case op.Head != "":
					data = res.Heads[op.Head].Data
				default:
					data = res.Values[op.Name].Data
				}
				got[p.Tensor] = fx.Take(p, data, images)
			}
			rs := fx.Compare(t, got, images)
			t.Logf("%s (interpreter, %d image(s)): %s", name, images, parity.Summary(rs))
		})
	}
}

var parityFull = flag.Bool("parity.full", false, "TestParityNetworks: both images of each fixture")
