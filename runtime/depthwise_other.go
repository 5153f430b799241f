//go:build !amd64 || purego

package runtime

// Without the AVX2 kernels every row is summed in Go.
const dwVector = false

var dw512 = false // a variable, as on amd64, where the tests turn it off

func dwRows(d, s []float32, offs []int, w []float32, rows, n, ds, ss int, b, lo, hi float32) {
	dwRowsGo(d, s, offs, w, rows, n, ds, ss, b, lo, hi)
}

func dwDeintRowsAt(ev, od, s []float32, w, h, ds int) { dwDeintRowsGo(ev, od, s, w, h, ds) }

func dwCopyRowsAt(d, s []float32, w, h, ds, ss int) { dwCopyRowsGo(d, s, w, h, ds, ss) }

func dwReLU(pl []float32) { dwReLUGo(pl) }

func dwDirect(dst, src, w, bias []float32, p *Conv2DParams, lo, hi float32, c0, c1 int, relu bool) bool {
	return false
}
