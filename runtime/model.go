package runtime

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/inccdev/incc/runtime/gemm"
	"github.com/inccdev/incc/runtime/ref"
)

// This file holds what generated networks use to load their weights.

// ConvSource names the tensors of a convolution, with the batch
// normalisation that follows it if it is folded in, as generated code
// lists them, and the factor of a scale folded in. K is (C/Groups)·KH·KW.
// Winograd is 0 for a convolution run as a GEMM (packed by [gemm.Pack]),
// or the output tile size, 4 or 2, of a 3×3 one run with Winograd's
// algorithm ([gemm.PackWinograd]).
type ConvSource struct {
	Weight, Bias                string // Bias "" if none
	Gamma, Beta, Mean, Variance string // "" if no batch norm is folded in
	Eps                         float64
	// Scale, if not 0, multiplies the weights and bias (after the batch
	// norm): a scale layer that alone reads the convolution, folded in.
	Scale    float64
	Out, K   int
	Winograd int
	// Winograd1D marks a 7×1 convolution (stride 1, padding 3 above and
	// below) run in one-dimensional Winograd form ([gemm.PackWinograd1D]).
	Winograd1D bool
	// Groups > 1 marks a grouped convolution, which generated code computes
	// directly: its weights are kept unpacked, in W.
	Groups int
	Head   bool // belongs to a side head
}

// ConvWeights is a convolution as generated code runs it: the kernel
// (batch norm and scale folded in) packed by [gemm.Pack] for
// [gemm.Packed.MulTile] and [gemm.Packed.ConvTile], or (Winograd)
// transformed and packed by [gemm.PackWinograd] for
// [gemm.Winograd.ConvTile] in Wino, or, for a grouped convolution,
// unpacked in W (Out×K); and the bias (nil if none).
type ConvWeights struct {
	P      *gemm.Packed
	Wino   *gemm.Winograd
	Wino1D *gemm.Winograd1D
	W      []float32
	Bias   []float32
}

// Load reads the tensors of s from w (checked by [CheckRequired]) and
// returns them folded (the values of [ref.FoldBatchNorm], then
// [ref.FoldScale]) and packed. It never keeps w's slices nor writes them;
// without a scale folded in, it copies a GEMM's kernel only into its
// packed form.
func (s *ConvSource) Load(w Weights) (ConvWeights, error) {
	wt, err := values(w, s.Weight, s.Out*s.K)
	if err != nil {
		return ConvWeights{}, err
	}
	var bias []float32
	if s.Bias != "" {
		if bias, err = values(w, s.Bias, s.Out); err != nil {
			return ConvWeights{}, err
		}
	}
	// A folded batch norm scales the rows as they are packed: the values
	// FoldBatchNorm computes, without a scaled copy of the kernel.
	var scale []float32
	if s.Gamma != "" {
		var bn [4][]float32
		for i, name := range [4]string{s.Gamma, s.Beta, s.Mean, s.Variance} {
			if bn[i], err = values(w, name, s.Out); err != nil {
				return ConvWeights{}, err
			}
		}
		var shift []float32
		scale, shift = ref.BatchNormScale(bn[0], bn[1], bn[2], bn[3], s.Eps)
		folded := make([]float32, s.Out)
		for o := range folded {
			var b float64
			if bias != nil {
				b = float64(bias[o])
			}
			folded[o] = float32(b*float64(scale[o]) + float64(shift[o]))
		}
		bias = folded
		if !scaledFinite(wt, scale, s.K) || !finite(bias) {
			return ConvWeights{}, fmt.Errorf("runtime: weights: %s: folding the batch norm %s into it gives values that are not finite (gamma / sqrt(variance + eps) overflows float32)", s.Weight, s.Variance)
		}
	} else {
		bias = slices.Clone(bias)
	}
	folded := s.Scale == 0
	if !folded && scale == nil && s.Groups <= 1 {
		// A scale alone scales the rows as they are packed: the values
		// FoldScale computes, without a scaled copy of the kernel.
		f := float32(s.Scale)
		scale = make([]float32, s.Out)
		for o := range scale {
			scale[o] = f
		}
		for o, b := range bias {
			bias[o] = float32(float64(b) * float64(f))
		}
		if !scaledFinite(wt, scale, s.K) || !finite(bias) {
			return ConvWeights{}, fmt.Errorf("runtime: weights: %s: folding the scale %v into it gives values that are not finite", s.Weight, f)
		}
		folded = true
	}
	if !folded || s.Groups > 1 {
		// A scale folded in too, or weights kept unpacked: a folded copy.
		if scale != nil {
			wt = ref.ScaleRows(wt, scale)
		} else {
			wt = slices.Clone(wt)
		}
		scale = nil
		if !folded {
			wt, bias = ref.FoldScale(wt, bias, s.Scale)
			if !finite(wt) || !finite(bias) {
				return ConvWeights{}, fmt.Errorf("runtime: weights: %s: folding the scale %v into it gives values that are not finite", s.Weight, float32(s.Scale))
			}
		}
		if s.Groups > 1 {
			return ConvWeights{W: wt, Bias: bias}, nil
		}
	}
	if s.Winograd > 0 {
		if s.K%9 != 0 {
			return ConvWeights{}, fmt.Errorf("runtime: %s: Winograd needs a 3×3 kernel, K %d", s.Weight, s.K)
		}
		return ConvWeights{Wino: gemm.PackWinogradScaled(wt, s.Out, s.K/9, s.Winograd, scale), Bias: bias}, nil
	}
	if s.Winograd1D {
		if s.K%7 != 0 {
			return ConvWeights{}, fmt.Errorf("runtime: %s: Winograd1D needs a 7×1 kernel, K %d", s.Weight, s.K)
		}
		return ConvWeights{Wino1D: gemm.PackWinograd1D(wt, s.Out, s.K/7, scale), Bias: bias}, nil
	}
	return ConvWeights{P: gemm.PackScaled(wt, s.Out, s.K, scale), Bias: bias}, nil
}

