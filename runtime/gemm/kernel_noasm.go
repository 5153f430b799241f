//go:build !amd64 || purego

package gemm

func platformSets() []*kernelSet { return simdSets() }
