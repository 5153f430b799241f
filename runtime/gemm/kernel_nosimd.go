//go:build !goexperiment.simd || !amd64

package gemm

// Without GOEXPERIMENT=simd (or off amd64) there are no simd/archsimd
// kernels; amd64 still has the assembly ones, every platform the scalar set
// in kernel.go.
func simdSets() []*kernelSet { return nil }
