//go:build !amd64 || purego

package gemm

func platformSets() []*kernelSet { return simdSets() }

// prefetchRows is a no-op without assembly.
func prefetchRows(p *float32, ld, rows, n int) {}
