package runtime

// This file holds the matrix kernels that generated networks call: a
// convolution is a GEMM of its weights (out channels × C·KH·KW) with its
// input (C·KH·KW × pixels, the image itself for a 1×1 convolution, else an
// im2col tile), and a fully connected layer is a GEMV. The kernels are
// portable scalar Go for now; their signatures and the packed weight layout
// are what a SIMD micro-kernel will keep.

// GemmMR is the number of rows in each panel of a matrix packed by [PackA]:
// the rows the GEMM micro-kernel computes at once. The row ranges given to
// [Gemm] start at multiples of it; generated code splits rows in blocks of
// multiples of 16, so GemmMR must divide 16.
const GemmMR = 4

// gemmNR is the number of columns the micro-kernel computes at once.
const gemmNR = 2

// PackedLen is the length of [PackA]'s result for an m×k matrix: m rounded
// up to a multiple of [GemmMR], times k.
func PackedLen(m, k int) int { return (m + GemmMR - 1) / GemmMR * GemmMR * k }

// PackA repacks a row-major m×k matrix a (row i holds the weights of output
// i, e.g. a convolution's OutC × C·KH·KW kernel) into the layout [Gemm]
// reads: panels of GemmMR rows, each stored column by column,
//
//	packed[(i/GemmMR)·GemmMR·k + l·GemmMR + i%GemmMR] = a[i·k + l]
//
// with zero rows filling the last panel. It panics if len(a) != m·k.
func PackA(a []float32, m, k int) []float32 {
	checkLen("packa", "a", a, m*k)
	p := make([]float32, PackedLen(m, k))
	for i := range m {
		panel := p[i/GemmMR*GemmMR*k:]
		r := i % GemmMR
		for l, v := range a[i*k : (i+1)*k] {
			panel[l*GemmMR+r] = v
		}
	}
	return p
}

// Gemm computes rows [m0, m1) and columns [0, n) of C = act(bias + A·B):
//
//	c[i·ldc + j] = act(bias[i] + Σ_{l<k} A[i][l] · b[l·ldb + j])
//
// A is given packed: a = PackA(A, m, k) for some m ≥ m1. bias is nil (zero)
// or holds at least m1 values; act is max(x, 0) if relu, else the identity.
// The sum starts from the bias and adds the products in order of l, in
// float32, whatever the ranges: computing C in pieces (one per worker, say)
// gives the same bits as computing it at once. m0 must be a multiple of
// GemmMR. c, a and b must be long enough for the indices above (Gemm panics
// otherwise, as an index out of range).
func Gemm(c []float32, ldc int, a []float32, k, m0, m1 int, b []float32, ldb, n int, bias []float32, relu bool) {
	if m0%GemmMR != 0 || m0 < 0 || m1 < m0 || k <= 0 || n < 0 {
		shapePanic("gemm: rows [%d, %d), k %d, n %d", m0, m1, k, n)
	}
	for i0 := m0; i0 < m1; i0 += GemmMR {
		panel := a[i0*k : (i0+GemmMR)*k]
		rows := min(GemmMR, m1-i0)
		var bs [GemmMR]float32
		if bias != nil {
			copy(bs[:rows], bias[i0:i0+rows])
		}
		cp := c[i0*ldc:]
		j := 0
		for ; j+gemmNR <= n; j += gemmNR {
			c00, c01, c10, c11, c20, c21, c30, c31 := kernel4x2(panel, b[j:], ldb, k, bs)
			if relu {
				c00, c01, c10, c11 = relu1(c00), relu1(c01), relu1(c10), relu1(c11)
				c20, c21, c30, c31 = relu1(c20), relu1(c21), relu1(c30), relu1(c31)
			}
			if rows == GemmMR {
				r := cp[j : j+2 : j+2]
				r[0], r[1] = c00, c01
				r = cp[ldc+j : ldc+j+2 : ldc+j+2]
				r[0], r[1] = c10, c11
				r = cp[2*ldc+j : 2*ldc+j+2 : 2*ldc+j+2]
				r[0], r[1] = c20, c21
				r = cp[3*ldc+j : 3*ldc+j+2 : 3*ldc+j+2]
				r[0], r[1] = c30, c31
				continue
			}
			v := [GemmMR][gemmNR]float32{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}
			for r := range rows {
				cp[r*ldc+j], cp[r*ldc+j+1] = v[r][0], v[r][1]
			}
		}
		for ; j < n; j++ {
			c0, c1, c2, c3 := kernel4x1(panel, b[j:], ldb, k, bs)
			v := [GemmMR]float32{c0, c1, c2, c3}
			for r := range rows {
				x := v[r]
				if relu {
					x = relu1(x)
				}
				cp[r*ldc+j] = x
			}
		}
	}
}

