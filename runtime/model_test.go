package runtime

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/inccdev/incc/runtime/gemm"
	"github.com/inccdev/incc/runtime/ref"
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

// TestLoadFolds: a convolution's weights and bias as Load packs them are
// ref.FoldBatchNorm's and then ref.FoldScale's values, bit for bit, with
// and without a batch norm and a scale, packed for the GEMM and unpacked
// for a grouped convolution.
func TestLoadFolds(t *testing.T) {
	const out, k = 3, 5
	r := rand.New(rand.NewPCG(7, 8))
	vals := func(n int, lo, hi float32) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = lo + (hi-lo)*r.Float32()
		}
		return s
	}
	w := Weights{
		"w": must(tensor.FromData(vals(out*k, -1, 1), out, k)), "b": must(tensor.FromData(vals(out, -1, 1), out)),
		"g": must(tensor.FromData(vals(out, 0.5, 2), out)), "be": must(tensor.FromData(vals(out, -1, 1), out)),
		"m": must(tensor.FromData(vals(out, -1, 1), out)), "v": must(tensor.FromData(vals(out, 0.1, 2), out)),
	}
	for _, bn := range []bool{false, true} {
		for _, scale := range []float64{0, 0.17} {
			for _, groups := range []int{1, 3} {
				src := ConvSource{Weight: "w", Bias: "b", Scale: scale, Out: out, K: k, Groups: groups}
				wantW, wantB := slices.Clone(w["w"].Data), slices.Clone(w["b"].Data)
				if bn {
					src.Gamma, src.Beta, src.Mean, src.Variance, src.Eps = "g", "be", "m", "v", 1e-3
					wantW, wantB = ref.FoldBatchNorm(wantW, wantB, w["g"].Data, w["be"].Data, w["m"].Data, w["v"].Data, out, 1e-3)
				}
				if scale != 0 {
					wantW, wantB = ref.FoldScale(wantW, wantB, scale)
				}
				cw, err := src.Load(w)
				if err != nil {
					t.Fatal(err)
				}
				gotW := cw.W
				if groups == 1 {
					gotW = unpack(cw.P)
				}
				if !slices.Equal(gotW, wantW) || !slices.Equal(cw.Bias, wantB) {
					t.Errorf("bn %v, scale %v, groups %d: weights %v bias %v, want %v %v", bn, scale, groups, gotW, cw.Bias, wantW, wantB)
				}
			}
		}
	}
}
