//go:build amd64 && !purego

#include "textflag.h"

// MAXNAN sets m = MaxNaN(m, v): v where v > m (ordered) or v is NaN.
#define MAXNAN(m, v, t1, t2) \
	VCMPPS    $0x1E, m, v, t1 \ // t1 = v > m (GT_OQ)
	VCMPPS    $3, v, v, t2    \ // t2 = v is NaN (UNORD_Q)
	VORPS     t2, t1, t1      \
	VBLENDVPS t1, v, m, m

// func maxAcc8(d, s *float32, n int)
TEXT ·maxAcc8(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// func hmax2s1(d, r *float32, n int)
TEXT ·hmax2s1(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS 4(SI), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// func hmax3s1(d, r *float32, n int)
TEXT ·hmax3s1(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS 4(SI), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS 8(SI), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// Stride 2: VSHUFPS $0x88 / $0xDD of two loads of 8 gather the even / odd
// values of 16 in the order 0 2 8 10 4 6 12 14 (per 128-bit lane); every
// operand is shuffled alike, so the maxima are taken lane by lane and one
// VPERMPD $0xD8 puts the result in order.

// func hmax2s2(d, r *float32, n int)
TEXT ·hmax2s2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y4 // r[2x]
	VSHUFPS $0xDD, Y1, Y0, Y5 // r[2x+1]
	MAXNAN(Y4, Y5, Y2, Y3)
	VPERMPD $0xD8, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// func hmax3s2(d, r *float32, n int)
TEXT ·hmax3s2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y4 // r[2x]
	VSHUFPS $0xDD, Y1, Y0, Y5 // r[2x+1]
	VMOVUPS 8(SI), Y0
	VMOVUPS 40(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y6 // r[2x+2]
	MAXNAN(Y4, Y5, Y2, Y3)
	MAXNAN(Y4, Y6, Y2, Y3)
	VPERMPD $0xD8, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// func vmax2(d, a, b *float32, n int)
TEXT ·vmax2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// func vmax3(d, a, b, c *float32, n int)
TEXT ·vmax3(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), BX
	MOVQ n+32(FP), CX
	SHRQ $3, CX

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS (BX), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, BX
	DECQ    CX
	JNZ     loop
	VZEROUPPER
	RET

// lanes is 0, 1, …, 7 (int32).
DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// func vs2rows(d, h *float32, ow, rows, k int)
//
// The vertical pass of a k×k stride-2 pool (k = 2 or 3): for y < rows,
// d[y·ow + x] = the MaxNaN-reduce of h[(2y+j)·ow + x], j < k, for x < ow.
// Each row runs in groups of 8, the last one stored under a mask; it may
// read up to 7 values past the last row it uses.
TEXT ·vs2rows(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ h+8(FP), SI
	MOVQ ow+16(FP), R8
	MOVQ rows+24(FP), R9
	MOVQ k+32(FP), R10
	MOVQ R8, R11
	SHLQ $2, R11       // row bytes
	MOVQ R8, AX
	ANDQ $7, AX
	VMOVD AX, X6
	VPBROADCASTD X6, Y6
	VMOVDQU lanes<>(SB), Y5
	VPCMPGTD Y5, Y6, Y15 // tail mask: lanes < ow mod 8
	MOVQ R8, R12
	SHRQ $3, R12       // whole groups

row:
	MOVQ SI, DX
	ADDQ R11, DX       // row 2y+1
	LEAQ (DX)(R11*1), BX // row 2y+2
	XORQ AX, AX        // byte offset in the row
	MOVQ R12, CX
	TESTQ CX, CX
	JZ   tail

group:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (DX)(AX*1), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	CMPQ    R10, $3
	JNE     store
	VMOVUPS (BX)(AX*1), Y1
	MAXNAN(Y0, Y1, Y2, Y3)

store:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	DECQ    CX
	JNZ     group

tail:
	TESTQ $7, R8
	JZ    next
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (DX)(AX*1), Y1
	MAXNAN(Y0, Y1, Y2, Y3)
	CMPQ    R10, $3
	JNE     mstore
	VMOVUPS (BX)(AX*1), Y1
	MAXNAN(Y0, Y1, Y2, Y3)

mstore:
	VMASKMOVPS Y0, Y15, (DI)(AX*1)

next:
	ADDQ R11, DI       // next output row
	LEAQ (SI)(R11*2), SI // two rows of h down
	DECQ R9
	JNZ  row
	VZEROUPPER
	RET
