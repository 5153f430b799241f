//go:build amd64 && !purego

package gemm

//go:noescape
func w1dIn(v *float32, vstride int, d *[6]*float32, w int)

//go:noescape
func w1dOutPlane(out *float32, w, h int, mm *float32, mstride int, bias float32)

//go:noescape
func w1dInPlane(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int)
