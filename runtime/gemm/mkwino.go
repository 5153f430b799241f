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

// bt2 emits u = Bᵀ d for F(2×2, 3×3) (4 values) on d[0..3], into t[0..3].
func bt2(d [6]string, t []string) [6]string {
	p("VSUBPS %s, %s, %s", d[2], d[0], t[0]) // u0 = d0 - d2
	p("VADDPS %s, %s, %s", d[2], d[1], t[1]) // u1 = d1 + d2
	p("VSUBPS %s, %s, %s", d[1], d[2], t[2]) // u2 = d2 - d1
	p("VSUBPS %s, %s, %s", d[3], d[1], t[3]) // u3 = d1 - d3
	return [6]string{t[0], t[1], t[2], t[3]}
}

// at2 emits y = Aᵀ m for F(2×2, 3×3) (2 values from 4), into t[0..1].
func at2(m [6]string, t []string) [4]string {
	p("VADDPS %s, %s, %s", m[1], m[0], t[0]) // y0 = (m0 + m1) + m2
	p("VADDPS %s, %s, %s", m[2], t[0], t[0])
	p("VSUBPS %s, %s, %s", m[2], m[1], t[1]) // y1 = (m1 - m2) - m3
	p("VSUBPS %s, %s, %s", m[3], t[1], t[1])
	return [4]string{t[0], t[1]}
}

// btT and atT are the transforms for tiles of size tile.
func btT(tile int, d [6]string, t []string) [6]string {
	if tile == 2 {
		return bt2(d, t)
	}
	return bt(d, t, "Z28", "Z29", "Z30")
}

func atT(tile int, m [6]string, t []string) [4]string {
	if tile == 2 {
		return at2(m, t)
	}
	return at(m, t, "Z28", "Z29", "Z30")
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
	block = 48
	mb    = 64
	// wgInSeg: off [6]int64, mask [6][13]uint16, tpos, nq int32
	segTpos = 48 + 2*6*13
	segSize = segTpos + 8 + 4 // padded to 8 bytes
	// wgOutChunk: mask, exp uint16; pos, rows, nst int32; st [16]{off int32; mask uint16; q, rows uint8}
	outChunkSize = 16 + 16*8
)

// tmpPitch is the byte distance between the input kernel's rows in tmp:
// tile columns for each of 2·block lanes (with the phantoms), and a spill.
func tmpPitch(tile int) int { return 4 * (tile*2*block + 32) }

// Constants: 32-bit float bits.
const (
	f2 = 0x40000000
	f4 = 0x40800000
	f5 = 0x40a00000
	f8 = 0x41000000
)

