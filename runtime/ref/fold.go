package ref

import "math"

// BatchNormScale returns the per-channel scale and shift of inference batch
// normalisation, computed exactly as [BatchNorm] computes them:
//
//	scale[c] = 1/sqrt(variance[c] + eps) · gamma[c]     (float32)
//	shift[c] = fma(-mean[c], scale[c], beta[c])
//
// so that float32(float64(x)·float64(scale[c]) + float64(shift[c])) is
// BatchNorm's output bit for bit. The four slices must have equal lengths.
func BatchNormScale(gamma, beta, mean, variance []float32, eps float64) (scale, shift []float32) {
	c := len(gamma)
	for _, p := range []struct {
		name string
		s    []float32
	}{{"beta", beta}, {"mean", mean}, {"variance", variance}} {
		checkLen("batchnormscale", p.name, p.s, c)
	}
	scale, shift = make([]float32, c), make([]float32, c)
	e := float32(eps)
	for ch := range c {
		inv := 1 / float32(math.Sqrt(float64(variance[ch]+e)))
		scale[ch] = inv * gamma[ch]
		shift[ch] = float32(float64(beta[ch]) - float64(mean[ch])*float64(scale[ch]))
	}
	return scale, shift
}

// FoldBatchNorm folds inference batch normalisation into the layer before
// it (a convolution or a fully connected layer with out outputs): with
// scale and shift from [BatchNormScale],
//
//	weight'[o][…] = weight[o][…] · scale[o]
//	bias'[o]      = bias[o] · scale[o] + shift[o]      (bias nil: 0)
//
// each computed in float64 and rounded once. The results are new slices;
// len(weight) must be a multiple of out.
func FoldBatchNorm(weight, bias, gamma, beta, mean, variance []float32, out int, eps float64) (w, b []float32) {
	checkLen("foldbatchnorm", "gamma", gamma, out)
	if out <= 0 || len(weight)%out != 0 {
		shapePanic("foldbatchnorm: %d weights for %d outputs", len(weight), out)
	}
	if bias != nil {
		checkLen("foldbatchnorm", "bias", bias, out)
	}
	scale, shift := BatchNormScale(gamma, beta, mean, variance, eps)
	b = make([]float32, out)
	for o := range out {
		var bo float64
		if bias != nil {
			bo = float64(bias[o])
		}
		b[o] = float32(bo*float64(scale[o]) + float64(shift[o]))
	}
	return ScaleRows(weight, scale), b
}

// ScaleRows returns weight (len(scale) rows of equal length) with row o
// multiplied by scale[o], each value computed in float64 and rounded once:
// the weights of [FoldBatchNorm]. The result is a new slice.
func ScaleRows(weight, scale []float32) []float32 {
	if len(scale) == 0 || len(weight)%len(scale) != 0 {
		shapePanic("scalerows: %d weights for %d rows", len(weight), len(scale))
	}
	k := len(weight) / len(scale)
	w := make([]float32, len(weight))
	for o, sc := range scale {
		s := float64(sc)
		for i, v := range weight[o*k : (o+1)*k] {
			w[o*k+i] = float32(float64(v) * s)
		}
	}
	return w
}

// FoldScale folds a scaling by s (y = s·x, [Scale]) into the layer before
// it: weight'[i] = weight[i]·s and bias'[o] = bias[o]·s (bias nil stays
// nil), each computed in float64 from float32(s) and rounded once. The
// results are new slices.
func FoldScale(weight, bias []float32, s float64) (w, b []float32) {
	f := float64(float32(s))
	w = make([]float32, len(weight))
	for i, v := range weight {
		w[i] = float32(float64(v) * f)
	}
	if bias != nil {
		b = make([]float32, len(bias))
		for i, v := range bias {
			b[i] = float32(float64(v) * f)
		}
	}
	return w, b
}
