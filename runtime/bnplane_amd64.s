//go:build amd64 && !purego

#include "textflag.h"

// func bnx16(dst, src *float32, n int, scale, shift float32, relu bool)
// Per 8 values: to float64 (exact), one fused multiply-add by scale and
// shift in float64 (the product is exact, so this is the Go loop's
// multiply, then add, rounded once), back to float32 (rounded to nearest,
// as Go's conversion). Then VMAXPS with the value as its second source and
// an AND: with ReLU, the maximum with +0 (it returns the value for a NaN
// and for ±0) and the sign bit cleared, which turns −0 into +0 and a NaN
// into the same NaN with its sign cleared, what Go's max(v, 0) returns
// (TestBatchNormPlane); without, the maximum with −Inf and an AND with all
// ones, which leave every value as it is.
TEXT ·bnx16(SB), NOSPLIT, $0-33
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VCVTSS2SD    scale+24(FP), X8, X8
	VBROADCASTSD X8, Z8
	VCVTSS2SD    shift+28(FP), X9, X9
	VBROADCASTSD X9, Z9
	VPCMPEQD     Y11, Y11, Y11 // all ones
	MOVBLZX      relu+32(FP), AX
	TESTQ        AX, AX
	JZ           plain
	VXORPS       Y10, Y10, Y10 // +0
	VPSRLD       $1, Y11, Y11  // 0x7fffffff
	JMP          loop

plain:
	VPSLLD $23, Y11, Y10 // −Inf

loop:
	VCVTPS2PD   (SI), Z0
	VCVTPS2PD   32(SI), Z1
	VFMADD213PD Z9, Z8, Z0
	VFMADD213PD Z9, Z8, Z1
	VCVTPD2PS   Z0, Y0
	VCVTPD2PS   Z1, Y1
	VMAXPS      Y0, Y10, Y0
	VMAXPS      Y1, Y10, Y1
	VANDPS      Y11, Y0, Y0
	VANDPS      Y11, Y1, Y1
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JNZ         loop
	VZEROUPPER
	RET