func genIn(tile int) {
	al := tile + 2
	pitch := tmpPitch(tile)
	name := fmt.Sprintf("wgIn%d", tile)
	lbl := func(l string) string { return fmt.Sprintf("%s_%s", name, l) }
	fmt.Fprintf(&b, `
// func %s(v *float32, ldv int, img *float32, cstride int, nc int, segs *wgInSeg, nseg int, chunks *wgInChunk, nchunk int, tmp *float32)
//
// The input transform of F(%dx%d, 3x3) of a block of tiles (see wgInBlock)
// for nc channels cstride floats apart. The block's tiles are laid out in
// lanes t', each run of tiles in one tile row (a segment) followed by one
// phantom lane. Per channel: pass 1, per segment {off [6]int64; mask
// [6][13]uint16; tpos, nq int32}: the %d input rows at byte offsets off[r]
// from the plane, nq vectors of 16 columns under mask[r][q] (lanes outside
// the image, or rows outside it, load zero); the vertical transform of each
// column into tmp at byte tpos + 64q of each of %d rows %d bytes apart (a
// segment's last vector spills into the next one's columns, which are
// written after it). Pass 2, per chunk of 16 lanes {mask uint16; comp
// uint16; pos int32} and transformed row i: the columns %d·t'+j of the 16
// lanes, j < %d by VPERMI2PS (and VSHUFF32X4), j ≥ %d by shifting j − %d one
// lane (VALIGND) with the next lane's column (a phantom lane holds the
// columns after its segment's last tile); the horizontal transform; the
// real lanes (mask) stored at v + pos + (%d·i+k)·ldv·4: masked (comp = 0:
// mask is a prefix), or compressed (VCOMPRESSPS) and stored under a prefix
// mask. The next channel's v is %d bytes on.
TEXT ·%s(SB), NOSPLIT, $0-80
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
	VMOVDQU32 wgDeint%dA<>(SB), Z26
	VMOVDQU32 wgDeint%dB<>(SB), Z27
%s:
	// Pass 1: per segment, nq vectors of 16 columns.
	MOVQ segs+40(FP), R12
	MOVQ nseg+48(FP), BX
	IMULQ $%d, BX
	ADDQ R12, BX // end of the segments
%s:
	MOVQ SI, R9
	MOVLQSX %d(R12), R10
	ADDQ R13, R10
	LEAQ 48(R12), R11
	MOVLQSX %d(R12), DX
%s:
`, name, tile, tile, al, al, pitch, tile, tile, tile, tile, al, 4*block, name,
		f4, f5, f2, tile, tile, lbl("chan"), segSize, lbl("seg"), segTpos, segTpos+4, lbl("col"))
	var d [6]string
	for r := range al {
		d[r] = z(r)
		p("MOVQ %d(R12), AX", 8*r)
		p("KMOVW %d(R11), K1", 2*13*r)
		p("VMOVUPS.Z (R9)(AX*1), K1, %s", d[r])
	}
	u := btT(tile, d, zs(6, 8))
	for r := range al {
		p("VMOVUPS %s, %d(R10)", u[r], pitch*r)
	}
	p("ADDQ $64, R9")
	p("ADDQ $64, R10")
	p("ADDQ $2, R11")
	p("DECQ DX")
	p("JNZ %s", lbl("col"))
	p("ADDQ $%d, R12", segSize)
	p("CMPQ R12, BX")
	p("JB %s", lbl("seg"))
	b.WriteString("\t// Pass 2: 16 lanes at a time.\n")
	p("MOVQ R13, R9")
	p("MOVQ chunks+56(FP), BX")
	p("MOVQ nchunk+64(FP), DX")
	label(lbl("chunk"))
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
	for i := range al {
		fmt.Fprintf(&b, "\t// transformed row %d\n", i)
		var e [6]string
		if tile == 4 {
			for q := range 4 {
				p("VMOVUPS %d(R9), %s", pitch*i+64*q, z(q))
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
			e = [6]string{"Z8", "Z9", "Z10", "Z11", "Z12", "Z13"}
		} else {
			for q := range 2 {
				p("VMOVUPS %d(R9), %s", pitch*i+64*q, z(q))
			}
			p("VMOVAPS Z26, Z8")
			p("VPERMI2PS Z1, Z0, Z8") // j0
			p("VMOVAPS Z27, Z9")
			p("VPERMI2PS Z1, Z0, Z9") // j1
			e = [6]string{"Z8", "Z9", "Z12", "Z13"}
		}
		// j = tile, tile+1: j = 0, 1 of the next lane.
		p("VBROADCASTSS %d(R9), %s", pitch*i+64*tile, e[tile])
		p("VALIGND $1, %s, %s, %s", e[0], e[tile], e[tile])
		p("VBROADCASTSS %d(R9), %s", pitch*i+64*tile+4, e[tile+1])
		p("VALIGND $1, %s, %s, %s", e[1], e[tile+1], e[tile+1])
		u := btT(tile, e, zs(14, 8))
		// Plane 6i+k (tile 4: AX = R10 + 3·ldv for k ≥ 3) or 4i+k (tile 2).
		dst := []string{"(R10)", "(R10)(R8*1)", "(R10)(R8*2)", "(R10)(R14*1)"}
		if tile == 4 {
			dst = []string{"(R10)", "(R10)(R8*1)", "(R10)(R8*2)", "(AX)", "(AX)(R8*1)", "(AX)(R8*2)"}
		}
		store := func(comp bool) {
			for k := range al {
				if tile == 4 && k == 3 {
					p("LEAQ (R10)(R14*1), AX")
				}
				if comp {
					p("VCOMPRESSPS %s, K1, %s", u[k], u[k])
					p("VMOVUPS %s, K2, %s", u[k], dst[k])
				} else {
					p("VMOVUPS %s, K1, %s", u[k], dst[k])
				}
			}
		}
		p("TESTL R11, R11")
		p("JNZ %s%d", lbl("comp"), i)
		store(false)
		p("JMP %s%d", lbl("stored"), i)
		label(fmt.Sprintf("%s%d", lbl("comp"), i))
		store(true)
		label(fmt.Sprintf("%s%d", lbl("stored"), i))
		if tile == 4 {
			p("LEAQ (R10)(R14*2), R10") // the next 6 planes
		} else {
			p("LEAQ (R10)(R8*4), R10") // the next 4 planes
		}
	}
	p("ADDQ $%d, R9", 64*tile)
	p("ADDQ $8, BX")
	p("DECQ DX")
	p("JNZ %s", lbl("chunk"))
	b.WriteString("\t// Next channel.\n")
	p("MOVQ cstride+24(FP), AX")
	p("LEAQ (SI)(AX*4), SI")
	p("ADDQ $%d, DI", 4*block)
	p("DECQ CX")
	p("JNZ %s", lbl("chan"))
	p("VZEROUPPER")
	p("RET")
}

func genOut(tile int) {
	al := tile + 2
	ldm := 4 * mb * block // bytes between ξ rows of the products
	name := fmt.Sprintf("wgOut%d", tile)
	lbl := func(l string) string { return fmt.Sprintf("%s_%s", name, l) }
	fmt.Fprintf(&b, `
// func %s(c *float32, ldc int, mo *float32, nm int, bias *float32, bstep int, relu int, chunks *wgOutChunk, nchunk int, tmp *float32, ow int)
//
// The output transform of F(%dx%d, 3x3) of a block of tiles (see
// wgOutBlock) for nm output channels: channel i's %d products are at mo +
// i·%d bytes, %d bytes apart, its output plane at c + i·ldc floats, its
// bias at bias + i·bstep bytes. Lanes t' as in %s (runs of tiles and a
// phantom lane after each). Per channel and chunk of 16 lanes {mask, exp
// uint16; pos, rows, nst int32; st [16]{off int32; mask uint16; q, rows
// uint8}}: pass 1 loads the products at mo + pos (exp: compact, spread
// over the real lanes by VEXPANDPS) and stores the vertical transform of
// the %d columns k into tmp; pass 2, for the rows a < rows: the
// horizontal transform, + bias, max with the clamp (0 with relu, else −∞:
// NaN and −0 pass as in wgOutGo), the %d values of each lane interleaved
// (VPERMI2PS, VPERMI2PD) into %d vectors of %d lanes (at tmp + 1536), and
// the stores st with a < st.rows: vector q under st.mask at the plane +
// st.off + a·ow·4.
TEXT ·%s(SB), NOSPLIT, $0-88
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
	JNE %s
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z26 // −∞ without
%s:
	VMOVDQU32 wgInterLo<>(SB), Z22
	VMOVDQU32 wgInterHi<>(SB), Z23
	VMOVDQU64 wgInterQ0<>(SB), Z24
	VMOVDQU64 wgInterQ1<>(SB), Z25
%s:
	VBROADCASTSS (R8), Z27
	MOVQ chunks+56(FP), BX
	MOVQ nchunk+64(FP), CX
%s:
	// Pass 1: vertical transforms of the %d columns k.
	MOVQ $%d, R10 // %d·ldm
	MOVQ $%d, R11 // %d·ldm
	MOVQ $%d, R12 // %d·ldm
	MOVLQSX 4(BX), R9
	ADDQ SI, R9
	KMOVW 0(BX), K1
	CMPW 2(BX), $0
	JNE %s
`, name, tile, tile, al*al, 4*block, ldm, fmt.Sprintf("wgIn%d", tile), al, tile, tile, 16/tile, name,
		ldm, f2, f4, f8, lbl("clamp"), lbl("clamp"), lbl("m"), lbl("chunk"), al,
		al*ldm, al, 3*al*ldm, 3*al, 5*al*ldm, 5*al, lbl("expand"))
	pass1 := func(expand bool) {
		for k := range al {
			src := []string{"(R9)", "(R9)(R10*1)", "(R9)(R10*2)", "(R9)(R11*1)", "(R9)(R10*4)", "(R9)(R12*1)"}
			var m [6]string
			for i := range al {
				m[i] = z(i)
				p("VMOVUPS %d%s, %s", 4*k*mb*block, src[i], m[i])
				if expand {
					p("VEXPANDPS %s, K1, %s", m[i], m[i])
				}
			}
			y := atT(tile, m, zs(6, 4))
			for a := range tile {
				p("VMOVUPS %s, %d(R13)", y[a], 64*(al*a+k))
			}
		}
	}
	pass1(false)
	p("JMP %s", lbl("pass2"))
	label(lbl("expand"))
	pass1(true)
	label(lbl("pass2"))
	b.WriteString("\t// Pass 2: output rows a < rows.\n")
	p("XORQ AX, AX")   // a
	p("XORQ R10, R10") // a·ow·4
	label(lbl("row"))
	p("IMUL3Q $%d, AX, R12", 64*al) // tmp row a
	p("ADDQ R13, R12")
	var m [6]string
	for k := range al {
		m[k] = z(k)
		p("VMOVUPS %d(R12), %s", 64*k, m[k])
	}
	y := atT(tile, m, zs(6, 4))
	for bb := range tile {
		p("VADDPS Z27, %s, %s", y[bb], y[bb])
		p("VMAXPS %s, Z26, %s", y[bb], y[bb])
	}
	if tile == 4 {
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
	} else {
		p("VMOVAPS Z22, Z14")
		p("VPERMI2PS %s, %s, Z14", y[1], y[0]) // lanes 0-7
		p("VMOVAPS Z23, Z15")
		p("VPERMI2PS %s, %s, Z15", y[1], y[0]) // lanes 8-15
	}
	for q := range tile {
		p("VMOVUPS Z%d, %d(R13)", 14+q, 1536+64*q)
	}
	p("LEAQ 16(BX), R9") // the stores
	p("MOVLQSX 12(BX), R11")
	label(lbl("store"))
	p("MOVBQZX 7(R9), R12")
	p("CMPQ R12, AX")
	p("JLE %s", lbl("skip")) // a ≥ rows of this store's tile row
	p("MOVBQZX 6(R9), R12")
	p("SHLQ $6, R12")
	p("VMOVUPS 1536(R13)(R12*1), Z0")
	p("KMOVW 4(R9), K1")
	p("MOVLQSX 0(R9), R12")
	p("ADDQ R10, R12")
	p("VMOVUPS Z0, K1, (DI)(R12*1)")
	label(lbl("skip"))
	p("ADDQ $8, R9")
	p("DECQ R11")
	p("JNZ %s", lbl("store"))
	p("ADDQ R14, R10")
	p("INCQ AX")
	p("CMPL AX, 8(BX)")
	p("JB %s", lbl("row"))
	p("ADDQ $%d, BX", outChunkSize)
	p("DECQ CX")
	p("JNZ %s", lbl("chunk"))
	b.WriteString("\t// Next output channel.\n")
	p("ADDQ $%d, SI", 4*block)
	p("MOVQ ldc+8(FP), AX")
	p("LEAQ (DI)(AX*4), DI")
	p("ADDQ bstep+40(FP), R8")
	p("DECQ nm+24(FP)")
	p("JNZ %s", lbl("m"))
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
	for _, tile := range []int{4, 2} {
		genIn(tile)
		genOut(tile)
	}
	b.WriteString("\n")
	var deA, deB, de2A, de2B, lo, hi []int
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
	for t := range 16 {
		de2A = append(de2A, 2*t)
		de2B = append(de2B, 2*t+1)
	}
	data("wgDeint4A", 4, deA)  // columns 4t (lanes 0-7) and 4t+1 (8-15) of 32
	data("wgDeint4B", 4, deB)  // columns 4t+2 and 4t+3
	data("wgDeint2A", 4, de2A) // columns 2t of 32
	data("wgDeint2B", 4, de2B) // columns 2t+1
	data("wgInterLo", 4, lo)   // a0 b0 a1 b1 … a7 b7
	data("wgInterHi", 4, hi)   // a8 b8 … a15 b15
	data("wgInterQ0", 8, []int{0, 8, 1, 9, 2, 10, 3, 11})
	data("wgInterQ1", 8, []int{4, 12, 5, 13, 6, 14, 7, 15})
	if err := os.WriteFile("winograd_amd64.s", b.Bytes(), 0o666); err != nil {
		log.Fatal(err)
	}
}
