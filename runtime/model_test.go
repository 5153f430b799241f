package runtime

import (
	"slices"
	"strings"
	"testing"

	"github.com/inccdev/incc/runtime/gemm"
	"github.com/inccdev/incc/runtime/tensor"
)

func TestSources(t *testing.T) {
	w := Weights{
		"c.w": must(tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)), "c.b": must(tensor.FromData([]float32{1, -1}, 2)),
		"bn.g": must(tensor.FromData([]float32{2, 0.5}, 2)), "bn.b": must(tensor.FromData([]float32{0, 1}, 2)),
		"bn.m": must(tensor.FromData([]float32{1, 0}, 2)), "bn.v": must(tensor.FromData([]float32{3, 0}, 2)),
	}
	conv, err := (&ConvSource{Weight: "c.w", Bias: "c.b", Out: 2, K: 3}).Load(w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(unpack(conv.P), w["c.w"].Data) || !slices.Equal(conv.Bias, []float32{1, -1}) {
		t.Errorf("conv without bn: %v", conv)
	}
	conv.Bias[0] = 9
	if w["c.b"].Data[0] != 1 {
		t.Error("Load kept the caller's bias slice")
	}
	folded, err := (&ConvSource{Weight: "c.w", Gamma: "bn.g", Beta: "bn.b", Mean: "bn.m", Variance: "bn.v", Eps: 1, Out: 2, K: 3}).Load(w)
	if err != nil {
		t.Fatal(err)
	}
	// Channel 0: scale = 2/sqrt(4) = 1, shift = 0 - 1·1 = -1.
	// Channel 1: scale = 0.5/sqrt(1) = 0.5, shift = 1.
	if want := []float32{1, 2, 3, 2, 2.5, 3}; !slices.Equal(unpack(folded.P), want) || !slices.Equal(folded.Bias, []float32{-1, 1}) {
		t.Errorf("folded: %v %v, want A %v bias [-1 1]", unpack(folded.P), folded.Bias, want)
	}
	if _, err := (&ConvSource{Weight: "nope", Out: 2, K: 3}).Load(w); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing weight: %v", err)
	}
	if _, err := (&ConvSource{Weight: "c.w", Out: 3, K: 3}).Load(w); err == nil || !strings.Contains(err.Error(), "want 9") {
		t.Errorf("wrong size: %v", err)
	}
	fc, err := (&FCSource{Weight: "c.w", Bias: "c.b", Out: 2, In: 3}).Load(w)
	if err != nil || !slices.Equal(unpack(fc.P), w["c.w"].Data) || !slices.Equal(fc.Bias, []float32{1, -1}) {
		t.Errorf("fc: %v %v", fc, err)
	}
	fc.Bias[0] = 9
	if w["c.b"].Data[0] != 1 {
		t.Error("FC Load kept the caller's bias slice")
	}
	bn, err := (&BNSource{Gamma: "bn.g", Beta: "bn.b", Mean: "bn.m", Variance: "bn.v", Eps: 1, C: 2}).Load(w)
	if err != nil || !slices.Equal(bn.Scale, []float32{1, 0.5}) || !slices.Equal(bn.Shift, []float32{-1, 1}) {
		t.Errorf("bn: %v %v", bn, err)
	}
}

// unpack returns the m×k matrix p holds, as the product of p with the
// identity (exact: one nonzero term per element).
func unpack(p *gemm.Packed) []float32 {
	m, k := p.M(), p.K()
	id := make([]float32, k*k)
	for i := range k {
		id[i*k+i] = 1
	}
	a := make([]float32, m*k)
	p.MulTile(a, k, id, k, 0, k, 0, m, nil, false, make([]float32, GemmScratchLen))
	return a
}

func must(t tensor.Tensor, err error) tensor.Tensor {
	if err != nil {
		panic(err)
	}
	return t
}

// TestLoadFoldOverflow: finite weights whose folded batch norm overflows
// float32 (a huge gamma over a tiny variance) are refused at load, naming
// the tensors, instead of running with infinite weights.
func TestLoadFoldOverflow(t *testing.T) {
	w := Weights{
		"c.weight": {Shape: []int{2, 1}, Data: []float32{1, 1}},
		"bn.gamma": {Shape: []int{2}, Data: []float32{1, 3e38}},
		"bn.beta":  {Shape: []int{2}, Data: []float32{0, 0}},
		"bn.mean":  {Shape: []int{2}, Data: []float32{0, 0}},
		"bn.var":   {Shape: []int{2}, Data: []float32{1, 0}},
	}
	c := ConvSource{Weight: "c.weight", Gamma: "bn.gamma", Beta: "bn.beta", Mean: "bn.mean", Variance: "bn.var", Eps: 1e-5, Out: 2, K: 1}
	if _, err := c.Load(w); err == nil || !strings.Contains(err.Error(), "c.weight: folding the batch norm bn.var into it gives values that are not finite") {
		t.Errorf("conv: %v", err)
	}
	b := BNSource{Gamma: "bn.gamma", Beta: "bn.beta", Mean: "bn.mean", Variance: "bn.var", Eps: 1e-5, C: 2}
	if _, err := b.Load(w); err == nil || !strings.Contains(err.Error(), "bn.var: the batch norm's scale or shift is not finite") {
		t.Errorf("batch norm: %v", err)
	}
	w["bn.gamma"].Data[1] = 3
	if _, err := c.Load(w); err != nil {
		t.Errorf("conv with a gamma of 3: %v", err)
	}
	if _, err := b.Load(w); err != nil {
		t.Errorf("batch norm with a gamma of 3: %v", err)
	}
}
