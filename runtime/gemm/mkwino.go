//go:build ignore

// mkwino writes winograd_amd64.s, the AVX-512 transform kernels of the
// Winograd convolution (winograd.go; go generate runs it). Both kernels work
// on 16 tiles at once, one per lane, and do the operations of the Go
// kernels wgInGo and wgOutGo in the same order, so the two agree bit for
// bit: products by 2, 4 and 8 are exact and fused into one rounding
// (VFMADD231PS), products by 5 are rounded, then added (VMULPS, VSUBPS).
//
//	go run mkwino.go
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

var b bytes.Buffer

func p(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
func label(l string)               { fmt.Fprintf(&b, "%s:\n", l) }

// bt emits u = Bᵀ d (6 values) on vectors d[0..5]; t holds ≥ 8 scratch
// registers; four, five, two hold the broadcast constants. It returns the
// registers of u[0..5] (some of d and t are reused).
func bt(d [6]string, t []string, four, five, two string) [6]string {
	P, Q, R, S, E, F, U0, U5 := t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]
	p("VADDPS %s, %s, %s", d[2], d[1], P) // p = d1 + d2
	p("VADDPS %s, %s, %s", d[4], d[3], Q) // q = d3 + d4
	p("VSUBPS %s, %s, %s", d[2], d[1], R) // r = d1 - d2
	p("VSUBPS %s, %s, %s", d[3], d[4], S) // s = d4 - d3
	p("VSUBPS %s, %s, %s", d[1], d[3], E) // e = d3 - d1
	p("VSUBPS %s, %s, %s", d[2], d[4], F) // f = d4 - d2
	// u0 = (d4 - 5·d2) + 4·d0
	p("VMULPS %s, %s, %s", five, d[2], U0)
	p("VSUBPS %s, %s, %s", U0, d[4], U0)
	p("VFMADD231PS %s, %s, %s", four, d[0], U0)
	// u5 = (d5 - 5·d3) + 4·d1
	p("VMULPS %s, %s, %s", five, d[3], U5)
	p("VSUBPS %s, %s, %s", U5, d[5], U5)
	p("VFMADD231PS %s, %s, %s", four, d[1], U5)
	// u1 = q - 4p, u2 = s + 4r
	p("VFNMADD231PS %s, %s, %s", four, P, Q)
	p("VFMADD231PS %s, %s, %s", four, R, S)
	// u3 = f + 2e, u4 = f - 2e
	p("VMOVAPS %s, %s", F, d[0])
	p("VFMADD231PS %s, %s, %s", two, E, d[0])
	p("VFNMADD231PS %s, %s, %s", two, E, F)
	return [6]string{U0, Q, S, d[0], F, U5}
}

// at emits y = Aᵀ m (4 values) on vectors m[0..5]; t holds ≥ 4 scratch
// registers. It returns the registers of y[0..3].
func at(m [6]string, t []string, two, four, eight string) [4]string {
	A, B, C, D := t[0], t[1], t[2], t[3]
	p("VADDPS %s, %s, %s", m[2], m[1], A) // a = m1 + m2
	p("VSUBPS %s, %s, %s", m[2], m[1], B) // b = m1 - m2
	p("VADDPS %s, %s, %s", m[4], m[3], C) // c = m3 + m4
	p("VSUBPS %s, %s, %s", m[4], m[3], D) // d = m3 - m4
	// y0 = (m0 + a) + c
	p("VADDPS %s, %s, %s", A, m[0], m[0])
	p("VADDPS %s, %s, %s", C, m[0], m[0])
	// y1 = b + 2d
	p("VMOVAPS %s, %s", B, m[1])
	p("VFMADD231PS %s, %s, %s", two, D, m[1])
	// y2 = a + 4c
	p("VFMADD231PS %s, %s, %s", four, C, A)
	// y3 = (b + 8d) + m5
	p("VFMADD231PS %s, %s, %s", eight, D, B)
	p("VADDPS %s, %s, %s", m[5], B, B)
	return [4]string{m[0], m[1], A, B}
}

func z(i int) string { return fmt.Sprintf("Z%d", i) }

func zs(from, n int) []string {
	var s []string
	for i := range n {
		s = append(s, z(from+i))
	}
	return s
}

