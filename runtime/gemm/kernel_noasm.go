//go:build !amd64 || purego

package gemm

func platformSets() []*kernelSet { return simdSets() }

// prefetchRows is a no-op without assembly.
func prefetchRows(p *float32, ld, rows, n int) {}

// convS2 needs the assembly kernel.
func (p *Packed) convS2(c []float32, ldc, crow int, src *bsource, n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32) bool {
	return false
}
