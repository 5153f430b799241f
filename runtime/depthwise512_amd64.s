//go:build amd64 && !purego

#include "textflag.h"
#include "gemm/clamp_amd64.h"

// The AVX-512 forms of the depthwise kernels (see depthwise_amd64.go):
// 16 lanes, and a row's last vector masked instead of overlapping.

// MASK sets k to the low c lanes (c in CX, 0 to 16); AX is scratch.
#define MASK(k) LOWLANES(k)

// ZCLAMP sets t = min(max(v, lo), hi) (Z13, Z14), v itself if NaN.
#define ZCLAMP(v, t) CLAMP(v, Z13, Z14, t, K1)

// MV adds w (Z15) times the lanes k of the vector at a to acc (t scratch).
#define MV(a, acc, t, k) \
	VMULPS.Z a, Z15, k, t \
	VADDPS   t, acc, acc

// CS clamps acc (t scratch) and stores its lanes k at a.
#define CS(acc, t, k, a) \
	ZCLAMP(acc, t) \
	VMOVUPS t, k, a

// STEP sets K4..K7 to the lanes of the four vectors of outputs from x =
// BX, of n = R8: min(r, 64) bits for the r = n − x left; starts the taps
// (R9, R10 at the first tap's offset and weight, CX the taps); R11 = s
// at x. AX is scratch.
#define STEP \
	MOVQ     R8, CX           \
	SUBQ     BX, CX           \
	MOVQ     $64, AX          \
	CMPQ     CX, AX           \
	CMOVQGT  AX, CX           \
	MOVQ     $-1, AX          \
	BZHIQ    CX, AX, AX       \
	KMOVQ    AX, K4           \
	KSHIFTRQ $16, K4, K5      \
	KSHIFTRQ $32, K4, K6      \
	KSHIFTRQ $48, K4, K7      \
	MOVQ     offs+16(FP), R9  \
	MOVQ     w+24(FP), R10    \
	MOVQ     ntaps+32(FP), CX \
	LEAQ     (SI)(BX*4), R11

// TAP loads the tap's weight into Z15 and sets AX to s at x plus its
// offset.
#define TAP \
	MOVQ         (R9), AX  \
	VBROADCASTSS (R10), Z15 \
	LEAQ         (R11)(AX*4), AX

// ZNEXT moves R9, R10 to the next tap and loops to l while taps are left.
#define ZNEXT(l) \
	ADDQ $8, R9  \
	ADDQ $4, R10 \
	DECQ CX      \
	JNZ  l

// func dwRows16(d, s *float32, offs *int, w *float32, ntaps, rows, n, ds, ss int, b, lo, hi float32)
// dwRowsGo in AVX-512 for n >= 1. Each output sums its taps in order with
// VMULPS and VADDPS (no FMA: the bits of dwRowsGo), so a sum is a chain
// of dependent additions: eight vectors are summed at once, two rows of 64
// outputs (n > 32), four rows of 32 (16 < n ≤ 32) or four rows of 16
// (then only four vectors), a row's last vectors masked; rows left over
// go one at a time, 64 outputs after another. Registers: DI, SI the row
// of d and of s; R12, R15 one and three rows of s, DX one row of d (in
// bytes); BX the output x; R8 n; R13 the rows left; Z12 the bias, Z13 lo,
// Z14 hi, Z15 the tap's weight; K4..K7 the lanes of the four vectors of a
// step; sums in Z0..Z3 and Z16..Z23, products in Z4..Z11.
TEXT ·dwRows16(SB), NOSPLIT, $0-84
	MOVQ         d+0(FP), DI
	MOVQ         s+8(FP), SI
	MOVQ         rows+40(FP), R13
	MOVQ         n+48(FP), R8
	MOVQ         ss+64(FP), R12
	SHLQ         $2, R12
	LEAQ         (R12)(R12*2), R15
	MOVQ         ds+56(FP), DX
	SHLQ         $2, DX
	VBROADCASTSS b+72(FP), Z12
	VBROADCASTSS lo+76(FP), Z13
	VBROADCASTSS hi+80(FP), Z14
	CMPQ         R8, $32
	JGT          r2
	CMPQ         R8, $16
	JGT          r4v2

