//go:build amd64 && !purego

#include "textflag.h"

// im2col packing for ConvTile (see packconv_amd64.go). For each of nrows rows
// {ky, kx, planeoff int32; _ int32} of rows, and each table entry
// {dst, ry, rx int32; st uint16; _ uint16}: iy = ry + ky; if 0 ≤ iy < h, the
// lanes t (st set) with 0 ≤ ix = rx + kx + t·S < w get img[planeoff + iy·w + ix]
// and the others zero, stored at dst[dst + t] under st; else zeros. Then dst
// moves on by dstStride floats. Lanes outside the image are masked, so no
// load touches memory outside the plane.

// func packIm2col1(dst *float32, dstStride int, rows *int32, nrows int, img *float32, tab *seg, ntab int, h, w int)
TEXT ·packIm2col1(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ rows+16(FP), BX
	MOVQ nrows+24(FP), CX
	MOVQ img+32(FP), R13
	VPXORD Z0, Z0, Z0
	VMOVDQU32 lanes1<>(SB), Z30
	VPBROADCASTD w+64(FP), Z29
	TESTQ CX, CX
	JZ pi1_done
pi1_row:
	MOVLQSX 0(BX), DX
	MOVLQSX 4(BX), R8
	MOVLQSX 8(BX), AX
	LEAQ (R13)(AX*4), SI
	MOVQ tab+40(FP), R10
	MOVQ ntab+48(FP), R11
pi1_ent:
	KMOVW 12(R10), K4
	MOVLQSX 4(R10), AX
	ADDQ DX, AX
	CMPQ AX, h+56(FP)
	JAE pi1_zero
	IMULQ w+64(FP), AX
	MOVLQSX 8(R10), R9
	ADDQ R8, R9
	ADDQ R9, AX
	VPBROADCASTD R9, Z2
	VPADDD Z30, Z2, Z2
	VPCMPUD $1, Z29, Z2, K4, K1
	MOVLQSX 0(R10), R9
	VMOVUPS.Z (SI)(AX*4), K1, Z1
	VMOVUPS Z1, K4, (DI)(R9*4)
	JMP pi1_next
pi1_zero:
	MOVLQSX 0(R10), R9
	VMOVUPS Z0, K4, (DI)(R9*4)
pi1_next:
	ADDQ $16, R10
	DECQ R11
	JNZ pi1_ent
	MOVQ dstStride+8(FP), AX
	LEAQ (DI)(AX*4), DI
	ADDQ $16, BX
	DECQ CX
	JNZ pi1_row
pi1_done:
	VZEROUPPER
	RET

// func packIm2col2(dst *float32, dstStride int, rows *int32, nrows int, img *float32, tab *seg, ntab int, h, w int)
TEXT ·packIm2col2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ rows+16(FP), BX
	MOVQ nrows+24(FP), CX
	MOVQ img+32(FP), R13
	VPXORD Z0, Z0, Z0
	VMOVDQU32 ·evenLanes(SB), Z30
	VPBROADCASTD w+64(FP), Z29
	VMOVDQU32 ·evenLanes(SB), Z31 // the even positions, for VPERMT2PS
	TESTQ CX, CX
	JZ pi2_done
pi2_row:
	MOVLQSX 0(BX), DX
	MOVLQSX 4(BX), R8
	MOVLQSX 8(BX), AX
	LEAQ (R13)(AX*4), SI
	MOVQ tab+40(FP), R10
	MOVQ ntab+48(FP), R11
pi2_ent:
	KMOVW 12(R10), K4
	MOVLQSX 4(R10), AX
	ADDQ DX, AX
	CMPQ AX, h+56(FP)
	JAE pi2_zero
	IMULQ w+64(FP), AX
	MOVLQSX 8(R10), R9
	ADDQ R8, R9
	ADDQ R9, AX
	VPBROADCASTD R9, Z2
	VPADDD Z30, Z2, Z2
	VPCMPUD $1, Z29, Z2, K4, K1
	MOVLQSX 0(R10), R9
	KMOVW K1, R12
	PDEPL even32<>(SB), R12, R12
	KMOVW R12, K2
	SHRL $16, R12
	KMOVW R12, K3
	VMOVUPS.Z (SI)(AX*4), K2, Z1
	VMOVUPS.Z 64(SI)(AX*4), K3, Z3
	VPERMT2PS Z3, Z31, Z1
	VMOVUPS Z1, K4, (DI)(R9*4)
	JMP pi2_next
pi2_zero:
	MOVLQSX 0(R10), R9
	VMOVUPS Z0, K4, (DI)(R9*4)
pi2_next:
	ADDQ $16, R10
	DECQ R11
	JNZ pi2_ent
	MOVQ dstStride+8(FP), AX
	LEAQ (DI)(AX*4), DI
	ADDQ $16, BX
	DECQ CX
	JNZ pi2_row
pi2_done:
	VZEROUPPER
	RET


// Per-(ky, kx) packing (packConvKK): for each of n rows (channels; two at a
// time, sharing the table reads), zero nz·16 floats (nz ≥ 1) at dst, then for each entry {dst, src int32; lo, hi, st uint16}
// copy up to 16 floats from src+e.src (stride 1, or 2: 2·len-1 floats read
// under the load masks lo, hi) to dst+e.dst under st; then dst += dstStride,
// src += srcStride (floats).

// func packRows1(dst *float32, dstStride int, src *float32, srcStride int, n int, tab *kkSeg, ntab int, nz int)
TEXT ·packRows1(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R12
	LEAQ (DI)(R12*4), R12 // row 2 of a pair
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R13
	LEAQ (SI)(R13*4), R13
	MOVQ n+32(FP), CX
	MOVQ tab+40(FP), BX
	MOVQ ntab+48(FP), DX
	MOVQ nz+56(FP), R8
	VPXORD Z0, Z0, Z0
pr1_pair:
	CMPQ CX, $2
	JLT pr1_single
	XORQ R10, R10
	MOVQ R8, R11
pr1_zero2:
	VMOVUPS Z0, (DI)(R10*1)
	VMOVUPS Z0, (R12)(R10*1)
	ADDQ $64, R10
	DECQ R11
	JNZ pr1_zero2
	MOVQ BX, R10
	MOVQ DX, R11
	TESTQ R11, R11
	JZ pr1_next2
pr1_ent2:
	MOVLQSX 0(R10), AX
	MOVLQSX 4(R10), R9
	KMOVW 8(R10), K1
	VMOVUPS (SI)(R9*4), K1, Z1
	VMOVUPS (R13)(R9*4), K1, Z2
	VMOVUPS Z1, K1, (DI)(AX*4)
	VMOVUPS Z2, K1, (R12)(AX*4)
	ADDQ $16, R10
	DECQ R11
	JNZ pr1_ent2
pr1_next2:
	MOVQ dstStride+8(FP), AX
	SHLQ $3, AX
	ADDQ AX, DI
	ADDQ AX, R12
	MOVQ srcStride+24(FP), AX
	SHLQ $3, AX
	ADDQ AX, SI
	ADDQ AX, R13
	SUBQ $2, CX
	JMP pr1_pair
pr1_single:
	TESTQ CX, CX
	JZ pr1_done
	XORQ R10, R10
	MOVQ R8, R11
pr1_zero:
	VMOVUPS Z0, (DI)(R10*1)
	ADDQ $64, R10
	DECQ R11
	JNZ pr1_zero
	MOVQ BX, R10
	MOVQ DX, R11
	TESTQ R11, R11
	JZ pr1_done
pr1_ent:
	MOVLQSX 0(R10), AX
	MOVLQSX 4(R10), R9
	KMOVW 8(R10), K1
	VMOVUPS (SI)(R9*4), K1, Z1
	VMOVUPS Z1, K1, (DI)(AX*4)
	ADDQ $16, R10
	DECQ R11
	JNZ pr1_ent
pr1_done:
	VZEROUPPER
	RET

// func packRows2(dst *float32, dstStride int, src *float32, srcStride int, n int, tab *kkSeg, ntab int, nz int)
TEXT ·packRows2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R12
	LEAQ (DI)(R12*4), R12 // row 2 of a pair
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R13
	LEAQ (SI)(R13*4), R13
	MOVQ n+32(FP), CX
	MOVQ tab+40(FP), BX
	MOVQ ntab+48(FP), DX
	MOVQ nz+56(FP), R8
	VPXORD Z0, Z0, Z0
	VMOVDQU32 ·evenLanes(SB), Z31
pr2_pair:
	CMPQ CX, $2
	JLT pr2_single
	XORQ R10, R10
	MOVQ R8, R11
pr2_zero2:
	VMOVUPS Z0, (DI)(R10*1)
	VMOVUPS Z0, (R12)(R10*1)
	ADDQ $64, R10
	DECQ R11
	JNZ pr2_zero2
	MOVQ BX, R10
	MOVQ DX, R11
	TESTQ R11, R11
	JZ pr2_next2
pr2_ent2:
	MOVLQSX 0(R10), AX
	MOVLQSX 4(R10), R9
	KMOVW 8(R10), K1
	KMOVW 10(R10), K2
	KMOVW 12(R10), K3
	VMOVUPS (SI)(R9*4), K1, Z1
	VMOVUPS 64(SI)(R9*4), K2, Z2
	VMOVUPS (R13)(R9*4), K1, Z3
	VMOVUPS 64(R13)(R9*4), K2, Z4
	VPERMT2PS Z2, Z31, Z1
	VPERMT2PS Z4, Z31, Z3
	VMOVUPS Z1, K3, (DI)(AX*4)
	VMOVUPS Z3, K3, (R12)(AX*4)
	ADDQ $16, R10
	DECQ R11
	JNZ pr2_ent2
pr2_next2:
	MOVQ dstStride+8(FP), AX
	SHLQ $3, AX
	ADDQ AX, DI
	ADDQ AX, R12
	MOVQ srcStride+24(FP), AX
	SHLQ $3, AX
	ADDQ AX, SI
	ADDQ AX, R13
	SUBQ $2, CX
	JMP pr2_pair
pr2_single:
	TESTQ CX, CX
	JZ pr2_done
	XORQ R10, R10
	MOVQ R8, R11
pr2_zero:
	VMOVUPS Z0, (DI)(R10*1)
	ADDQ $64, R10
	DECQ R11
	JNZ pr2_zero
	MOVQ BX, R10
	MOVQ DX, R11
	TESTQ R11, R11
	JZ pr2_done
pr2_ent:
	MOVLQSX 0(R10), AX
	MOVLQSX 4(R10), R9
	KMOVW 8(R10), K1
	KMOVW 10(R10), K2
	KMOVW 12(R10), K3
	VMOVUPS (SI)(R9*4), K1, Z1
	VMOVUPS 64(SI)(R9*4), K2, Z2
	VPERMT2PS Z2, Z31, Z1
	VMOVUPS Z1, K3, (DI)(AX*4)
	ADDQ $16, R10
	DECQ R11
	JNZ pr2_ent
pr2_done:
	VZEROUPPER
	RET

DATA lanes1<>+0(SB)/4, $0
DATA lanes1<>+4(SB)/4, $1
DATA lanes1<>+8(SB)/4, $2
DATA lanes1<>+12(SB)/4, $3
DATA lanes1<>+16(SB)/4, $4
DATA lanes1<>+20(SB)/4, $5
DATA lanes1<>+24(SB)/4, $6
DATA lanes1<>+28(SB)/4, $7
DATA lanes1<>+32(SB)/4, $8
DATA lanes1<>+36(SB)/4, $9
DATA lanes1<>+40(SB)/4, $10
DATA lanes1<>+44(SB)/4, $11
DATA lanes1<>+48(SB)/4, $12
DATA lanes1<>+52(SB)/4, $13
DATA lanes1<>+56(SB)/4, $14
DATA lanes1<>+60(SB)/4, $15
GLOBL lanes1<>(SB), RODATA|NOPTR, $64

// The even lanes 0, 2, … 30 (also used by stem_amd64.s).
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
DATA even32<>+0(SB)/4, $0x55555555
GLOBL even32<>(SB), RODATA|NOPTR, $4
