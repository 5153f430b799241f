//go:build amd64 && !purego

#include "textflag.h"

// CLAMP sets v = min(max(v, lo), hi) (Y13, Y14), v kept if NaN.
#define CLAMP(v, t, m) \
	VMAXPS    Y13, v, t \
	VMINPS    Y14, t, t \
	VCMPPS    $3, v, v, m \ // m = v is NaN (UNORD_Q)
	VBLENDVPS m, v, t, v

// CLAMP4 clamps the four sums Y0..Y3 (Y4..Y11 scratch).
#define CLAMP4 \
	CLAMP(Y0, Y4, Y8) \
	CLAMP(Y1, Y5, Y9) \
	CLAMP(Y2, Y6, Y10) \
	CLAMP(Y3, Y7, Y11)

// TAPS starts the taps of a block: Y0..Y3 from the bias, R9 and R10 at the
// first tap's offset and weight, CX the taps.
#define TAPS \
	VMOVAPS Y12, Y0          \
	VMOVAPS Y12, Y1          \
	VMOVAPS Y12, Y2          \
	VMOVAPS Y12, Y3          \
	MOVQ    offs+16(FP), R9  \
	MOVQ    w+24(FP), R10    \
	MOVQ    ntaps+32(FP), CX

// TAP32 adds Y15 times the 32 values at AX to Y0..Y3.
#define TAP32 \
	VMULPS (AX), Y15, Y4   \
	VMULPS 32(AX), Y15, Y5 \
	VMULPS 64(AX), Y15, Y6 \
	VMULPS 96(AX), Y15, Y7 \
	VADDPS Y4, Y0, Y0      \
	VADDPS Y5, Y1, Y1      \
	VADDPS Y6, Y2, Y2      \
	VADDPS Y7, Y3, Y3

// TAILOFFS sets R11, R12, DX, R15 to the offsets of the vectors of the
// r = AX outputs left of a row from x = BX (n = R8): x (n−8 if r < 8),
// min(x+8, n−8), min(x+16, n−8), n−8.
#define TAILOFFS \
	MOVQ    R8, R15   \
	SUBQ    $8, R15   \
	MOVQ    BX, R11   \
	CMPQ    AX, $8    \
	CMOVQLT R15, R11  \
	LEAQ    8(BX), R12 \
	CMPQ    R12, R15  \
	CMOVQGT R15, R12  \
	LEAQ    16(BX), DX \
	CMPQ    DX, R15   \
	CMOVQGT R15, DX

// func dwRows8(d, s *float32, offs *int, w *float32, ntaps, rows, n, ds, ss int, b, lo, hi float32)
// Registers: DI, SI the row of d and of s; BX the output x; R8 n; R13
// the rows left; Y12 the bias, Y13 lo, Y14 hi, Y15 the tap's weight.
TEXT ·dwRows8(SB), NOSPLIT, $0-84
	MOVQ         d+0(FP), DI
	MOVQ         s+8(FP), SI
	MOVQ         rows+40(FP), R13
	MOVQ         n+48(FP), R8
	VBROADCASTSS b+72(FP), Y12
	VBROADCASTSS lo+76(FP), Y13
	VBROADCASTSS hi+80(FP), Y14

row:
	XORQ BX, BX

block32:
	LEAQ    32(BX), AX
	CMPQ    AX, R8
	JGT     tail
	TAPS
	LEAQ    (SI)(BX*4), R11

tap32:
	MOVQ         (R9), AX
	VBROADCASTSS (R10), Y15
	LEAQ         (R11)(AX*4), AX
	TAP32
	ADDQ         $8, R9
	ADDQ         $4, R10
	DECQ         CX
	JNZ          tap32
	CLAMP4
	LEAQ         (DI)(BX*4), AX
	VMOVUPS      Y0, (AX)
	VMOVUPS      Y1, 32(AX)
	VMOVUPS      Y2, 64(AX)
	VMOVUPS      Y3, 96(AX)
	ADDQ         $32, BX
	JMP          block32

tail:
	// The r = n − x < 32 outputs left of the row, as four vectors at
	// x, min(x+8, n−8), min(x+16, n−8) and n−8 (some the same, or
	// overlapping the ones before: the same bits again), summed at once
	// so that their chains of additions overlap.
	MOVQ R8, AX
	SUBQ BX, AX
	JZ   next
	CMPQ AX, $8
	JLE  one
	TAILOFFS
	LEAQ (SI)(R11*4), R11
	LEAQ (SI)(R12*4), R12
	LEAQ (SI)(DX*4), DX
	LEAQ (SI)(R15*4), R15
	TAPS

