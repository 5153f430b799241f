//go:build !amd64 || purego

package runtime

// Without the AVX2 kernel, every cell is summed one by one.
func avgRow(o, s []float32, w, kh, kw int, div float32) int { return 0 }

// avg512 is false: there is no AVX-512 kernel.
var avg512 = false

func avgFlat(d, s, div []float32, w, kh, kw int) { panic("unreachable") }
