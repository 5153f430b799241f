package gemm

// The assembly micro-kernels, the Winograd transforms and the simd/archsimd
// kernels are generated; their outputs (kernel_amd64.s, winograd_amd64.s,
// simd_kernels_amd64.go) are committed. pack_amd64.s and stem_amd64.s are
// written by hand.

//go:generate go run mkasm.go
//go:generate go run mkwino.go
//go:generate go run mksimd.go