// relu1 is max(v, 0) as [ReLU] computes it (NaN stays NaN, -0 stays -0).
func relu1(v float32) float32 {
	if v < 0 {
		return 0
	}
	return v
}

// kernel4x2 computes a 4×2 block: bias[r] + Σ_l a[4l+r]·b[l·ldb+j], j < 2.
func kernel4x2(a, b []float32, ldb, k int, bias [GemmMR]float32) (c00, c01, c10, c11, c20, c21, c30, c31 float32) {
	c00, c01 = bias[0], bias[0]
	c10, c11 = bias[1], bias[1]
	c20, c21 = bias[2], bias[2]
	c30, c31 = bias[3], bias[3]
	a = a[:4*k]
	bi := 0
	for l := 0; l < k; l++ {
		ap := a[4*l : 4*l+4 : 4*l+4]
		bp := b[bi : bi+2 : bi+2]
		bi += ldb
		b0, b1 := bp[0], bp[1]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c10 += a1 * b0
		c11 += a1 * b1
		c20 += a2 * b0
		c21 += a2 * b1
		c30 += a3 * b0
		c31 += a3 * b1
	}
	return
}

// kernel4x1 computes a 4×1 block, the last column of an odd-width GEMM.
func kernel4x1(a, b []float32, ldb, k int, bias [GemmMR]float32) (c0, c1, c2, c3 float32) {
	c0, c1, c2, c3 = bias[0], bias[1], bias[2], bias[3]
	a = a[:4*k]
	bi := 0
	for l := 0; l < k; l++ {
		ap := a[4*l : 4*l+4 : 4*l+4]
		b0 := b[bi]
		bi += ldb
		c0 += ap[0] * b0
		c1 += ap[1] * b0
		c2 += ap[2] * b0
		c3 += ap[3] * b0
	}
	return
}

// Gemv computes outputs [o0, o1) of a fully connected layer,
// y = act(W·x + bias), with W row-major (o1 rows or more, len(x) columns):
//
//	y[o] = act((Σ_{i even} W[o][i]·x[i] + Σ_{i odd} W[o][i]·x[i]) + bias[o])
//
// Each of the two partial sums is float32 in order of i; bias is nil (zero)
// or holds at least o1 values; act is max(x, 0) if relu. The result of an
// output does not depend on the range it is computed in.
func Gemv(y, w, x, bias []float32, o0, o1 int, relu bool) {
	in := len(x)
	if o0 < 0 || o1 < o0 || len(w) < o1*in || len(y) < o1 {
		shapePanic("gemv: rows [%d, %d) of %d×%d weights, %d outputs", o0, o1, len(w)/max(in, 1), in, len(y))
	}
	o := o0
	for ; o+4 <= o1; o += 4 {
		s0, s1, s2, s3 := dot4(w[o*in:(o+4)*in], x)
		for r, s := range [4]float32{s0, s1, s2, s3} {
			y[o+r] = finishGemv(s, bias, o+r, relu)
		}
	}
	for ; o < o1; o++ {
		y[o] = finishGemv(dot1(w[o*in:(o+1)*in], x), bias, o, relu)
	}
}

func finishGemv(s float32, bias []float32, o int, relu bool) float32 {
	if bias != nil {
		s += bias[o]
	}
	if relu {
		s = relu1(s)
	}
	return s
}

// dot4 returns the dot products of four consecutive rows of w with x, each
// as the sum of its even and odd partial sums.
func dot4(w, x []float32) (s0, s1, s2, s3 float32) {
	in := len(x)
	w0, w1, w2, w3 := w[:in], w[in:2*in], w[2*in:3*in], w[3*in:4*in]
	var e0, e1, e2, e3, d0, d1, d2, d3 float32
	i := 0
	for ; i+2 <= in; i += 2 {
		xe, xo := x[i], x[i+1]
		e0 += w0[i] * xe
		d0 += w0[i+1] * xo
		e1 += w1[i] * xe
		d1 += w1[i+1] * xo
		e2 += w2[i] * xe
		d2 += w2[i+1] * xo
		e3 += w3[i] * xe
		d3 += w3[i+1] * xo
	}
	if i < in {
		xe := x[i]
		e0 += w0[i] * xe
		e1 += w1[i] * xe
		e2 += w2[i] * xe
		e3 += w3[i] * xe
	}
	return e0 + d0, e1 + d1, e2 + d2, e3 + d3
}

// dot1 is one row of dot4, with the same order of operations.
func dot1(w, x []float32) float32 {
	in := len(x)
	w = w[:in]
	var e, d float32
	i := 0
	for ; i+2 <= in; i += 2 {
		e += w[i] * x[i]
		d += w[i+1] * x[i+1]
	}
	if i < in {
		e += w[i] * x[i]
	}
	return e + d
}
