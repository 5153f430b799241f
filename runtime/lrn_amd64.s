//go:build amd64 && !purego

#include "textflag.h"

// func lrn075x16(dst, src *float32, c, hw, size int, alpha, k float32, p0, p1 int)
// For each channel ch: j0 = max(ch − size/2, 0), j1 = min(ch + (size−1)/2 + 1, c);
// for each 16 pixels from p0 (the last vector masked): s = Σ src[j][i]² in
// order of j (VMULPS, VADDPS), d = s/size·alpha + k, r = sqrt(float64(d)),
// dst = src / float32(r·sqrt(r)): the operations of lrn075Go, each rounded
// as Go rounds it. Registers: DI, SI dst and src; R8 c, R9 hw·4, R10 size;
// R11 size/2, R12 (size−1)/2 + 1; R13 the channel; BX the pixel; Z12 size,
// Z13 alpha, Z14 k; K2 the pixels of the vector.
TEXT ·lrn075x16(SB), NOSPLIT, $0-64
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         c+16(FP), R8
	MOVQ         hw+24(FP), R9
	SHLQ         $2, R9
	MOVQ         size+32(FP), R10
	VCVTSI2SSQ   R10, X12, X12
	VBROADCASTSS X12, Z12
	VBROADCASTSS alpha+40(FP), Z13
	VBROADCASTSS k+44(FP), Z14
	MOVQ         R10, R11
	SHRQ         $1, R11
	LEAQ         -1(R10), R12
	SHRQ         $1, R12
	INCQ         R12
	XORQ         R13, R13

chan:
	// DX = j0, R15 = j1 (window channels)
	MOVQ    R13, DX
	SUBQ    R11, DX
	XORQ    AX, AX
	CMPQ    DX, AX
	CMOVQLT AX, DX
	LEAQ    (R13)(R12*1), R15
	CMPQ    R15, R8
	CMOVQGT R8, R15
	MOVQ    p0+48(FP), BX

pix:
	// K2: the low min(p1 − x, 16) lanes
	MOVQ    p1+56(FP), CX
	SUBQ    BX, CX
	MOVQ    $16, AX
	CMPQ    CX, AX
	CMOVQGT AX, CX
	MOVL    $1, AX
	SHLL    CX, AX
	DECL    AX
	KMOVW   AX, K2
	VPXORD  Z0, Z0, Z0 // s
	// AX: src[j0][x]
	MOVQ    DX, AX
	IMULQ   R9, AX
	ADDQ    SI, AX
	LEAQ    (AX)(BX*4), AX
	MOVQ    DX, CX

win:
	VMOVUPS.Z (AX), K2, Z1
	VMULPS    Z1, Z1, Z1
	VADDPS    Z1, Z0, Z0
	ADDQ      R9, AX
	INCQ      CX
	CMPQ      CX, R15
	JLT       win

	VDIVPS        Z12, Z0, Z0 // s/size
	VMULPS        Z13, Z0, Z0 // ·alpha
	VADDPS        Z14, Z0, Z0 // + k
	VCVTPS2PD     Y0, Z1
	VEXTRACTF32X8 $1, Z0, Y2
	VCVTPS2PD     Y2, Z2
	VSQRTPD       Z1, Z1      // r
	VSQRTPD       Z2, Z2
	VSQRTPD       Z1, Z3      // sqrt(r)
	VSQRTPD       Z2, Z4
	VMULPD        Z3, Z1, Z1  // r·sqrt(r)
	VMULPD        Z4, Z2, Z2
	VCVTPD2PS     Z1, Y1
	VCVTPD2PS     Z2, Y2
	VINSERTF32X8  $1, Y2, Z1, Z1
	// x / that
	MOVQ          R13, AX
	IMULQ         R9, AX
	LEAQ          (AX)(BX*4), AX
	VMOVUPS.Z     (SI)(AX*1), K2, Z3
	VDIVPS        Z1, Z3, Z3
	VMOVUPS       Z3, K2, (DI)(AX*1)
	ADDQ          $16, BX
	CMPQ          BX, p1+56(FP)
	JLT           pix

	INCQ R13
	CMPQ R13, R8
	JLT  chan
	VZEROUPPER
	RET
