//go:build amd64 && !purego

#include "textflag.h"

// Row kernels of the fused GEMM operations (fused_amd64.go): 16 floats at a
// time, the last < 16 under a mask; the same float32 operations as the Go
// ones, so the same bits.

// func addBias16(dst, src *float32, n int, b float32)
// dst[q] = src[q] + b for q < n.
TEXT ·addBias16(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS b+24(FP), Z1
ab_loop:
	CMPQ CX, $16
	JB ab_tail
	VADDPS (SI), Z1, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP ab_loop
ab_tail:
	TESTQ CX, CX
	JZ ab_done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
ab_done:
	VZEROUPPER
	RET

// func affineReLU16(dst, src *float32, n int, s, t float32)
// dst[q] = max(float32(src[q]·s) + t, 0) for q < n: VMAXPS returns its
// second source (the value) when it is NaN, like the Go comparison.
TEXT ·affineReLU16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS s+24(FP), Z1
	VBROADCASTSS t+28(FP), Z2
	VPXORD Z3, Z3, Z3
ar_loop:
	CMPQ CX, $16
	JB ar_tail
	VMULPS (SI), Z1, Z0
	VADDPS Z2, Z0, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP ar_loop
ar_tail:
	TESTQ CX, CX
	JZ ar_done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMULPS Z1, Z0, Z0
	VADDPS Z2, Z0, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, K1, (DI)
ar_done:
	VZEROUPPER
	RET
