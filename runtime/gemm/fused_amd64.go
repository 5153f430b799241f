//go:build amd64 && !purego

package gemm

//go:noescape
func addReLU16(dst, src *float32, n int, relu int)

//go:noescape
func affineReLU16(dst, src *float32, n int, s, t float64)

func init() {
	if hasAVX512 {
		addReLU, affineReLU = addReLUAsm, affineReLUAsm
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
