package ref

import (
	"math"
	"strconv"
)

// ReLU computes dst[i] = max(src[i], 0) with Go's max (branch-free;
// -0 gives +0). dst and src may be the same slice. NaN stays NaN.
func ReLU(dst, src []float32) {
	checkLen("relu", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = max(v, 0)
	}
}

// Add computes the element-wise sum dst[i] = srcs[0][i] + srcs[1][i] + …,
// added left to right. dst may be one of srcs.
func Add(dst []float32, srcs ...[]float32) {
	if len(srcs) == 0 {
		shapePanic("add: no inputs")
	}
	for k, s := range srcs {
		checkLen("add", "input "+strconv.Itoa(k), s, len(dst))
	}
	for i := range dst {
		v := srcs[0][i]
		for _, s := range srcs[1:] {
			v += s[i]
		}
		dst[i] = v
	}
}

// Concat joins a batch of n images along channels: every src is
// n×Ck×hw (Ck = len(src)/(n·hw)) and dst is n×(ΣCk)×hw, with the channels
// of srcs[0] first:
//
//	dst[b][C0+…+C(k-1) + c][i] = srcs[k][b][c][i]
func Concat(dst []float32, n, hw int, srcs ...[]float32) {
	total := 0
	for k, s := range srcs {
		if n*hw == 0 || len(s)%(n*hw) != 0 {
			shapePanic("concat: input %d has %d values, not a multiple of %d×%d", k, len(s), n, hw)
		}
		total += len(s)
	}
	checkLen("concat", "dst", dst, total)
	off := 0
	for b := range n {
		for _, s := range srcs {
			m := len(s) / n
			off += copy(dst[off:], s[b*m:(b+1)*m])
		}
	}
}

// Flatten reshapes n×C×H×W to n×(C·H·W): in row-major NCHW it is a copy.
func Flatten(dst, src []float32) {
	checkLen("flatten", "dst", dst, len(src))
	copy(dst, src)
}

// Dropout is the identity at inference: dst[i] = src[i].
func Dropout(dst, src []float32) {
	checkLen("dropout", "dst", dst, len(src))
	copy(dst, src)
}

// Linear computes a fully connected layer on a batch of n vectors: src is
// n×in, weight is out×in (row o holds the weights of output o), bias is out
// values or nil, dst is n×out:
//
//	dst[b][o] = Σ_{i<in} weight[o][i] · src[b][i]  + bias[o]
//
// The sum is float32 in index order; the bias is added last.
func Linear(dst, src, weight, bias []float32, n, in, out int) {
	checkLen("linear", "src", src, n*in)
	checkLen("linear", "dst", dst, n*out)
	checkLen("linear", "weight", weight, out*in)
	if bias != nil {
		checkLen("linear", "bias", bias, out)
	}
	for b := range n {
		x := src[b*in : (b+1)*in]
		y := dst[b*out : (b+1)*out]
		for o := range out {
			w := weight[o*in : (o+1)*in]
			w = w[:len(x)]
			var s float32
			for i, v := range x {
				s += w[i] * v
			}
			if bias != nil {
				s += bias[o]
			}
			y[o] = s
		}
	}
}

// Softmax computes a numerically stable softmax of each of the n rows of c
// values:
//
//	m = max_j src[b][j]
//	dst[b][i] = exp(src[b][i] - m) / Σ_j exp(src[b][j] - m)
//
// exp is computed in float64 and rounded, the sum is float64. dst and src
// may be the same slice.
func Softmax(dst, src []float32, n, c int) {
	checkLen("softmax", "src", src, n*c)
	checkLen("softmax", "dst", dst, n*c)
	for b := range n {
		x, y := src[b*c:(b+1)*c], dst[b*c:(b+1)*c]
		m := float32(math.Inf(-1))
		for _, v := range x {
			if v > m || v != v {
				m = v
			}
		}
		var s float64
		for i, v := range x {
			e := float32(math.Exp(float64(v - m)))
			y[i] = e
			s += float64(e)
		}
		inv := float32(s)
		for i := range y {
			y[i] /= inv
		}
	}
}