// The layout of package gemm (winograd.go): tiles per block, output
// channels per products buffer; the pitch of the input kernel's rows in tmp.
const (
	block    = 48
	mb       = 64
	tmpPitch = 4 * (4*2*block + 32) // 2·block lanes (phantoms) + spill
	// wgInSeg: off [6]int64, mask [6][13]uint16, tpos, nq int32
	segTpos = 48 + 2*6*13
	segSize = segTpos + 8 + 4 // padded to 8 bytes
	// wgOutChunk: mask, exp uint16; pos, rows, nst int32; st [16]{off int32; mask uint16; q, rows uint8}
	outChunkSize = 16 + 16*8
)

// Constants: 32-bit float bits.
const (
	f2 = 0x40000000
	f4 = 0x40800000
	f5 = 0x40a00000
	f8 = 0x41000000
)

func genIn() {
	fmt.Fprintf(&b, `
// func wgIn16(v *float32, ldv int, img *float32, cstride int, nc int, segs *wgInSeg, nseg int, chunks *wgInChunk, nchunk int, tmp *float32)
//
// The input transform of a block of tiles (see wgInBlock) for nc channels
// cstride floats apart. The block's tiles are laid out in lanes t', each
// run of tiles in one tile row (a segment) followed by one phantom lane.
// Per channel: pass 1, per segment {off [6]int64; mask [6][13]uint16;
// tpos, nq int32}: the 6 input rows at byte offsets off[r] from the plane,
// nq vectors of 16 columns under mask[r][q] (lanes outside the image, or
// rows outside it, load zero); the vertical transform of each column into
// tmp at byte tpos + 64q of each of 6 rows %d bytes apart (a segment's last
// vector spills into the next one's columns, which are written after it).
// Pass 2, per chunk of 16 lanes {mask uint16; comp uint16; pos int32} and
// transformed row i: the columns 4t'+j (j < 4) by two VPERMI2PS and a
// VSHUFF32X4 per pair of j, j = 4, 5 by shifting j = 0, 1 one lane
// (VALIGND) with the next lane's column (a phantom lane holds the columns
// 4n, 4n+1 of its segment); the horizontal transform; the real lanes
// (mask) stored at v + pos + (6i+k)·ldv·4: masked (comp = 0: mask is a
// prefix), or compressed (VCOMPRESSPS) and stored under a prefix mask. The
// next channel's v is %d bytes on.
TEXT ·wgIn16(SB), NOSPLIT, $0-80
	MOVQ v+0(FP), DI
	MOVQ ldv+8(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R14 // 3·ldv
	MOVQ img+16(FP), SI
	MOVQ nc+32(FP), CX
	MOVQ tmp+72(FP), R13
	MOVL $%#x, AX
	VPBROADCASTD AX, Z28 // 4
	MOVL $%#x, AX
	VPBROADCASTD AX, Z29 // 5
	MOVL $%#x, AX
	VPBROADCASTD AX, Z30 // 2
	VMOVDQU32 wgDeintA<>(SB), Z26
	VMOVDQU32 wgDeintB<>(SB), Z27
wgin_chan:
	// Pass 1: per segment, nq vectors of 16 columns.
	MOVQ segs+40(FP), R12
	MOVQ nseg+48(FP), BX
	IMULQ $%d, BX
	ADDQ R12, BX // end of the segments
wgin_seg:
	MOVQ SI, R9
	MOVLQSX %d(R12), R10
	ADDQ R13, R10
	LEAQ 48(R12), R11
	MOVLQSX %d(R12), DX
wgin_col:
`, tmpPitch, 4*block, f4, f5, f2, segSize, segTpos, segTpos+4)
	var d [6]string
	for r := range 6 {
		d[r] = z(r)
		p("MOVQ %d(R12), AX", 8*r)
		p("KMOVW %d(R11), K1", 2*13*r)
		p("VMOVUPS.Z (R9)(AX*1), K1, %s", d[r])
	}
	u := bt(d, zs(6, 8), "Z28", "Z29", "Z30")
	for r := range 6 {
		p("VMOVUPS %s, %d(R10)", u[r], tmpPitch*r)
	}
	p("ADDQ $64, R9")
	p("ADDQ $64, R10")
	p("ADDQ $2, R11")
	p("DECQ DX")
	p("JNZ wgin_col")
	p("ADDQ $%d, R12", segSize)
	p("CMPQ R12, BX")
	p("JB wgin_seg")
	b.WriteString("\t// Pass 2: 16 lanes at a time.\n")
	p("MOVQ R13, R9")
	p("MOVQ chunks+56(FP), BX")
	p("MOVQ nchunk+64(FP), DX")
	label("wgin_chunk")
	p("KMOVW 0(BX), K1")   // real lanes
	p("MOVWLZX 0(BX), AX") // their count: a prefix mask
	p("POPCNTL AX, AX")
	p("MOVL $1, R11")
	p("SHLXL AX, R11, R11")
	p("DECL R11")
	p("KMOVW R11, K2")
	p("MOVWLZX 2(BX), R11") // comp
	p("MOVLQSX 4(BX), R10")
	p("ADDQ DI, R10")
	for i := range 6 {
		fmt.Fprintf(&b, "\t// transformed row %d\n", i)
		for q := range 4 {
			p("VMOVUPS %d(R9), %s", tmpPitch*i+64*q, z(q))
		}
		p("VMOVAPS Z26, Z4")
		p("VPERMI2PS Z1, Z0, Z4") // j0 | j1 of lanes 0-7
		p("VMOVAPS Z26, Z5")
		p("VPERMI2PS Z3, Z2, Z5") // j0 | j1 of lanes 8-15
		p("VMOVAPS Z27, Z6")
		p("VPERMI2PS Z1, Z0, Z6") // j2 | j3 of lanes 0-7
		p("VMOVAPS Z27, Z7")
		p("VPERMI2PS Z3, Z2, Z7")          // j2 | j3 of lanes 8-15
		p("VSHUFF32X4 $0x44, Z5, Z4, Z8")  // j0
		p("VSHUFF32X4 $0xee, Z5, Z4, Z9")  // j1
		p("VSHUFF32X4 $0x44, Z7, Z6, Z10") // j2
		p("VSHUFF32X4 $0xee, Z7, Z6, Z11") // j3
		p("VBROADCASTSS %d(R9), Z12", tmpPitch*i+256)
		p("VALIGND $1, Z8, Z12, Z12") // j4: j0 of the next lane
		p("VBROADCASTSS %d(R9), Z13", tmpPitch*i+260)
		p("VALIGND $1, Z9, Z13, Z13") // j5
		u := bt([6]string{"Z8", "Z9", "Z10", "Z11", "Z12", "Z13"}, zs(14, 8), "Z28", "Z29", "Z30")
		dst := []string{"(R10)", "(R10)(R8*1)", "(R10)(R8*2)"}
		p("TESTL R11, R11")
		p("JNZ wgin_comp%d", i)
		for k := range 6 {
			p("VMOVUPS %s, K1, %s", u[k], dst[k%3])
			if k == 2 {
				p("LEAQ (R10)(R14*1), AX")
				dst = []string{"(AX)", "(AX)(R8*1)", "(AX)(R8*2)"}
			}
		}
		p("JMP wgin_stored%d", i)
		label(fmt.Sprintf("wgin_comp%d", i))
		dst = []string{"(R10)", "(R10)(R8*1)", "(R10)(R8*2)"}
		for k := range 6 {
			p("VCOMPRESSPS %s, K1, %s", u[k], u[k])
			p("VMOVUPS %s, K2, %s", u[k], dst[k%3])
			if k == 2 {
				p("LEAQ (R10)(R14*1), AX")
				dst = []string{"(AX)", "(AX)(R8*1)", "(AX)(R8*2)"}
			}
		}
		label(fmt.Sprintf("wgin_stored%d", i))
		p("LEAQ (R10)(R14*2), R10") // the next 6 planes
	}
	p("ADDQ $256, R9")
	p("ADDQ $8, BX")
	p("DECQ DX")
	p("JNZ wgin_chunk")
	b.WriteString("\t// Next channel.\n")
	p("MOVQ cstride+24(FP), AX")
	p("LEAQ (SI)(AX*4), SI")
	p("ADDQ $%d, DI", 4*block)
	p("DECQ CX")
	p("JNZ wgin_chan")
	p("VZEROUPPER")
	p("RET")
}