// scaledFinite reports whether every float32(float64(wt[o·k+l])·scale[o])
// is finite (wt's values are): the row's largest magnitude times the scale
// is, rounding being monotonic.
func scaledFinite(wt, scale []float32, k int) bool {
	for o, s := range scale {
		var m float32
		for _, v := range wt[o*k : (o+1)*k] {
			m = max(m, float32(math.Abs(float64(v))))
		}
		if p := float32(float64(m) * math.Abs(float64(s))); math.IsInf(float64(p), 0) || math.IsNaN(float64(p)) {
			return false
		}
	}
	return true
}

// FCSource names the tensors of a fully connected layer with In inputs.
type FCSource struct {
	Weight, Bias string // Bias "" if none
	Out, In      int
	Head         bool
}

// FCWeights is a fully connected layer as generated code runs it: the
// Out×In matrix packed by [gemm.Pack] (one image is a GEMM with one
// column, the input), and the bias (nil if none).
type FCWeights struct {
	P    *gemm.Packed
	Bias []float32
}

// Load reads the tensors of s from w and packs the matrix. It never keeps
// w's slices.
func (s *FCSource) Load(w Weights) (FCWeights, error) {
	wt, err := values(w, s.Weight, s.Out*s.In)
	if err != nil {
		return FCWeights{}, err
	}
	f := FCWeights{P: gemm.Pack(wt, s.Out, s.In)}
	if s.Bias != "" {
		b, err := values(w, s.Bias, s.Out)
		if err != nil {
			return FCWeights{}, err
		}
		f.Bias = slices.Clone(b)
	}
	return f, nil
}

// BNSource names the tensors of a batch normalisation that runs on its own
// (not folded into a convolution).
type BNSource struct {
	Gamma, Beta, Mean, Variance string
	Eps                         float64
	C                           int
	Head                        bool
}

// BNWeights is a batch normalisation as generated code runs it: per
// channel, y = float32(float64(x)·Scale + Shift) ([ref.BatchNormScale]).
type BNWeights struct{ Scale, Shift []float32 }

// Load reads the tensors of s from w and computes scale and shift.
func (s *BNSource) Load(w Weights) (BNWeights, error) {
	var bn [4][]float32
	for i, name := range [4]string{s.Gamma, s.Beta, s.Mean, s.Variance} {
		var err error
		if bn[i], err = values(w, name, s.C); err != nil {
			return BNWeights{}, err
		}
	}
	scale, shift := ref.BatchNormScale(bn[0], bn[1], bn[2], bn[3], s.Eps)
	if !finite(scale) || !finite(shift) {
		return BNWeights{}, fmt.Errorf("runtime: weights: %s: the batch norm's scale or shift is not finite (gamma / sqrt(variance + eps) overflows float32)", s.Variance)
	}
	return BNWeights{Scale: scale, Shift: shift}, nil
}

// finite reports whether every value of v is finite.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// errMissing is returned when a tensor a source names is absent.
var errMissing = errors.New("missing")

// values returns the data of w[name], which must hold n values.
func values(w Weights, name string, n int) ([]float32, error) {
	t, ok := w[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("runtime: weights: %s: %w", name, errMissing)
	case len(t.Data) != n:
		return nil, fmt.Errorf("runtime: weights: %s: got %d values, want %d", name, len(t.Data), n)
	}
	return t.Data, nil
}
