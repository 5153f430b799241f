//go:build amd64 && !purego

#include "textflag.h"
#include "clamp_amd64.h"

// A direct 3×3 stride-2 convolution of a few input channels (a network's
// stem), see convS2 in stem_amd64.go.

// ROWK does the three taps of kernel row ky (0, 1 or 2) of the channel at
// DX: the inputs of the 32 outputs at columns 2x, 2x+1 and 2x+2 (x < 32)
// from five masked loads (K1..K5, zero outside the row), or zeros when
// the row is outside the image (bit ky of R14 clear; the products are
// still added, as the im2col matrix's zeros are); then for each of the 8
// rows of the panel, the taps in order: acc += a · x, one FMA each, the
// weight broadcast from A at AX (8 per tap). AX moves on by 3 taps.
#define ROWK(ky, skip, done) \
	BTQ       $ky, R14                   \
	JCC       skip                        \
	MOVQ      R11, R15                    \
	IMULQ     $ky, R15                    \
	ADDQ      DX, R15                     \
	VMOVUPS.Z (R15), K1, Z21              \
	VMOVUPS.Z 64(R15), K2, Z17            \
	VMOVUPS.Z 128(R15), K3, Z22           \
	VMOVUPS.Z 192(R15), K4, Z19           \
	VMOVUPS.Z 256(R15), K5, Z20           \
	VMOVAPS   Z21, Z16                    \
	VPERMT2PS Z17, Z30, Z21               \ // columns 2x, x < 16
	VPERMT2PS Z17, Z31, Z16               \ // 2x + 1
	VMOVAPS   Z22, Z18                    \
	VPERMT2PS Z19, Z30, Z22               \ // 2x, 16 ≤ x < 32
	VPERMT2PS Z19, Z31, Z18               \ // 2x + 1
	VALIGND   $1, Z21, Z22, Z23           \ // 2x + 2, x < 16
	VALIGND   $1, Z22, Z20, Z20           \ // 2x + 2, 16 ≤ x < 32
	JMP       done                        \
skip:                                     \
	VPXORD    Z21, Z21, Z21               \
	VPXORD    Z16, Z16, Z16               \
	VPXORD    Z23, Z23, Z23               \
	VPXORD    Z22, Z22, Z22               \
	VPXORD    Z18, Z18, Z18               \
	VPXORD    Z20, Z20, Z20               \
done:                                     \
	TAPS(0, Z0, Z1, Z24)                       \
	TAPS(4, Z2, Z3, Z25)                       \
	TAPS(8, Z4, Z5, Z26)                       \
	TAPS(12, Z6, Z7, Z27)                      \
	TAPS(16, Z8, Z9, Z28)                      \
	TAPS(20, Z10, Z11, Z29)                    \
	TAPS(24, Z12, Z13, Z24)                    \
	TAPS(28, Z14, Z15, Z25)                    \
	ADDQ      $96, AX

// CLAMPA clamps a in place (lo, hi in Z29, Z30), as the block kernels
// do (mkasm.go). Z31 and K1 are scratch.
#define CLAMPA(a) \
	CLAMP(a, Z29, Z30, Z31, K1) \
	VMOVAPS Z31, a

// TAPS adds the three taps of the panel row at byte offset o of an A
// step to its accumulators lo (x < 16) and hi (16 ≤ x < 32), each weight
// broadcast once into t (a register FMA measured faster than two with
// the broadcast from memory).
#define TAPS(o, lo, hi, t) \
	VBROADCASTSS o(AX), t     \
	VFMADD231PS  t, Z21, lo   \
	VFMADD231PS  t, Z22, hi   \
	VBROADCASTSS o+32(AX), t  \
	VFMADD231PS  t, Z16, lo   \
	VFMADD231PS  t, Z18, hi   \
	VBROADCASTSS o+64(AX), t  \
	VFMADD231PS  t, Z23, lo   \
	VFMADD231PS  t, Z20, hi

// func convS2k3(d *float32, ldd int, a *float32, np int, img *float32, off, w, plane, cin, rows int, m *[7]uint16, bias *float32, flags int, lo, hi float32)
//
// For each of np panels of 8 output channels (A panels at a, one after the
// other; bias 8 per panel; outputs ldd apart, panels 8·ldd apart) and up
// to 32 output pixels of one output row: d[i·ldd + x] = bias[i] + the
// taps (ci, ky, kx) in order of in[ci·plane + off + ky·w + 2x + kx],
// then the ReLU (flagReLU) and the clamp to [lo, hi] (flagClamp, as the
// block kernels clamp: not for lo = −0 or hi = ±0), the loads under the lanes m[0:5] (of the 80 values from
// the row's first), the stores under m[5], m[6]. Rows ky outside the image
// (bit ky of rows clear) are not read. Registers: DI the panel's outputs,
// AX its A, BX its bias, SI the input at channel 0 and row 0 of the
// window, DX the channel's, R15 the row's; R8 ldd, R11 w, R12 plane in
// bytes; R10 the panels, CX the channels left, R13 cin, R14 rows;
// accumulators Z0..Z15, inputs Z16..Z23, lane indices Z30, Z31.
TEXT ·convS2k3(SB), NOSPLIT, $0-112
	MOVQ d+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), AX
	MOVQ np+24(FP), R10
	MOVQ img+32(FP), SI
	MOVQ off+40(FP), DX
	LEAQ (SI)(DX*4), SI
	MOVQ w+48(FP), R11
	SHLQ $2, R11
	MOVQ plane+56(FP), R12
	SHLQ $2, R12
	MOVQ cin+64(FP), R13
	MOVQ rows+72(FP), R14
	MOVQ m+80(FP), DX
	KMOVW 0(DX), K1
	KMOVW 2(DX), K2
	KMOVW 4(DX), K3
	KMOVW 6(DX), K4
	KMOVW 8(DX), K5
	KMOVW 10(DX), K6
	KMOVW 12(DX), K7
	MOVQ bias+88(FP), BX
	VMOVDQU32 ·evenLanes(SB), Z30
	VMOVDQU32 stemOdd<>(SB), Z31