// ReLU6 computes dst[i] = min(max(src[i], 0), 6). dst and src may be the
// same slice.
func ReLU6(dst, src []float32) { Clamp(dst, src, 0, 6) }

// Clamp computes dst[i] = min(max(src[i], lo), hi) with Go's min and max
// (branch-free). dst and src may be the same slice. NaN stays NaN.
func Clamp(dst, src []float32, lo, hi float32) {
	checkLen("clamp", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = min(max(v, lo), hi)
	}
}

// Sigmoid computes dst[i] = 1 / (1 + exp(-src[i])), the exponential in
// float64, rounded once. dst and src may be the same slice.
func Sigmoid(dst, src []float32) {
	checkLen("sigmoid", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = SigmoidOf(v)
	}
}

// SigmoidOf is one value of [Sigmoid].
func SigmoidOf(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }

// HardSigmoid computes PyTorch's hardsigmoid, in float32:
//
//	dst[i] = min(max(src[i] + 3, 0), 6) / 6
//
// dst and src may be the same slice.
func HardSigmoid(dst, src []float32) {
	checkLen("hardsigmoid", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = HardSigmoidOf(v)
	}
}

// HardSigmoidOf is one value of [HardSigmoid].
func HardSigmoidOf(v float32) float32 { return min(max(v+3, 0), 6) / 6 }

// HardSwish computes PyTorch's hardswish, in float32, in this order:
//
//	dst[i] = src[i] · min(max(src[i] + 3, 0), 6) / 6
//
// dst and src may be the same slice.
func HardSwish(dst, src []float32) {
	checkLen("hardswish", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = HardSwishOf(v)
	}
}

// HardSwishOf is one value of [HardSwish].
func HardSwishOf(v float32) float32 { return v * min(max(v+3, 0), 6) / 6 }

// SiLU computes dst[i] = src[i] / (1 + exp(-src[i])) (x·sigmoid(x), as
// PyTorch writes it), in float64, rounded once. dst and src may be the
// same slice.
func SiLU(dst, src []float32) {
	checkLen("silu", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = SiLUOf(v)
	}
}

// SiLUOf is one value of [SiLU].
func SiLUOf(v float32) float32 { return float32(float64(v) / (1 + math.Exp(-float64(v)))) }

// Scale computes dst[i] = s · src[i]. dst and src may be the same slice.
func Scale(dst, src []float32, s float32) {
	checkLen("scale", "dst", dst, len(src))
	for i, v := range src {
		dst[i] = s * v
	}
}

// Mul computes the element-wise product of a batch of n images of c
// channels of hw values each, with channel broadcasting: each of srcs holds
// either n×c×hw values or n×c (one per channel, used for every value of
// the channel). dst is n×c×hw:
//
//	dst[b][k][i] = srcs[0][b][k][i or 0] · srcs[1][b][k][i or 0] · …
//
// multiplied left to right.
func Mul(dst []float32, n, c, hw int, srcs ...[]float32) {
	if len(srcs) == 0 {
		shapePanic("mul: no inputs")
	}
	checkLen("mul", "dst", dst, n*c*hw)
	for k, s := range srcs {
		if len(s) != n*c*hw && len(s) != n*c {
			shapePanic("mul: input %d has %d values, want %d or %d", k, len(s), n*c*hw, n*c)
		}
	}
	for b := range n {
		for ch := range c {
			row := (b*c + ch) * hw
			for i := range hw {
				var v float32
				for k, s := range srcs {
					x := s[b*c+ch]
					if len(s) != n*c || hw == 1 {
						x = s[row+i]
					}
					if k == 0 {
						v = x
					} else {
						v *= x
					}
				}
				dst[row+i] = v
			}
		}
	}
}