func genOut() {
	ldm := 4 * mb * block // bytes between ξ rows of the products
	fmt.Fprintf(&b, `
// func wgOut16(c *float32, ldc int, mo *float32, nm int, bias *float32, bstep int, relu int, chunks *wgOutChunk, nchunk int, tmp *float32, ow int)
//
// The output transform of a block of tiles (see wgOutBlock) for nm output
// channels: channel i's 36 products are at mo + i·%d bytes, %d bytes apart,
// its output plane at c + i·ldc floats, its bias at bias + i·bstep bytes.
// Lanes t' as in wgIn16 (runs of tiles and a phantom lane after each). Per
// channel and chunk of 16 lanes {mask, exp uint16; pos, rows, nst int32;
// st [16]{off int32; mask uint16; q, rows uint8}}: pass 1 loads the
// products at mo + pos (exp: compact, spread over the real lanes by
// VEXPANDPS) and stores the vertical transform of the 6 columns k into tmp
// (24 vectors); pass 2, for the rows a < rows: the horizontal transform,
// + bias, max with the clamp (0 with relu, else −∞: NaN and −0 pass as in
// wgOutGo), the 4 values of each lane interleaved (VPERMI2PS, VPERMI2PD)
// into 4 vectors of 4 lanes (at tmp + 1536), and the stores st with a <
// st.rows: vector q under st.mask at the plane + st.off + a·ow·4.
TEXT ·wgOut16(SB), NOSPLIT, $0-88
	MOVQ c+0(FP), DI
	MOVQ mo+16(FP), SI
	MOVQ bias+32(FP), R8
	MOVQ tmp+72(FP), R13
	MOVQ ow+80(FP), R14
	SHLQ $2, R14
	MOVQ $%d, DX // ldm
	MOVL $%#x, AX
	VPBROADCASTD AX, Z28 // 2
	MOVL $%#x, AX
	VPBROADCASTD AX, Z29 // 4
	MOVL $%#x, AX
	VPBROADCASTD AX, Z30 // 8
	VPXORD Z26, Z26, Z26 // clamp: 0 with relu
	CMPQ relu+48(FP), $0
	JNE wgout_clamp
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z26 // −∞ without
wgout_clamp:
	VMOVDQU32 wgInterLo<>(SB), Z22
	VMOVDQU32 wgInterHi<>(SB), Z23
	VMOVDQU64 wgInterQ0<>(SB), Z24
	VMOVDQU64 wgInterQ1<>(SB), Z25
wgout_m:
	VBROADCASTSS (R8), Z27
	MOVQ chunks+56(FP), BX
	MOVQ nchunk+64(FP), CX
wgout_chunk:
	// Pass 1: vertical transforms of the 6 columns k.
	MOVQ $%d, R10 // 6·ldm
	MOVQ $%d, R11 // 18·ldm
	MOVQ $%d, R12 // 30·ldm
	MOVLQSX 4(BX), R9
	ADDQ SI, R9
	KMOVW 0(BX), K1
	CMPW 2(BX), $0
	JNE wgout_expand
`, 4*block, ldm, ldm, f2, f4, f8, 6*ldm, 18*ldm, 30*ldm)
	pass1 := func(expand bool) {
		for k := range 6 {
			src := []string{"(R9)", "(R9)(R10*1)", "(R9)(R10*2)", "(R9)(R11*1)", "(R9)(R10*4)", "(R9)(R12*1)"}
			var m [6]string
			for i := range 6 {
				m[i] = z(i)
				p("VMOVUPS %d%s, %s", 4*k*mb*block, src[i], m[i])
				if expand {
					p("VEXPANDPS %s, K1, %s", m[i], m[i])
				}
			}
			y := at(m, zs(6, 4), "Z28", "Z29", "Z30")
			for a := range 4 {
				p("VMOVUPS %s, %d(R13)", y[a], 64*(6*a+k))
			}
		}
	}
	pass1(false)
	p("JMP wgout_pass2")
	label("wgout_expand")
	pass1(true)
	label("wgout_pass2")
	b.WriteString("\t// Pass 2: output rows a < rows.\n")
	p("XORQ AX, AX")   // a
	p("XORQ R10, R10") // a·ow·4
	label("wgout_row")
	p("IMUL3Q $384, AX, R12") // tmp row a: 6 vectors
	p("ADDQ R13, R12")
	var m [6]string
	for k := range 6 {
		m[k] = z(k)
		p("VMOVUPS %d(R12), %s", 64*k, m[k])
	}
	y := at(m, zs(6, 4), "Z28", "Z29", "Z30")
	for bb := range 4 {
		p("VADDPS Z27, %s, %s", y[bb], y[bb])
		p("VMAXPS %s, Z26, %s", y[bb], y[bb])
	}
	// Interleave: pairs (b0, b1) and (b2, b3), then quads.
	p("VMOVAPS Z22, Z10")
	p("VPERMI2PS %s, %s, Z10", y[1], y[0]) // b0 b1 of lanes 0-7
	p("VMOVAPS Z23, Z11")
	p("VPERMI2PS %s, %s, Z11", y[1], y[0]) // b0 b1 of lanes 8-15
	p("VMOVAPS Z22, Z12")
	p("VPERMI2PS %s, %s, Z12", y[3], y[2]) // b2 b3 of lanes 0-7
	p("VMOVAPS Z23, Z13")
	p("VPERMI2PS %s, %s, Z13", y[3], y[2]) // b2 b3 of lanes 8-15
	p("VMOVAPS Z24, Z14")
	p("VPERMI2PD Z12, Z10, Z14") // lanes 0-3
	p("VMOVAPS Z25, Z15")
	p("VPERMI2PD Z12, Z10, Z15") // lanes 4-7
	p("VMOVAPS Z24, Z16")
	p("VPERMI2PD Z13, Z11, Z16") // lanes 8-11
	p("VMOVAPS Z25, Z17")
	p("VPERMI2PD Z13, Z11, Z17") // lanes 12-15
	for q := range 4 {
		p("VMOVUPS Z%d, %d(R13)", 14+q, 1536+64*q)
	}
	p("LEAQ 16(BX), R9") // the stores
	p("MOVLQSX 12(BX), R11")
	label("wgout_store")
	p("MOVBQZX 7(R9), R12")
	p("CMPQ R12, AX")
	p("JLE wgout_skip") // a ≥ rows of this store's tile row
	p("MOVBQZX 6(R9), R12")
	p("SHLQ $6, R12")
	p("VMOVUPS 1536(R13)(R12*1), Z0")
	p("KMOVW 4(R9), K1")
	p("MOVLQSX 0(R9), R12")
	p("ADDQ R10, R12")
	p("VMOVUPS Z0, K1, (DI)(R12*1)")
	label("wgout_skip")
	p("ADDQ $8, R9")
	p("DECQ R11")
	p("JNZ wgout_store")
	p("ADDQ R14, R10")
	p("INCQ AX")
	p("CMPL AX, 8(BX)")
	p("JB wgout_row")
	p("ADDQ $%d, BX", outChunkSize)
	p("DECQ CX")
	p("JNZ wgout_chunk")
	b.WriteString("\t// Next output channel.\n")
	p("ADDQ $%d, SI", 4*block)
	p("MOVQ ldc+8(FP), AX")
	p("LEAQ (DI)(AX*4), DI")
	p("ADDQ bstep+40(FP), R8")
	p("DECQ nm+24(FP)")
	p("JNZ wgout_m")
	p("VZEROUPPER")
	p("RET")
}

