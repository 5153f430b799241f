//go:build !amd64 || purego

package runtime

// Without the AVX2 kernel, every cell is summed one by one.
func avgRow(o, s []float32, w, kh, kw int, div float32) int { return 0 }