tap4:
	MOVQ         (R9), AX
	VBROADCASTSS (R10), Y15
	VMULPS       (R11)(AX*4), Y15, Y4
	VMULPS       (R12)(AX*4), Y15, Y5
	VMULPS       (DX)(AX*4), Y15, Y6
	VMULPS       (R15)(AX*4), Y15, Y7
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	ADDQ         $8, R9
	ADDQ         $4, R10
	DECQ         CX
	JNZ          tap4
	CLAMP4
	MOVQ         R8, AX
	SUBQ         BX, AX
	TAILOFFS
	VMOVUPS      Y0, (DI)(R11*4)
	VMOVUPS      Y1, (DI)(R12*4)
	VMOVUPS      Y2, (DI)(DX*4)
	VMOVUPS      Y3, (DI)(R15*4)
	JMP          next

one:
	// r ≤ 8: the last 8 outputs of the row alone.
	MOVQ    R8, BX
	SUBQ    $8, BX
	VMOVAPS Y12, Y0
	MOVQ    offs+16(FP), R9
	MOVQ    w+24(FP), R10
	MOVQ    ntaps+32(FP), CX
	LEAQ    (SI)(BX*4), R11

tap8:
	MOVQ         (R9), AX
	VBROADCASTSS (R10), Y15
	VMULPS       (R11)(AX*4), Y15, Y4
	VADDPS       Y4, Y0, Y0
	ADDQ         $8, R9
	ADDQ         $4, R10
	DECQ         CX
	JNZ          tap8
	CLAMP(Y0, Y4, Y8)
	VMOVUPS      Y0, (DI)(BX*4)

next:
	MOVQ ds+56(FP), AX
	LEAQ (DI)(AX*4), DI
	MOVQ ss+64(FP), AX
	LEAQ (SI)(AX*4), SI
	DECQ R13
	JNZ  row
	VZEROUPPER
	RET

// func dwDeintRows(ev, od, s *float32, w, h, ds int)
// For h rows of w values (s advancing w, ev and od ds): ev[k] = s[2k],
// od[k] = s[2k+1]; 8 pairs at a time, then one by one.
TEXT ·dwDeintRows(SB), NOSPLIT, $0-48
	MOVQ ev+0(FP), DI
	MOVQ od+8(FP), DX
	MOVQ s+16(FP), SI
	MOVQ h+32(FP), R9
	MOVQ ds+40(FP), R10
	SHLQ $2, R10

drow:
	MOVQ w+24(FP), CX
	MOVQ DI, R11
	MOVQ DX, R12

d16:
	CMPQ    CX, $16
	JLT     dpair
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // s[2k], in the order 0 2 8 10 4 6 12 14
	VSHUFPS $0xDD, Y1, Y0, Y3 // s[2k+1], likewise
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (R11)
	VMOVUPS Y3, (R12)
	ADDQ    $32, R11
	ADDQ    $32, R12
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     d16

dpair:
	CMPQ  CX, $2
	JLT   dlast
	MOVSS (SI), X0
	MOVSS X0, (R11)
	MOVSS 4(SI), X0
	MOVSS X0, (R12)
	ADDQ  $4, R11
	ADDQ  $4, R12
	ADDQ  $8, SI
	SUBQ  $2, CX
	JMP   dpair

dlast:
	CMPQ  CX, $0
	JEQ   dnext
	MOVSS (SI), X0
	MOVSS X0, (R11)
	ADDQ  $4, SI

dnext:
	ADDQ R10, DI
	ADDQ R10, DX
	DECQ R9
	JNZ  drow
	VZEROUPPER
	RET

// func dwCopyRows(d, s *float32, w, h, ds, ss int)
// Copies h rows of w values (d advancing ds, s ss): 8 at a time, then
// one by one.
TEXT ·dwCopyRows(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ h+24(FP), R9
	MOVQ ds+32(FP), R10
	SHLQ $2, R10
	MOVQ ss+40(FP), R8
	SHLQ $2, R8

crow:
	MOVQ w+16(FP), CX
	XORQ AX, AX

c8:
	CMPQ    CX, $8
	JLT     c1
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	SUBQ    $8, CX
	JMP     c8

c1:
	CMPQ  CX, $0
	JEQ   cnext
	MOVSS (SI)(AX*4), X0
	MOVSS X0, (DI)(AX*4)
	INCQ  AX
	DECQ  CX
	JMP   c1

cnext:
	ADDQ R10, DI
	ADDQ R8, SI
	DECQ R9
	JNZ  crow
	VZEROUPPER
	RET

// func dwReLU8(p *float32, n int)
TEXT ·dwReLU8(SB), NOSPLIT, $0-16
	MOVQ   p+0(FP), DI
	MOVQ   n+8(FP), CX
	VXORPS Y1, Y1, Y1
	LEAQ   -32(DI)(CX*4), DX // the last 8

relu8:
	CMPQ    CX, $8
	JLT     relulast
	VMOVUPS (DI), Y0
	VMAXPS  Y0, Y1, Y0 // the value second: NaN and −0 kept
	VADDPS  Y1, Y0, Y0 // −0 + +0 = +0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     relu8

relulast:
	TESTQ   CX, CX
	JZ      reludone
	VMOVUPS (DX), Y0
	VMAXPS  Y0, Y1, Y0
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DX)

reludone:
	VZEROUPPER
	RET
