//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The AVX-512 kernels in Go assembly: micro-kernels 8 rows × 16, 32 or 48
// columns and column kernels (kernel_amd64.s and its declarations
// kernel_decl_amd64.go, written by mkasm.go), im2col packing
// (pack_amd64.s, packconv_amd64.go). See doc.go for the measurements
// behind the shapes.

// hasAVX512 reports whether the CPU has AVX-512 F and FMA and the OS saves
// the ZMM and opmask state (golang.org/x/sys/cpu checks XCR0, and on macOS
// asks the kernel, which saves that state only once a thread uses it).
var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasFMA

var asmSet = func() *kernelSet {
	s := newSet("avx512-asm-8x48", 8, 16, kern8x16r, kern8x32r, kern8x48r)
	s.fastPack = true
	s.clamp, s.res = true, true
	s.col = asmCol
	return s
}()

func platformSets() []*kernelSet {
	var s []*kernelSet
	if hasAVX512 {
		s = append(s, asmSet)
	}
	return append(s, simdSets()...)
}
