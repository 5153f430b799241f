//go:build amd64 && !purego

package gemm

//go:noescape
func addReLU16(dst, src *float32, n int, relu int)

//go:noescape
func affineReLU16(dst, src *float32, n int, s, t float64)

// prefetchRows asks for rows rows of n floats, ld apart, from p (the
// block of C or of the residual a micro-kernel call will need next); it
// reads nothing itself, so p may point anywhere in a slice it indexes.
//
//go:noescape
func prefetchRows(p *float32, ld, rows, n int)

//go:noescape
func clamp16(dst *float32, n int, lo, hi float32)

func init() {
	if hasAVX512 {
		addReLU, affineReLU, clampRow = addReLUAsm, affineReLUAsm, clampAsm
	}
}

func clampAsm(row []float32, lo, hi float32) {
	if !kernelClamps(lo, hi) {
		clampRowGo(row, lo, hi)
		return
	}
	if len(row) > 0 {
		clamp16(&row[0], len(row), lo, hi)
	}
}

func addReLUAsm(dst, src []float32, relu bool) {
	if len(dst) > 0 {
		_ = src[len(dst)-1]
		r := 0
		if relu {
			r = 1
		}
		addReLU16(&dst[0], &src[0], len(dst), r)
	}
}

func affineReLUAsm(dst, src []float32, s, t float32) {
	if len(dst) > 0 {
		_ = src[len(dst)-1]
		affineReLU16(&dst[0], &src[0], len(dst), float64(s), float64(t))
	}
}
