//go:build amd64 && !purego

#include "textflag.h"

// func avgRow8(d, s *float32, w, n, kh, kw int, div float32)
// For each 8 cells: Y0 = +0, then + each window value in row-major order
// (the scalar sum's order), then / div.
TEXT ·avgRow8(SB), NOSPLIT, $0-52
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ w+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	VBROADCASTSS div+48(FP), Y1

cell:
	VXORPS Y0, Y0, Y0
	MOVQ   SI, R11
	MOVQ   kh+32(FP), R9

row:
	MOVQ R11, R12
	MOVQ kw+40(FP), R10

tap:
	VADDPS (R12), Y0, Y0
	ADDQ   $4, R12
	DECQ   R10
	JNZ    tap
	ADDQ   R8, R11
	DECQ   R9
	JNZ    row
	VDIVPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ   $32, SI
	ADDQ   $32, DI
	DECQ   CX
	JNZ    cell
	VZEROUPPER
	RET
