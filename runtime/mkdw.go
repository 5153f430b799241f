//go:build ignore

// mkdw writes depthwise3_amd64.s, the AVX-512 kernels of the 3×3
// depthwise convolutions at stride 1 with one pixel of padding all round
// (depthwise_amd64.go; go generate runs it), straight from the input
// planes (see direct): several rows of outputs are summed at once, and
// every input vector they read is loaded once and added, times its
// weights, to each of the rows it is a tap of (one to three), where
// dwRows16 loads it once per tap. The taps of an output are added in order
// (rows, then columns) with VMULPS and VADDPS: the bits of dwRowsGo.
//
//	go run mkdw.go
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

// weight t (row i, column j: t = 3i + j) in Z16 + t.
func weight(t int) string { return fmt.Sprintf("Z%d", 16+t) }

// direct emits dw3p1R<rows>V<vecs>[ReLU](d, s, w, b *float32, c, h, wd,
// bstep int, lo, hi float32): the depthwise 3×3 convolution at stride 1 with
// one pixel of zero padding on every side, of c channels of h×wd planes,
// straight from the input planes (no padded copy): the taps of a row
// outside the image are left out (as ref.Conv2D does), those of a column
// outside it read through a mask (adding w·0). rows output rows of vecs
// vectors (16·vecs outputs) are summed at once, each input vector loaded
// once for every output row it is a tap of; with relu, max(x, 0) of each
// input value (VMAXPS with the value second keeps NaN and −0, adding +0
// makes −0 +0: the bits of Go's max). b advances bstep bytes a channel (0:
// the same bias for all). Registers: DI, SI the channel's output and input
// planes; R8 wd, R9 h, R15 a row in bytes; R10, R11 the channel's weights
// and bias; R12 bstep; R13 the channels left; DX the group's first output
// row y0; BX the output x; CX the input row; Z16..Z24 the weights, Z12 the
// bias, Z13 lo, Z14 hi, Z15 zero; masks of a step: K4, K3, K5 the lanes of
// taps in columns x−1, x, x+1 of the first vector, K6, K2, K7 of the
// second.
func direct(rows, vecs int, relu bool) {
	name := fmt.Sprintf("dw3p1R%dV%d", rows, vecs)
	if relu {
		name += "ReLU"
	}
	lanes := 16 * vecs
	fmt.Fprintf(&b, "\n// func %s(d, s, w, b *float32, c, h, wd, bstep int, lo, hi float32)\n", name)
	fmt.Fprintf(&b, "TEXT ·%s(SB), NOSPLIT, $0-72\n", name)
	p("MOVQ d+0(FP), DI")
	p("MOVQ s+8(FP), SI")
	p("MOVQ w+16(FP), R10")
	p("MOVQ b+24(FP), R11")
	p("MOVQ c+32(FP), R13")
	p("MOVQ h+40(FP), R9")
	p("MOVQ wd+48(FP), R8")
	p("MOVQ bstep+56(FP), R12")
	p("LEAQ (R8*4), R15")
	p("VBROADCASTSS lo+64(FP), Z13")
	p("VBROADCASTSS hi+68(FP), Z14")
	p("VPXORD Z15, Z15, Z15")
	label("chan")
	for t := range 9 {
		p("VBROADCASTSS %d(R10), %s", 4*t, weight(t))
	}
	p("VBROADCASTSS (R11), Z12")
	p("XORQ DX, DX")
	label("group")
	p("XORQ BX, BX")
	label("step")
	// The masks of the step: rem = wd − x outputs left.
	p("MOVQ R8, AX")
	p("SUBQ BX, AX")
	p("MOVL $%#x, CX", uint32(1)<<lanes-1)
	p("CMPQ AX, $%d", lanes)
	p("JGE wide")
	p("BZHIL AX, CX, CX") // the rem outputs
	p("KMOVD CX, K3")
	p("SHRL $1, CX") // column x+1 inside: rem − 1 of them
	p("KMOVD CX, K5")
	p("JMP first")
	label("wide")
	p("KMOVD CX, K3")
	p("JNE wide2") // rem > lanes: column x+1 of the last lane is inside
	p("SHRL $1, CX")
	label("wide2")
	p("KMOVD CX, K5")
	label("first")
	// Column x−1 is outside for the first lane of the row.
	p("KMOVD K3, K4")
	p("TESTQ BX, BX")
	p("JNZ masks")
	p("KSHIFTRD $1, K3, K4")
	p("KSHIFTLD $1, K4, K4")
	label("masks")
	if vecs == 2 {
		p("KSHIFTRD $16, K4, K6")
		p("KSHIFTRD $16, K3, K2")
		p("KSHIFTRD $16, K5, K7")
	}
	mask := [3][2]string{{"K4", "K6"}, {"K3", "K2"}, {"K5", "K7"}}
	acc := func(rho, v int) string { return fmt.Sprintf("Z%d", rho*vecs+v) }
	for rho := range rows {
		for v := range vecs {
			p("VMOVAPS Z12, %s", acc(rho, v))
		}
	}
	// CX: input row y0 − 1 at x.
	p("LEAQ -1(DX), AX")
	p("IMULQ R15, AX")
	p("ADDQ SI, AX")
	p("LEAQ (AX)(BX*4), CX")
	data := []string{"Z8", "Z9", "Z10", "Z11", "Z25", "Z26"}
	prods := []string{"Z27", "Z28", "Z29", "Z30", "Z31"}
	nd, np := 0, 0
	for k := range rows + 2 {
		skip := fmt.Sprintf("row%d", k)
		p("LEAQ %d(DX), AX", k-1)
		p("CMPQ AX, R9")
		p("JAE %s", skip) // row y0 − 1 + k outside [0, h)
		for j := range 3 {
			var d [2]string
			for v := range vecs {
				d[v] = data[nd%len(data)]
				nd++
				p("VMOVUPS.Z %d(CX), %s, %s", 4*(j-1)+64*v, mask[j][v], d[v])
				if relu {
					p("VMAXPS %s, Z15, %s", d[v], d[v])
					p("VADDPS Z15, %s, %s", d[v], d[v])
				}
			}
			for rho := max(0, k-2); rho <= min(rows-1, k); rho++ {
				w := weight(3*(k-rho) + j)
				for v := range vecs {
					t := prods[np%len(prods)]
					np++
					p("VMULPS %s, %s, %s", d[v], w, t)
					p("VADDPS %s, %s, %s", t, acc(rho, v), acc(rho, v))
				}
			}
		}
		label(skip)
		p("ADDQ R15, CX")
	}
	// CX is at the first input row the next group reads that this one did
	// not: fetch the step's lines of those rows (a plane larger than the
	// caches comes from memory, rows apart).
	for k := range rows {
		for v := range vecs {
			p("PREFETCHT0 %d(CX)", 64*v)
		}
		if k < rows-1 {
			p("ADDQ R15, CX")
		}
	}
	// Store the rows inside the image: AX at output row y0, x.
	p("MOVQ DX, AX")
	p("IMULQ R15, AX")
	p("ADDQ DI, AX")
	p("LEAQ (AX)(BX*4), AX")
	tmp := []string{"Z8", "Z9"}
	for rho := range rows {
		p("LEAQ %d(DX), CX", rho)
		p("CMPQ CX, R9")
		p("JAE stored")
		for v := range vecs {
			a, t := acc(rho, v), tmp[v]
			p("CLAMP(%s, Z13, Z14, %s, K1)", a, t)
			p("VMOVUPS %s, %s, %d(AX)", t, mask[1][v], 64*v)
		}
		p("ADDQ R15, AX")
	}
	label("stored")
	p("ADDQ $%d, BX", lanes)
	p("CMPQ BX, R8")
	p("JLT step")
	p("ADDQ $%d, DX", rows)
	p("CMPQ DX, R9")
	p("JLT group")
	p("MOVQ R9, AX")
	p("IMULQ R15, AX")
	p("ADDQ AX, SI")
	p("ADDQ AX, DI")
	p("ADDQ $36, R10")
	p("ADDQ R12, R11")
	p("DECQ R13")
	p("JNZ chan")
	p("VZEROUPPER")
	p("RET")
}

func main() {
	b.WriteString(`// Code generated by mkdw.go; DO NOT EDIT.

//go:build amd64 && !purego

#include "textflag.h"
#include "gemm/clamp_amd64.h"
`)
	for _, rv := range [][2]int{{4, 2}, {8, 1}} {
		direct(rv[0], rv[1], false)
		direct(rv[0], rv[1], true)
	}
	if err := os.WriteFile("depthwise3_amd64.s", b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
