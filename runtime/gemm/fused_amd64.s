//go:build amd64 && !purego

#include "textflag.h"
#include "clamp_amd64.h"

// TAILMASK sets K1 to the lanes of a last partial vector of CX < 16.
#define TAILMASK LOWLANES(K1)

// CLAMP16 clamps Z0 into Z4: lo in Z1, hi in Z2 (see clamp16).
#define CLAMP16 CLAMP(Z0, Z1, Z2, Z4, K2)

// Row kernels of the fused GEMM operations (fused_amd64.go): 16 floats at a
// time, the last < 16 under a mask; the same float32 operations as the Go
// ones, so the same bits.

// func addReLU16(dst, src *float32, n int, relu int)
// dst[q] = dst[q] + src[q] for q < n, then max with the clamp (0 with relu,
// else −∞: VMAXPS returns its second source, the value, when it is NaN).
TEXT ·addReLU16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z3, Z3, Z3
	CMPQ relu+24(FP), $0
	JNE ar16_loop
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z3
ar16_loop:
	CMPQ CX, $16
	JB ar16_tail
	VMOVUPS (DI), Z0
	VADDPS (SI), Z0, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP ar16_loop
ar16_tail:
	TESTQ CX, CX
	JZ ar16_done
	TAILMASK
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VADDPS Z1, Z0, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, K1, (DI)
ar16_done:
	VZEROUPPER
	RET

// func affineReLU16(dst, src *float32, n int, s, t float64)
// dst[q] = max(float32(float64(src[q])·s + t), 0) for q < n: the product
// is exact in float64 and VFMADD213PD rounds the sum once, as the Go code
// does; VMAXPS returns its second source (the value) when it is NaN, like
// the Go comparison.
TEXT ·affineReLU16(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD s+24(FP), Z1
	VBROADCASTSD t+32(FP), Z2
	VPXORD Z3, Z3, Z3
af_loop:
	CMPQ CX, $16
	JB af_tail
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VFMADD213PD Z2, Z1, Z4
	VFMADD213PD Z2, Z1, Z5
	VCVTPD2PS Z4, Y4
	VCVTPD2PS Z5, Y5
	VINSERTF32X8 $1, Y5, Z4, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP af_loop
af_tail:
	TESTQ CX, CX
	JZ af_done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VEXTRACTF32X8 $1, Z0, Y6
	VCVTPS2PD Y0, Z4
	VCVTPS2PD Y6, Z5
	VFMADD213PD Z2, Z1, Z4
	VFMADD213PD Z2, Z1, Z5
	VCVTPD2PS Z4, Y4
	VCVTPD2PS Z5, Y5
	VINSERTF32X8 $1, Y5, Z4, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, K1, (DI)
af_done:
	VZEROUPPER
	RET

// func clamp16(dst *float32, n int, lo, hi float32)
// dst[q] = min(max(dst[q], lo), hi) for q < n. VMAXPS and VMINPS return
// their second source on equal operands and on NaN: with the value as the
// first source and lo, hi as the second, a tie of zeros gives lo, then
// hi (Go's max and min agree unless lo is −0 or hi is ±0, which the caller
// leaves to the Go code), and a NaN value is put back from the mask.
TEXT ·clamp16(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS lo+16(FP), Z1
	VBROADCASTSS hi+20(FP), Z2
cl_loop:
	CMPQ CX, $16
	JB cl_tail
	VMOVUPS (DI), Z0
	CLAMP16
	VMOVUPS Z4, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP cl_loop
cl_tail:
	TESTQ CX, CX
	JZ cl_done
	TAILMASK
	VMOVUPS.Z (DI), K1, Z0
	CLAMP16
	VMOVUPS Z4, K1, (DI)
cl_done:
	VZEROUPPER
	RET

// func prefetchRows(p *float32, ld, rows, n int)
// Prefetches (T0) rows rows of n floats, ld floats apart, from p: every
// cache line of each row.
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ ld+8(FP), DX
	SHLQ $2, DX
	MOVQ rows+16(FP), CX
	MOVQ n+24(FP), BX
	SHLQ $2, BX
	TESTQ BX, BX
	JZ   prefetch_done
	TESTQ CX, CX
	JZ   prefetch_done
prefetch_row:
	XORQ AX, AX
prefetch_line:
	PREFETCHT0 (SI)(AX*1)
	ADDQ $64, AX
	CMPQ AX, BX
	JLT  prefetch_line
	PREFETCHT0 -4(SI)(BX*1)
	ADDQ DX, SI
	DECQ CX
	JNZ  prefetch_row
prefetch_done:
	RET
