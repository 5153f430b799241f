//go:build goexperiment.simd && amd64

package gemm

import "simd/archsimd"

// The simd/archsimd micro-kernels (simd_kernels_amd64.go, written by
// mksimd.go): plain Go, 15 vector registers. AVX-512: 4 rows × 16 or 32
// columns; AVX2: 4 rows × 8 or 16 columns. On amd64 they run only when the
// assembly set does not (no AVX-512, or -tags purego).

var (
	simd512Set = newSet("avx512-simd-4x32", 4, 16, simdavx512_4x16, simdavx512_4x32)
	simd256Set = newSet("avx2-simd-4x16", 4, 8, simdavx2_4x8, simdavx2_4x16)
)

func simdSets() []*kernelSet {
	var s []*kernelSet
	if archsimd.X86.AVX512() {
		s = append(s, simd512Set)
	}
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		s = append(s, simd256Set)
	}
	return s
}
