//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// lrn512 reports whether lrn075x16 can run: AVX-512 F and DQ (the 256-bit
// halves of a vector).
var lrn512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// lrn075x16 is lrn075Go for channels [0, c) and pixels [p0, p1) in
// AVX-512, 16 pixels at a time, the last vector masked.
//
//go:noescape
func lrn075x16(dst, src *float32, c, hw, size int, alpha, k float32, p0, p1 int)

// lrnVector runs lrn075x16 if the CPU has AVX-512 (the caller checked the
// bounds).
func lrnVector(dst, src []float32, c, hw, size int, alpha, k float32, p0, p1 int) bool {
	if !lrn512 {
		return false
	}
	lrn075x16(&dst[0], &src[0], c, hw, size, alpha, k, p0, p1)
	return true
}
