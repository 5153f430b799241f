//go:build !amd64 || purego

package gemm

func w1dOutPlane(out *float32, w, h int, mm *float32, mstride int, bias float32) {
	w1dOutPlaneGo(out, w, h, mm, mstride, bias)
}

func w1dInPlane(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int) {
	w1dInPlaneGo(v, vstride, plane, zero, offs, nr, w)
}
