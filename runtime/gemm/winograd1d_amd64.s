//go:build amd64 && !purego

#include "textflag.h"
#include "clamp_amd64.h"

// W1DIN computes the six transformed rows of 16 lanes (mask k) from
// Z0..Z5 (d0..d5) and stores them at DI + AX, DI + AX + R8, ...
// Z20 = 4, Z21 = 5, Z22 = 2; Z6..Z13 scratch.
#define W1DIN(k) \
	VMULPS  Z20, Z0, Z6  \ // v0 = 4d0 − 5d2 + d4
	VMULPS  Z21, Z2, Z7  \
	VSUBPS  Z7, Z6, Z6   \
	VADDPS  Z4, Z6, Z6   \
	VMULPS  Z20, Z2, Z7  \ // A = d4 − 4d2
	VSUBPS  Z7, Z4, Z7   \
	VMULPS  Z20, Z1, Z8  \ // B = d3 − 4d1
	VSUBPS  Z8, Z3, Z8   \
	VADDPS  Z8, Z7, Z9   \ // v1 = A + B
	VSUBPS  Z8, Z7, Z10  \ // v2 = A − B
	VSUBPS  Z2, Z4, Z11  \ // C = d4 − d2
	VSUBPS  Z1, Z3, Z12  \ // D = 2(d3 − d1)
	VMULPS  Z22, Z12, Z12 \
	VADDPS  Z12, Z11, Z13 \ // v3 = C + D
	VSUBPS  Z12, Z11, Z11 \ // v4 = C − D
	VMULPS  Z20, Z1, Z7  \ // v5 = 4d1 − 5d3 + d5
	VMULPS  Z21, Z3, Z8  \
	VSUBPS  Z8, Z7, Z7   \
	VADDPS  Z5, Z7, Z7   \
	MOVQ    DI, DX       \
	VMOVUPS Z6, k, (DX)(AX*1)  \
	ADDQ    R8, DX       \
	VMOVUPS Z9, k, (DX)(AX*1)  \
	ADDQ    R8, DX       \
	VMOVUPS Z10, k, (DX)(AX*1) \
	ADDQ    R8, DX       \
	VMOVUPS Z13, k, (DX)(AX*1) \
	ADDQ    R8, DX       \
	VMOVUPS Z11, k, (DX)(AX*1) \
	ADDQ    R8, DX       \
	VMOVUPS Z7, k, (DX)(AX*1)

// func w1dInPlane(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int)
// For each tile row r < nr: d_i = the row at plane + offs[6r+i] (bytes;
// −1: zero), transformed into v + r·w (ξ at + ξ·vstride).
TEXT ·w1dInPlane(SB), NOSPLIT, $0-56
	MOVQ vstride+8(FP), R8
	SHLQ $2, R8
	MOVL $0x40800000, AX
	VPBROADCASTD AX, Z20
	MOVL $0x40a00000, AX
	VPBROADCASTD AX, Z21
	MOVL $0x40000000, AX
	VPBROADCASTD AX, Z22
	KXNORW K2, K2, K2
	MOVQ v+0(FP), DI
	MOVQ offs+32(FP), SI
	MOVQ nr+40(FP), R14
plane_row:
	MOVQ plane+16(FP), DX
	MOVQ zero+24(FP), R15
#define ROWPTR(o, r) \
	MOVQ o(SI), r      \
	LEAQ (DX)(r*1), r  \
	CMPQ o(SI), $0     \
	CMOVQLT R15, r
	ROWPTR(0, R9)
	ROWPTR(8, R10)
	ROWPTR(16, R11)
	ROWPTR(24, R12)
	ROWPTR(32, R13)
	ROWPTR(40, BX)
	MOVQ w+48(FP), CX
	XORQ AX, AX
pin_loop:
	CMPQ CX, $16
	JLT  pin_tail
	VMOVUPS (R9)(AX*1), Z0
	VMOVUPS (R10)(AX*1), Z1
	VMOVUPS (R11)(AX*1), Z2
	VMOVUPS (R12)(AX*1), Z3
	VMOVUPS (R13)(AX*1), Z4
	VMOVUPS (BX)(AX*1), Z5
	W1DIN(K2)
	ADDQ $64, AX
	SUBQ $16, CX
	JMP  pin_loop