func data(name string, size int, vals []int) {
	for i, v := range vals {
		fmt.Fprintf(&b, "DATA %s<>+%d(SB)/%d, $%d\n", name, i*size, size, v)
	}
	fmt.Fprintf(&b, "GLOBL %s<>(SB), RODATA|NOPTR, $64\n", name)
}

func main() {
	fmt.Fprintf(&b, "// Code generated by mkwino.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	genIn()
	genOut()
	b.WriteString("\n")
	var deA, deB, lo, hi []int
	for t := range 8 {
		deA = append(deA, 4*t)
		deB = append(deB, 4*t+2)
		lo = append(lo, t, 16+t)
		hi = append(hi, 8+t, 24+t)
	}
	for t := range 8 {
		deA = append(deA, 4*t+1)
		deB = append(deB, 4*t+3)
	}
	data("wgDeintA", 4, deA) // columns 4t (lanes 0-7) and 4t+1 (8-15) of 32
	data("wgDeintB", 4, deB) // columns 4t+2 and 4t+3
	data("wgInterLo", 4, lo) // a0 b0 a1 b1 … a7 b7
	data("wgInterHi", 4, hi) // a8 b8 … a15 b15
	data("wgInterQ0", 8, []int{0, 8, 1, 9, 2, 10, 3, 11})
	data("wgInterQ1", 8, []int{4, 12, 5, 13, 6, 14, 7, 15})
	if err := os.WriteFile("winograd_amd64.s", b.Bytes(), 0o666); err != nil {
		log.Fatal(err)
	}
}
