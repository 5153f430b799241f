//go:build amd64 && !purego

package gemm

// The AVX-512 kernels in Go assembly: micro-kernels 8 rows × 16, 32 or 48
// columns and column kernels (kernel_amd64.s and its declarations
// kernel_decl_amd64.go, written by mkasm.go), im2col packing
// (pack_amd64.s, packconv_amd64.go). See doc.go for the measurements
// behind the shapes.

func cpuid(eax, ecx uint32) (a, b, c, d uint32)
func xgetbv0() (eax, edx uint32)

// hasAVX512 reports whether the CPU has AVX-512 F and the OS saves the
// ZMM and opmask state (XCR0 bits 1, 2, 5, 6, 7).
func hasAVX512() bool {
	max, _, _, _ := cpuid(0, 0)
	if max < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const osxsave, avx, fma = 1 << 27, 1 << 28, 1 << 12
	if c1&osxsave == 0 || c1&avx == 0 || c1&fma == 0 {
		return false
	}
	if xcr0, _ := xgetbv0(); xcr0&0xe6 != 0xe6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<16) != 0 // AVX512F
}

var asmSet = func() *kernelSet {
	s := newSet("avx512-asm-8x48", 8, 16, kern8x16r, kern8x32r, kern8x48r)
	s.fastPack = true
	s.col = asmCol
	return s
}()

func platformSets() []*kernelSet {
	var s []*kernelSet
	if hasAVX512() {
		s = append(s, asmSet)
	}
	return append(s, simdSets()...)
}
