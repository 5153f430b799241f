//go:build amd64 && !purego

#include "textflag.h"

// The AVX-512 kernel of 3×3 stride-2 max pooling (see pool3s2Plane in
// maxpool_amd64.go).

// ZMAXNAN sets m = MaxNaN(m, v): v where v > m (ordered) or v is NaN.
// VMAXPS gives v > m ? v : m (m when either is NaN, or both are zeros);
// v is put back where it is NaN. K7 is scratch.
#define ZMAXNAN(m, v) \
	VMAXPS  m, v, m      \
	VCMPPS  $3, v, v, K7 \ // K7 = v is NaN (UNORD_Q)
	VMOVAPS v, K7, m

// HROW sets h to the maxima of the windows of three columns at even
// offsets of the row at a (32 values from a: the windows' first and second
// columns, the 32 from a + 2 values: their third), in column order. Z0
// and Z2 are scratch; Z28, Z29 hold the even and odd lane indices.
#define HROW(a, h) \
	VMOVUPS   (a), h         \
	VMOVAPS   h, Z0          \
	VPERMT2PS 64(a), Z28, h  \ // columns 2x
	VPERMT2PS 64(a), Z29, Z0 \ // 2x + 1
	VMOVUPS   8(a), Z2       \
	VPERMT2PS 72(a), Z28, Z2 \ // 2x + 2
	ZMAXNAN(h, Z0)           \
	ZMAXNAN(h, Z2)

// HROWM is HROW reading only the lanes K1, K2 of the 32 values from a
// and K3, K4 of the 32 from a + 2 values, -Inf (Z31) in the others. Z0..Z3
// are scratch.
#define HROWM(a, h) \
	VMOVAPS   Z31, h        \
	VMOVUPS   (a), K1, h    \
	VMOVAPS   Z31, Z1       \
	VMOVUPS   64(a), K2, Z1 \
	VMOVAPS   Z31, Z2       \
	VMOVUPS   8(a), K3, Z2  \
	VMOVAPS   Z31, Z3       \
	VMOVUPS   72(a), K4, Z3 \
	VMOVAPS   h, Z0         \
	VPERMT2PS Z1, Z28, h    \
	VPERMT2PS Z1, Z29, Z0   \
	VPERMT2PS Z3, Z28, Z2   \
	ZMAXNAN(h, Z0)          \
	ZMAXNAN(h, Z2)

// func pool3s2(d, s *float32, m *[10]uint16, w, ow, groups, rows, klast, left int)
//
// For y < rows and x < ow: d[y·ow + x] = the MaxNaN-reduce, rows first,
// of s[(2y+j)·w + 2x − left + i] for i < 3 and j < 3 (j < klast in the
// last row), leaving out the values outside their row (column < 0 or
// ≥ w). It runs in strips of 16 outputs (groups of them), each from the
// top row down, the window row two output rows share pooled once (Z4
// carries it): the first strip reads the lanes m[0:4] (of the two loads
// at its windows' first column and the two at their third) and stores
// the lanes m[4], the last (if not the first) with m[5:10], the others
// whole (they must read within the row). Registers: DI, SI the output
// and the input (at column −left); R8 w and R9 ow in bytes; R10 the
// strips, R11 the rows, R12 klast, R13 m; BX the strip; DX, CX its input
// and output; AX, R15 the window's first input row and the output row;
// R14 the rows left; Z7 the maximum, Z4, Z5 rows' maxima.
TEXT ·pool3s2(SB), NOSPLIT, $0-72
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ m+16(FP), R13
	MOVQ w+24(FP), R8
	SHLQ $2, R8
	MOVQ ow+32(FP), R9
	SHLQ $2, R9
	MOVQ groups+40(FP), R10
	MOVQ rows+48(FP), R11
	MOVQ klast+56(FP), R12
	MOVQ left+64(FP), AX
	SHLQ $2, AX
	SUBQ AX, SI
	MOVL $0xFF800000, AX     // -Inf
	VPBROADCASTD AX, Z31
	VMOVDQU32 ·evenLanes(SB), Z28
	VMOVDQU32 ·oddLanes(SB), Z29
	XORQ BX, BX

strip:
	MOVQ BX, DX
	SHLQ $7, DX
	ADDQ SI, DX
	MOVQ BX, CX
	SHLQ $6, CX
	ADDQ DI, CX
	MOVQ DX, AX
	MOVQ CX, R15
	MOVQ R11, R14
	TESTQ BX, BX
	JNZ   notfirst
	KMOVW 0(R13), K1
	KMOVW 2(R13), K2
	KMOVW 4(R13), K3
	KMOVW 6(R13), K4
	KMOVW 8(R13), K5
	JMP   edge

notfirst:
	LEAQ 1(BX), DX
	CMPQ DX, R10
	JNE  whole
	KMOVW 10(R13), K1
	KMOVW 12(R13), K2
	KMOVW 14(R13), K3
	KMOVW 16(R13), K4
	KMOVW 18(R13), K5

edge:
	HROWM(AX, Z4)

erow:
	VMOVAPS Z4, Z7
	CMPQ    R14, $1
	JNE     ethree
	CMPQ    R12, $2
	JLT     estore
	JEQ     etwo

ethree:
	ADDQ R8, AX
	HROWM(AX, Z5)
	ZMAXNAN(Z7, Z5)
	ADDQ R8, AX
	HROWM(AX, Z4)
	ZMAXNAN(Z7, Z4)

estore:
	VMOVUPS Z7, K5, (R15)
	ADDQ    R9, R15
	DECQ    R14
	JNZ     erow
	JMP     next

etwo:
	ADDQ R8, AX
	HROWM(AX, Z5)
	ZMAXNAN(Z7, Z5)
	VMOVUPS Z7, K5, (R15)
	JMP     next

whole:
	HROW(AX, Z4)

wrow:
	VMOVAPS Z4, Z7
	CMPQ    R14, $1
	JNE     wthree
	CMPQ    R12, $2
	JLT     wstore
	JEQ     wtwo

wthree:
	ADDQ R8, AX
	HROW(AX, Z5)
	ZMAXNAN(Z7, Z5)
	ADDQ R8, AX
	HROW(AX, Z4)
	ZMAXNAN(Z7, Z4)

wstore:
	VMOVUPS Z7, (R15)
	ADDQ    R9, R15
	DECQ    R14
	JNZ     wrow
	JMP     next

wtwo:
	ADDQ R8, AX
	HROW(AX, Z5)
	ZMAXNAN(Z7, Z5)
	VMOVUPS Z7, (R15)

next:
	INCQ BX
	CMPQ BX, R10
	JNE  strip
	VZEROUPPER
	RET