panel:
	VBROADCASTSS 0(BX), Z0
	VMOVAPS      Z0, Z1
	VBROADCASTSS 4(BX), Z2
	VMOVAPS      Z2, Z3
	VBROADCASTSS 8(BX), Z4
	VMOVAPS      Z4, Z5
	VBROADCASTSS 12(BX), Z6
	VMOVAPS      Z6, Z7
	VBROADCASTSS 16(BX), Z8
	VMOVAPS      Z8, Z9
	VBROADCASTSS 20(BX), Z10
	VMOVAPS      Z10, Z11
	VBROADCASTSS 24(BX), Z12
	VMOVAPS      Z12, Z13
	VBROADCASTSS 28(BX), Z14
	VMOVAPS      Z14, Z15
	MOVQ         SI, DX
	MOVQ         R13, CX

channel:
	ROWK(0, skip0, done0)
	ROWK(1, skip1, done1)
	ROWK(2, skip2, done2)
	ADDQ R12, DX
	DECQ CX
	JNZ  channel

	MOVQ flags+96(FP), R15
	TESTQ $2, R15
	JZ   norelu
	VPXORD Z16, Z16, Z16
	VMAXPS Z0, Z16, Z0
	VMAXPS Z1, Z16, Z1
	VMAXPS Z2, Z16, Z2
	VMAXPS Z3, Z16, Z3
	VMAXPS Z4, Z16, Z4
	VMAXPS Z5, Z16, Z5
	VMAXPS Z6, Z16, Z6
	VMAXPS Z7, Z16, Z7
	VMAXPS Z8, Z16, Z8
	VMAXPS Z9, Z16, Z9
	VMAXPS Z10, Z16, Z10
	VMAXPS Z11, Z16, Z11
	VMAXPS Z12, Z16, Z12
	VMAXPS Z13, Z16, Z13
	VMAXPS Z14, Z16, Z14
	VMAXPS Z15, Z16, Z15

norelu:
	TESTQ $4, R15
	JZ    store
	VBROADCASTSS lo+104(FP), Z29
	VBROADCASTSS hi+108(FP), Z30
	CLAMPA(Z0)
	CLAMPA(Z1)
	CLAMPA(Z2)
	CLAMPA(Z3)
	CLAMPA(Z4)
	CLAMPA(Z5)
	CLAMPA(Z6)
	CLAMPA(Z7)
	CLAMPA(Z8)
	CLAMPA(Z9)
	CLAMPA(Z10)
	CLAMPA(Z11)
	CLAMPA(Z12)
	CLAMPA(Z13)
	CLAMPA(Z14)
	CLAMPA(Z15)
	MOVQ  m+80(FP), R15
	KMOVW 0(R15), K1
	VMOVDQU32 ·evenLanes(SB), Z30
	VMOVDQU32 stemOdd<>(SB), Z31

store:
	VMOVUPS Z0, K6, (DI)
	VMOVUPS Z1, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z2, K6, (DI)
	VMOVUPS Z3, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z4, K6, (DI)
	VMOVUPS Z5, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z6, K6, (DI)
	VMOVUPS Z7, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z8, K6, (DI)
	VMOVUPS Z9, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z10, K6, (DI)
	VMOVUPS Z11, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z12, K6, (DI)
	VMOVUPS Z13, K7, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z14, K6, (DI)
	VMOVUPS Z15, K7, 64(DI)
	ADDQ    R8, DI
	ADDQ    $32, BX
	DECQ    R10
	JNZ     panel
	VZEROUPPER
	RET

// The odd lanes 1, 3, … 31 (the even ones are pack_amd64.s's).
DATA stemOdd<>+0(SB)/4, $1
DATA stemOdd<>+4(SB)/4, $3
DATA stemOdd<>+8(SB)/4, $5
DATA stemOdd<>+12(SB)/4, $7
DATA stemOdd<>+16(SB)/4, $9
DATA stemOdd<>+20(SB)/4, $11
DATA stemOdd<>+24(SB)/4, $13
DATA stemOdd<>+28(SB)/4, $15
DATA stemOdd<>+32(SB)/4, $17
DATA stemOdd<>+36(SB)/4, $19
DATA stemOdd<>+40(SB)/4, $21
DATA stemOdd<>+44(SB)/4, $23
DATA stemOdd<>+48(SB)/4, $25
DATA stemOdd<>+52(SB)/4, $27
DATA stemOdd<>+56(SB)/4, $29
DATA stemOdd<>+60(SB)/4, $31
GLOBL stemOdd<>(SB), RODATA|NOPTR, $64