r4v1:
	// Four rows of n ≤ 16.
	CMPQ    R13, $4
	JLT     r1
	XORQ    BX, BX
	STEP
	VMOVAPS Z12, Z0
	VMOVAPS Z12, Z16
	VMOVAPS Z12, Z17
	VMOVAPS Z12, Z18

r4v1tap:
	TAP
	MV((AX), Z0, Z4, K4)
	MV((AX)(R12*1), Z16, Z5, K4)
	MV((AX)(R12*2), Z17, Z6, K4)
	MV((AX)(R15*1), Z18, Z7, K4)
	ZNEXT(r4v1tap)
	LEAQ (DX)(DX*2), R11
	CS(Z0, Z4, K4, (DI))
	CS(Z16, Z5, K4, (DI)(DX*1))
	CS(Z17, Z6, K4, (DI)(DX*2))
	CS(Z18, Z7, K4, (DI)(R11*1))
	LEAQ (SI)(R12*4), SI
	LEAQ (DI)(DX*4), DI
	SUBQ $4, R13
	JMP  r4v1

r4v2:
	// Four rows of 16 < n ≤ 32.
	CMPQ    R13, $4
	JLT     r1
	XORQ    BX, BX
	STEP
	VMOVAPS Z12, Z0
	VMOVAPS Z12, Z1
	VMOVAPS Z12, Z16
	VMOVAPS Z12, Z17
	VMOVAPS Z12, Z18
	VMOVAPS Z12, Z19
	VMOVAPS Z12, Z20
	VMOVAPS Z12, Z21

r4v2tap:
	TAP
	MV((AX), Z0, Z4, K4)
	MV(64(AX), Z1, Z5, K5)
	MV((AX)(R12*1), Z16, Z6, K4)
	MV(64(AX)(R12*1), Z17, Z7, K5)
	MV((AX)(R12*2), Z18, Z8, K4)
	MV(64(AX)(R12*2), Z19, Z9, K5)
	MV((AX)(R15*1), Z20, Z10, K4)
	MV(64(AX)(R15*1), Z21, Z11, K5)
	ZNEXT(r4v2tap)
	LEAQ (DX)(DX*2), R11
	CS(Z0, Z4, K4, (DI))
	CS(Z1, Z5, K5, 64(DI))
	CS(Z16, Z6, K4, (DI)(DX*1))
	CS(Z17, Z7, K5, 64(DI)(DX*1))
	CS(Z18, Z8, K4, (DI)(DX*2))
	CS(Z19, Z9, K5, 64(DI)(DX*2))
	CS(Z20, Z10, K4, (DI)(R11*1))
	CS(Z21, Z11, K5, 64(DI)(R11*1))
	LEAQ (SI)(R12*4), SI
	LEAQ (DI)(DX*4), DI
	SUBQ $4, R13
	JMP  r4v2

r2:
	// Two rows of n > 32, 64 outputs at a time.
	CMPQ R13, $2
	JLT  r1
	XORQ BX, BX

r2x:
	STEP
	VMOVAPS Z12, Z0
	VMOVAPS Z12, Z1
	VMOVAPS Z12, Z2
	VMOVAPS Z12, Z3
	VMOVAPS Z12, Z16
	VMOVAPS Z12, Z17
	VMOVAPS Z12, Z18
	VMOVAPS Z12, Z19