pin_tail:
	TESTQ CX, CX
	JZ    pin_next
	MOVQ  AX, R15
	LOWLANES(K1)
	MOVQ  R15, AX
	VMOVUPS.Z (R9)(AX*1), K1, Z0
	VMOVUPS.Z (R10)(AX*1), K1, Z1
	VMOVUPS.Z (R11)(AX*1), K1, Z2
	VMOVUPS.Z (R12)(AX*1), K1, Z3
	VMOVUPS.Z (R13)(AX*1), K1, Z4
	VMOVUPS.Z (BX)(AX*1), K1, Z5
	W1DIN(K1)
pin_next:
	MOVQ w+48(FP), AX
	LEAQ (DI)(AX*4), DI
	ADDQ $48, SI
	DECQ R14
	JNZ  plane_row
	VZEROUPPER
	RET

// func w1dOutPlane(out *float32, w, h int, mm *float32, mstride int, bias float32)
// Writes out[(4r+j)·w + x] = bias + Y_j of tile (r, x) for every row
// 4r + j < h: Y = Aᵀ M, M_ξ's values of tile row r at mm + r·w + ξ·mstride.
TEXT ·w1dOutPlane(SB), NOSPLIT, $0-44
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R9
	SHLQ $2, R9
	MOVQ h+16(FP), R10
	MOVQ mm+24(FP), SI
	MOVQ mstride+32(FP), R8
	SHLQ $2, R8
	VBROADCASTSS bias+40(FP), Z24
	MOVL $0x40800000, AX
	VPBROADCASTD AX, Z20
	MOVL $0x40000000, AX
	VPBROADCASTD AX, Z22
	MOVL $0x41000000, AX
	VPBROADCASTD AX, Z23
out_row:
	MOVQ w+8(FP), CX
	XORQ AX, AX
out_loop:
	TESTQ CX, CX
	JLE   out_rowdone
	MOVQ  AX, R15
	MOVQ  CX, R11
	CMPQ  CX, $16
	JLT   out_mask
	MOVQ  $16, CX
out_mask:
	LOWLANES(K1)
	MOVQ  R11, CX
	MOVQ  R15, AX
	MOVQ  SI, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z0
	ADDQ  R8, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z1
	ADDQ  R8, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z2
	ADDQ  R8, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z3
	ADDQ  R8, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z4
	ADDQ  R8, DX
	VMOVUPS.Z (DX)(AX*1), K1, Z5
	VADDPS  Z2, Z1, Z6
	VSUBPS  Z2, Z1, Z7
	VADDPS  Z4, Z3, Z8
	VSUBPS  Z4, Z3, Z9
	VADDPS  Z6, Z0, Z10
	VADDPS  Z8, Z10, Z10
	VMULPS  Z22, Z9, Z11
	VADDPS  Z11, Z7, Z11
	VMULPS  Z20, Z8, Z12
	VADDPS  Z12, Z6, Z12
	VMULPS  Z23, Z9, Z13
	VADDPS  Z13, Z7, Z13
	VADDPS  Z5, Z13, Z13
	MOVQ    DI, DX
	VADDPS  Z24, Z10, Z10
	VMOVUPS Z10, K1, (DX)(AX*1)
	CMPQ    R10, $2
	JLT     out_next
	ADDQ    R9, DX
	VADDPS  Z24, Z11, Z11
	VMOVUPS Z11, K1, (DX)(AX*1)
	CMPQ    R10, $3
	JLT     out_next
	ADDQ    R9, DX
	VADDPS  Z24, Z12, Z12
	VMOVUPS Z12, K1, (DX)(AX*1)
	CMPQ    R10, $4
	JLT     out_next
	ADDQ    R9, DX
	VADDPS  Z24, Z13, Z13
	VMOVUPS Z13, K1, (DX)(AX*1)
out_next:
	ADDQ $64, AX
	SUBQ $16, CX
	JMP  out_loop
out_rowdone:
	MOVQ w+8(FP), AX
	LEAQ (SI)(AX*4), SI
	LEAQ (DI)(R9*4), DI
	SUBQ $4, R10
	JG   out_row
	VZEROUPPER
	RET
