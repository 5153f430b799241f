package gemm

import (
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/testspec"
)

// specLayers returns the GEMMs of the trunk of the torchvision GoogLeNet:
// every convolution and the fully connected layer, batch 1.
func specLayers(t testing.TB) []layer {
	net := testspec.Load(t, "specs/googlenet_torchvision.inc")
	var ls []layer
	for i := range net.Ops {
		op := &net.Ops[i]
		if op.Head != "" {
			continue
		}
		in, out := net.Shape(op.In[0]), net.Shape(op.Out)
		switch op.Kind {
		case ir.KindConv:
			cv := op.Conv
			ls = append(ls, layer{name: op.Name, m: cv.Out, k: in.C * cv.KH * cv.KW, n: out.H * out.W,
				g: Conv{C: in.C, H: in.H, W: in.W, KH: cv.KH, KW: cv.KW, SH: cv.SH, SW: cv.SW,
					Pad: [4]int{cv.Pad.Top, cv.Pad.Left, cv.Pad.Bottom, cv.Pad.Right}}})
		case ir.KindFC:
			ls = append(ls, layer{name: op.Name, m: op.FC.Out, k: in.Len(), n: 1})
		}
	}
	return ls
}

// TestSpecLayers checks the layer table the benchmarks use against the spec.
func TestSpecLayers(t *testing.T) {
	got := specLayers(t)
	if len(got) != len(googlenet) {
		t.Fatalf("spec has %d GEMMs, table %d", len(got), len(googlenet))
	}
	var macs int64
	for i, l := range got {
		if l != googlenet[i] {
			t.Errorf("layer %d: spec %+v, table %+v", i, l, googlenet[i])
		}
		macs += int64(l.m) * int64(l.k) * int64(l.n)
	}
	if macs != 1498376192 {
		t.Errorf("%d multiply-accumulates, want 1498376192", macs)
	}
}
