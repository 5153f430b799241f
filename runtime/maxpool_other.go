//go:build !amd64 || purego

package runtime

// Without the AVX2 kernels (other architectures, -tags purego), the rows
// of max pooling run in plain Go.

func hmax(d, r []float32, sw, kw int) { hmaxGo(d, r, sw, kw) }

func maxAcc(d, s []float32) { maxAccGo(d, s) }

func vmax(d []float32, rows ...[]float32) { vmaxGo(d, rows...) }

func samePlane(out, in []float32, h, w, y0, y1 int, scratch []float32) bool { return false }

func stride2Plane(out, in []float32, p *Pool2DParams, y0, y1 int, scratch []float32) bool {
	return false
}

const hasAVX2 = false

// pool512 is false: there is no AVX-512 kernel.
var pool512 = false

func pool3s2Plane(out, in []float32, p *Pool2DParams, y0, y1 int) bool { return false }
