//go:build amd64 && !purego

package gemm

//go:noescape
func addBias16(dst, src *float32, n int, b float32)

//go:noescape
func affineReLU16(dst, src *float32, n int, s, t float32)

func init() {
	if hasAVX512() {
		addBias, affineReLU = addBiasAsm, affineReLUAsm
	}
}

func addBiasAsm(dst, src []float32, b float32) {
	if len(dst) > 0 {
		_ = src[len(dst)-1]
		addBias16(&dst[0], &src[0], len(dst), b)
	}
}

func affineReLUAsm(dst, src []float32, s, t float32) {
	if len(dst) > 0 {
		_ = src[len(dst)-1]
		affineReLU16(&dst[0], &src[0], len(dst), s, t)
	}
}
