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

// func avgFlat16(d, s, div *float32, n, w, kh, kw int)
// d[i] = (Σ_{ky<kh, kx<kw} s[i + ky·w + kx]) / div[i] for i < n (n ≥ 1):
// each cell from +0, the window's values added in row-major order (the
// scalar sum's order), then divided. Cells go 64 at a time in four
// independent chains (AVX-512), then 16 at a time, then the last n%16
// under a mask (whose loads read nothing beyond the cells).
TEXT ·avgFlat16(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ div+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ w+32(FP), R8
	SHLQ $2, R8
	MOVQ kh+40(FP), R13
	MOVQ kw+48(FP), R14

blk64:
	CMPQ   CX, $64
	JLT    blk16
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   SI, R11
	MOVQ   R13, R9

row64:
	MOVQ R11, R12
	MOVQ R14, R10

tap64:
	VADDPS (R12), Z0, Z0
	VADDPS 64(R12), Z1, Z1
	VADDPS 128(R12), Z2, Z2
	VADDPS 192(R12), Z3, Z3
	ADDQ   $4, R12
	DECQ   R10
	JNZ    tap64
	ADDQ   R8, R11
	DECQ   R9
	JNZ    row64
	VDIVPS  (DX), Z0, Z0
	VDIVPS  64(DX), Z1, Z1
	VDIVPS  128(DX), Z2, Z2
	VDIVPS  192(DX), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	ADDQ    $256, DX
	SUBQ    $64, CX
	JMP     blk64

blk16:
	CMPQ   CX, $16
	JLT    tail
	VXORPS Z0, Z0, Z0
	MOVQ   SI, R11
	MOVQ   R13, R9

row16:
	MOVQ R11, R12
	MOVQ R14, R10

tap16:
	VADDPS (R12), Z0, Z0
	ADDQ   $4, R12
	DECQ   R10
	JNZ    tap16
	ADDQ   R8, R11
	DECQ   R9
	JNZ    row16
	VDIVPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     blk16

tail:
	TESTQ  CX, CX
	JZ     done
	MOVQ   $1, AX
	SHLQ   CX, AX
	DECQ   AX
	KMOVW  AX, K1
	VXORPS Z0, Z0, Z0
	MOVQ   SI, R11
	MOVQ   R13, R9

rowt:
	MOVQ R11, R12
	MOVQ R14, R10

tapt:
	VADDPS (R12), Z0, K1, Z0
	ADDQ   $4, R12
	DECQ   R10
	JNZ    tapt
	ADDQ   R8, R11
	DECQ   R9
	JNZ    rowt
	VDIVPS  (DX), Z0, K1, Z0
	VMOVUPS Z0, K1, (DI)

done:
	VZEROUPPER
	RET
