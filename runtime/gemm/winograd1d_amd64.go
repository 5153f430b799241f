//go:build amd64 && !purego

package gemm

// The AVX-512 transforms of Winograd1D (winograd1d_amd64.s), 16 columns at
// a time with the last < 16 under a mask; winograd1d_other.go has the same
// operations in Go.

// w1dOutPlane writes out[(4r+j)·w + x] = bias + (Aᵀ M)_j of tile (r, x)
// for every row 4r + j < h, M_ξ's values of tile row r at mm + r·w + ξ·mstride.
//
//go:noescape
func w1dOutPlane(out *float32, w, h int, mm *float32, mstride int, bias float32)

// w1dInPlane writes, for each tile row r < nr, V_ξ = (Bᵀ d)_ξ at
// v + r·w + ξ·vstride, d_i the row at plane + offs[6r+i] bytes (−1: the
// zeros at zero).
//
//go:noescape
func w1dInPlane(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int)