r2tap:
	TAP
	MV((AX), Z0, Z4, K4)
	MV(64(AX), Z1, Z5, K5)
	MV(128(AX), Z2, Z6, K6)
	MV(192(AX), Z3, Z7, K7)
	MV((AX)(R12*1), Z16, Z8, K4)
	MV(64(AX)(R12*1), Z17, Z9, K5)
	MV(128(AX)(R12*1), Z18, Z10, K6)
	MV(192(AX)(R12*1), Z19, Z11, K7)
	ZNEXT(r2tap)
	LEAQ (DI)(BX*4), AX
	CS(Z0, Z4, K4, (AX))
	CS(Z1, Z5, K5, 64(AX))
	CS(Z2, Z6, K6, 128(AX))
	CS(Z3, Z7, K7, 192(AX))
	CS(Z16, Z8, K4, (AX)(DX*1))
	CS(Z17, Z9, K5, 64(AX)(DX*1))
	CS(Z18, Z10, K6, 128(AX)(DX*1))
	CS(Z19, Z11, K7, 192(AX)(DX*1))
	ADDQ $64, BX
	CMPQ BX, R8
	JLT  r2x
	LEAQ (SI)(R12*2), SI
	LEAQ (DI)(DX*2), DI
	SUBQ $2, R13
	JMP  r2

r1:
	// The rows left, one at a time, 64 outputs at a time.
	TESTQ R13, R13
	JZ    done
	XORQ  BX, BX

r1x:
	STEP
	VMOVAPS Z12, Z0
	VMOVAPS Z12, Z1
	VMOVAPS Z12, Z2
	VMOVAPS Z12, Z3

r1tap:
	TAP
	MV((AX), Z0, Z4, K4)
	MV(64(AX), Z1, Z5, K5)
	MV(128(AX), Z2, Z6, K6)
	MV(192(AX), Z3, Z7, K7)
	ZNEXT(r1tap)
	LEAQ (DI)(BX*4), AX
	CS(Z0, Z4, K4, (AX))
	CS(Z1, Z5, K5, 64(AX))
	CS(Z2, Z6, K6, 128(AX))
	CS(Z3, Z7, K7, 192(AX))
	ADDQ $64, BX
	CMPQ BX, R8
	JLT  r1x
	ADDQ R12, SI
	ADDQ DX, DI
	DECQ R13
	JMP  r1

done:
	VZEROUPPER
	RET

