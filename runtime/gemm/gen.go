package gemm

// The assembly micro-kernels and the simd/archsimd ones are generated;
// their outputs (kernel_amd64.s, simd_kernels_amd64.go) are committed.
// pack_amd64.s is written by hand.

//go:generate go run mkasm.go
//go:generate go run mksimd.go
