//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// bn512 reports whether bnx16 can run (AVX-512 F; a variable, which the
// tests turn off to check the Go loop).
var bn512 = cpu.X86.HasAVX512F

// bnx16 is bnGo for the first n values (n a multiple of 16) in AVX-512.
//
//go:noescape
func bnx16(dst, src *float32, n int, scale, shift float32, relu bool)

// bnVector runs bnx16 on as many values as it can and returns how many.
func bnVector(dst, src []float32, scale, shift float32, relu bool) int {
	n := len(src) &^ 15
	if !bn512 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	bnx16(&dst[0], &src[0], n, scale, shift, relu)
	return n
}