// func dwCopyRows16(d, s *float32, w, h, ds, ss int)
// dwCopyRowsGo for w, h >= 1: 16 values at a time, the last vector of a
// row masked.
TEXT ·dwCopyRows16(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ h+24(FP), R13
	MOVQ ds+32(FP), R9
	MOVQ ss+40(FP), R10

	// K2: the lanes of a row's last vector, 1 + (w − 1) mod 16; R11 the
	// values before it.
	LEAQ -1(R8), CX
	ANDQ $15, CX
	INCQ CX
	MASK(K2)
	MOVQ R8, R11
	SUBQ CX, R11

zcrow:
	XORQ BX, BX

zc16:
	CMPQ    BX, R11
	JGE     zclast
	VMOVUPS (SI)(BX*4), Z0
	VMOVUPS Z0, (DI)(BX*4)
	ADDQ    $16, BX
	JMP     zc16

zclast:
	VMOVUPS.Z (SI)(BX*4), K2, Z0
	VMOVUPS   Z0, K2, (DI)(BX*4)
	LEAQ      (DI)(R9*4), DI
	LEAQ      (SI)(R10*4), SI
	DECQ      R13
	JNZ       zcrow
	VZEROUPPER
	RET

// The lanes of the even and of the odd values of two vectors (also used
// by maxpool512_amd64.s).
DATA ·evenLanes+0(SB)/4, $0
DATA ·evenLanes+4(SB)/4, $2
DATA ·evenLanes+8(SB)/4, $4
DATA ·evenLanes+12(SB)/4, $6
DATA ·evenLanes+16(SB)/4, $8
DATA ·evenLanes+20(SB)/4, $10
DATA ·evenLanes+24(SB)/4, $12
DATA ·evenLanes+28(SB)/4, $14
DATA ·evenLanes+32(SB)/4, $16
DATA ·evenLanes+36(SB)/4, $18
DATA ·evenLanes+40(SB)/4, $20
DATA ·evenLanes+44(SB)/4, $22
DATA ·evenLanes+48(SB)/4, $24
DATA ·evenLanes+52(SB)/4, $26
DATA ·evenLanes+56(SB)/4, $28
DATA ·evenLanes+60(SB)/4, $30
GLOBL ·evenLanes(SB), RODATA|NOPTR, $64

DATA ·oddLanes+0(SB)/4, $1
DATA ·oddLanes+4(SB)/4, $3
DATA ·oddLanes+8(SB)/4, $5
DATA ·oddLanes+12(SB)/4, $7
DATA ·oddLanes+16(SB)/4, $9
DATA ·oddLanes+20(SB)/4, $11
DATA ·oddLanes+24(SB)/4, $13
DATA ·oddLanes+28(SB)/4, $15
DATA ·oddLanes+32(SB)/4, $17
DATA ·oddLanes+36(SB)/4, $19
DATA ·oddLanes+40(SB)/4, $21
DATA ·oddLanes+44(SB)/4, $23
DATA ·oddLanes+48(SB)/4, $25
DATA ·oddLanes+52(SB)/4, $27
DATA ·oddLanes+56(SB)/4, $29
DATA ·oddLanes+60(SB)/4, $31
GLOBL ·oddLanes(SB), RODATA|NOPTR, $64

// func dwDeintRows16(ev, od, s *float32, w, h, ds int)
// dwDeintRowsGo for w, h >= 1: 16 pairs at a time, the rest of a row
// through masks.
TEXT ·dwDeintRows16(SB), NOSPLIT, $0-48
	MOVQ    ev+0(FP), DI
	MOVQ    od+8(FP), DX
	MOVQ    s+16(FP), SI
	MOVQ    w+24(FP), R8
	MOVQ    h+32(FP), R13
	MOVQ    ds+40(FP), R10
	VMOVUPS ·evenLanes(SB), Z14
	VMOVUPS ·oddLanes(SB), Z15

	// The rest of a row after its blocks of 32: r = w mod 32 values, the
	// first min(r, 16) in K2, the others in K3; ceil(r/2) even ones (K4),
	// floor(r/2) odd ones (K5). R11: the values in blocks.
	MOVQ    R8, R12
	ANDQ    $31, R12
	MOVQ    R12, CX
	MOVQ    $16, AX
	CMPQ    CX, AX
	CMOVQGT AX, CX
	MASK(K2)
	LEAQ    -16(R12), CX
	XORQ    AX, AX
	CMPQ    CX, AX
	CMOVQLT AX, CX
	MASK(K3)
	LEAQ    1(R12), CX
	SHRQ    $1, CX
	MASK(K4)
	MOVQ    R12, CX
	SHRQ    $1, CX
	MASK(K5)
	MOVQ    R8, R11
	SUBQ    R12, R11

zdrow:
	XORQ BX, BX // the value in s
	XORQ R9, R9 // the pair

zd32:
	CMPQ      BX, R11
	JGE       zdlast
	VMOVUPS   (SI)(BX*4), Z0
	VMOVUPS   64(SI)(BX*4), Z1
	VMOVAPS   Z14, Z2
	VPERMI2PS Z1, Z0, Z2
	VMOVAPS   Z15, Z3
	VPERMI2PS Z1, Z0, Z3
	VMOVUPS   Z2, (DI)(R9*4)
	VMOVUPS   Z3, (DX)(R9*4)
	ADDQ      $32, BX
	ADDQ      $16, R9
	JMP       zd32

zdlast:
	TESTQ     R12, R12
	JZ        zdnext
	VMOVUPS.Z (SI)(BX*4), K2, Z0
	VMOVUPS.Z 64(SI)(BX*4), K3, Z1
	VMOVAPS   Z14, Z2
	VPERMI2PS Z1, Z0, Z2
	VMOVAPS   Z15, Z3
	VPERMI2PS Z1, Z0, Z3
	VMOVUPS   Z2, K4, (DI)(R9*4)
	VMOVUPS   Z3, K5, (DX)(R9*4)

zdnext:
	LEAQ (SI)(R8*4), SI
	LEAQ (DI)(R10*4), DI
	LEAQ (DX)(R10*4), DX
	DECQ R13
	JNZ  zdrow
	VZEROUPPER
	RET
