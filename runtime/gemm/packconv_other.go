//go:build !amd64 || purego

package gemm

const (
	segFloats = 4
	rowFloats = 4
	maxSegs   = maxNR + maxNR/16
)

func (s *bsource) packConvFast(dst []float32, W, pc, kc, j, w int, tabf, rowf []float32) bool {
	return false
}
