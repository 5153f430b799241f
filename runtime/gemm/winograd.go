package gemm

import "fmt"

// Winograd convolution F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015) for 3×3 stride-1 convolutions:
// the output is cut into 4×4 tiles; each reads a 6×6 patch d of every input
// channel, and
//
//	Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
//
// so a tile costs 36 multiply-adds per input and output channel instead of
// 144: the 36 element-wise products summed over channels are 36 GEMMs
// U_ξ (M×C) · V_ξ (C×tiles), ξ = 6i + k, run by the micro-kernels of this
// package. U = G g Gᵀ is computed once, at load time; V = Bᵀ d B (the input
// transform) and Aᵀ M A (the output transform) are the kernels of this file
// (assembly on AVX-512, Go elsewhere). The points are 0, ±1, ±2 and ∞:
//
//	Bᵀ = ⎡4  0 −5  0  1  0⎤   G = ⎡ 1/4    0     0  ⎤   Aᵀ = ⎡1  1  1  1  1  0⎤
//	     ⎢0 −4 −4  1  1  0⎥       ⎢−1/6 −1/6  −1/6 ⎥        ⎢0  1 −1  2 −2  0⎥
//	     ⎢0  4 −4 −1  1  0⎥       ⎢−1/6  1/6  −1/6 ⎥        ⎢0  1  1  4  4  0⎥
//	     ⎢0 −2 −1  2  1  0⎥       ⎢1/24 1/12   1/6 ⎥        ⎣0  1 −1  8 −8  1⎦
//	     ⎢0  2 −1 −2  1  0⎥       ⎢1/24 −1/12  1/6 ⎥
//	     ⎣0  4  0 −5  0  1⎦       ⎣  0    0     1  ⎦
//
// Numerics: the transforms multiply by 2, 4 and 8 (exact) and by 5, and
// add; every output element is the same sequence of float32 operations
// whatever the tiling and the thread count, so results are bit-identical
// across both (the transform kernels of the assembly and Go paths are the
// same operations in the same order: they agree bit for bit). The result
// differs from the direct convolution by rounding only: the transforms'
// coefficients grow the rounding error by a small constant factor
// (measured in TestWinogradConv: within 1e-5 of Σ|terms|, like the GEMM).

// Winograd holds a 3×3 convolution's weights transformed for F(4×4, 3×3):
// 36 packed M×C matrices U_ξ. It is read-only once packed.
type Winograd struct {
	m, c int
	u    [36]*Packed
}

// wgTile is the tile size (4×4 outputs) and wgAlpha the patch size (6×6).
const (
	wgTile  = 4
	wgAlpha = 6
	// wgBlock is the most tiles one GEMM block takes: the widest
	// micro-kernel's panel (48 columns).
	wgBlock = 48
	// wgMB is the output channels transformed per GEMM round: the 36
	// products of wgMB rows × wgBlock tiles (432 KiB) stay in L2 for the
	// output transform.
	wgMB = 64
	// wgMoLen is the products' buffer, with 16 floats more: the assembly
	// output transform reads whole vectors of 16 tiles.
	wgMoLen = 36*wgMB*wgBlock + 16
)

// PackWinograd transforms and packs the weights w (m×c×3×3, row-major, as
// for [Pack] with k = 9c) for [Winograd.ConvTile]. The transform G g Gᵀ is
// computed in float64 and rounded once. It panics if len(w) < 9·m·c.
func PackWinograd(w []float32, m, c int) *Winograd {
	return packWinogradWith(best, w, m, c)
}

func packWinogradWith(ks *kernelSet, w []float32, m, c int) *Winograd {
	if m < 1 || c < 1 || len(w) < 9*m*c {
		panic(fmt.Sprintf("gemm: PackWinograd of %d×%d×3×3 from %d values", m, c, len(w)))
	}
	g := [6][3]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
	u := make([][]float32, 36)
	for xi := range u {
		u[xi] = make([]float32, m*c)
	}
	for o := range m {
		for ci := range c {
			f := w[(o*c+ci)*9 : (o*c+ci)*9+9]
			// t = G f (6×3), then t Gᵀ (6×6).
			var t [6][3]float64
			for i := range 6 {
				for j := range 3 {
					for l := range 3 {
						t[i][j] += g[i][l] * float64(f[l*3+j])
					}
				}
			}
			for i := range 6 {
				for k := range 6 {
					var s float64
					for j := range 3 {
						s += t[i][j] * g[k][j]
					}
					u[6*i+k][o*c+ci] = float32(s)
				}
			}
		}
	}
	p := &Winograd{m: m, c: c}
	for xi := range p.u {
		p.u[xi] = packWith(ks, u[xi], m, c)
	}
	return p
}

// M is the number of output channels, C the number of input channels.
func (p *Winograd) M() int { return p.m }

// C is the number of input channels.
func (p *Winograd) C() int { return p.c }

// WinogradTiles returns the number of 4×4 output tiles of the convolution g
// (⌈OH/4⌉·⌈OW/4⌉, numbered row by row): the columns [Winograd.ConvTile]
// splits its work by.
func WinogradTiles(g Conv) int {
	return (g.OH() + wgTile - 1) / wgTile * ((g.OW() + wgTile - 1) / wgTile)
}

// WinogradScratchSize is the scratch [Winograd.ConvTile] needs for c input
// channels and an output w pixels wide: the transformed inputs of a block
// of 48 tiles (36·(48c+16) floats), the 36 products of 64 output channels
// (36·64·48 + 16), the transforms' buffer and the GEMM's scratch.
func WinogradScratchSize(c, w int) int {
	return 36*wgLDV(c) + wgMoLen + wgBufLen(w) + ScratchSize(c)
}

// wgLDV is the distance between the transformed inputs' 36 planes (c rows
// of wgBlock tiles each), with 16 floats to spare for the assembly kernel's
// whole-vector stores.
func wgLDV(c int) int { return c*wgBlock + 16 }

// wgBufLen is the length of the transforms' buffer for an output w pixels
// wide: 6 padded rows of wgPitch(w) floats (Go), or the assembly kernels'
// rows and tables (wgAsmBufLen floats).
func wgBufLen(w int) int { return max(wgAlpha*wgPitch(w), wgAsmBufLen) }

// wgAsmBufLen bounds what the assembly kernels keep in the buffer (checked
// in winograd_amd64.go).
const wgAsmBufLen = 6144

// wgPitch is the length of a padded input row: 4 columns per tile for a
// whole number of 16-tile vectors, plus 16 more for the last one's right
// neighbours (the assembly kernel reads them; they are zero).
func wgPitch(w int) int {
	tw := (w + wgTile - 1) / wgTile
	return wgTile*((tw+15)/16*16) + 16
}

// ConvTile computes output channels [m0, m1) of tiles [t0, t1) of the
// convolution g (3×3, stride 1, any padding) of the image src
// (g.C×g.H×g.W): for output pixel (y, x) of channel i, inside the tiles,
//
//	c[i·ldc + y·OW + x] = act(bias[i] + Σ_{ci,ky,kx} w[i][ci][ky][kx]·src[ci][y+ky−top][x+kx−left])
//
// with act = max(·, 0) if relu, bias nil meaning zero: the same values as
// [Packed.ConvTile] up to rounding. Tiles are numbered row by row
// ([WinogradTiles]); pixels of edge tiles outside the output are not
// written. Every element is computed by one fixed sequence of operations,
// so disjoint tile and channel ranges may run on different goroutines and
// the result is bit-identical whatever the split. scratch must hold
// WinogradScratchSize(g.C, g.OW()) values and belong to the calling
// goroutine; ConvTile does not allocate. It panics if g is not a 3×3
// stride-1 convolution with p.C() input channels or a slice is too short.
func (p *Winograd) ConvTile(c []float32, ldc int, src []float32, g Conv, t0, t1, m0, m1 int, bias []float32, relu bool, scratch []float32) {
	g.check(len(src))
	oh, ow := g.OH(), g.OW()
	nt := WinogradTiles(g)
	switch {
	case g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.C != p.c:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile of a %+v convolution with %d×%d×3×3 weights", g, p.m, p.c))
	case t0 < 0 || t1 < t0 || t1 > nt || m0 < 0 || m1 < m0 || m1 > p.m || ldc < oh*ow:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile tiles [%d, %d) of %d, rows [%d, %d) of %d, ldc %d < %d", t0, t1, nt, m0, m1, p.m, ldc, oh*ow))
	case m0 < m1 && t0 < t1 && len(c) < (m1-1)*ldc+oh*ow:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile: C of %d values for rows [%d, %d), ldc %d", len(c), m0, m1, ldc))
	case bias != nil && len(bias) < m1:
		panic(fmt.Sprintf("gemm: %d bias values for rows [%d, %d)", len(bias), m0, m1))
	case len(scratch) < WinogradScratchSize(g.C, ow):
		panic(fmt.Sprintf("gemm: scratch of %d values, want WinogradScratchSize(%d, %d) = %d", len(scratch), g.C, ow, WinogradScratchSize(g.C, ow)))
	}
	if m0 == m1 || t0 == t1 {
		return
	}
	C := p.c
	ldv := wgLDV(C)
	v, rest := scratch[:36*ldv], scratch[36*ldv:]
	mo, rest := rest[:wgMoLen], rest[wgMoLen:]
	buf, gs := rest[:wgBufLen(ow)], rest[wgBufLen(ow):]
	for b0 := t0; b0 < t1; b0 += wgBlock {
		b1 := min(b0+wgBlock, t1)
		nb := b1 - b0
		// Input transform: V_ξ[ci][t−b0], ξ-major, ldv apart.
		wgIn(v, ldv, src, g, b0, b1, buf)
		// Per group of wgMB output channels: 36 GEMMs into mo (ξ-major,
		// wgMB×wgBlock each), then the output transform.
		for ma := m0; ma < m1; ma += wgMB {
			mb := min(ma+wgMB, m1)
			for xi := range 36 {
				src := bsource{b: v[xi*ldv:], ldb: wgBlock}
				p.u[xi].mul(mo[xi*wgMB*wgBlock:], wgBlock, ma, &src, 0, nb, ma, mb, nil, false, nil, 0, gs)
			}
			var bs []float32
			if bias != nil {
				bs = bias[ma:mb]
			}
			wgOut(c[ma*ldc:], ldc, oh, ow, b0, b1, mo, mb-ma, bs, relu, buf)
		}
	}
}

// fillRows copies the 6 input rows of tile row ty, columns of tiles
// [tx, tx+n), into rows (pitch apart), zero where they fall into the
// padding, and zero to the end of each row's 16-tile vectors.
func fillRows(rows []float32, pitch int, plane []float32, g Conv, ty, tx, n int) {
	x0 := wgTile*tx - g.Pad[1] // image column of rows[r][0]
	span := wgTile*((n+15)/16*16) + 16
	for r := range wgAlpha {
		d := rows[r*pitch : r*pitch+span]
		y := wgTile*ty - g.Pad[0] + r
		if y < 0 || y >= g.H {
			clear(d)
			continue
		}
		row := plane[y*g.W : (y+1)*g.W]
		lo := min(max(-x0, 0), span)     // first column inside the image
		hi := max(min(g.W-x0, span), lo) // end of the columns inside
		clear(d[:lo])
		copy(d[lo:hi], row[x0+lo:x0+hi])
		clear(d[hi:])
	}
}

// wgInGo is the input transform of n tiles of one tile row: rows holds the
// 6×(4n+2) patch columns (pitch apart); v[ξ·ldv + t] = (Bᵀ d_t B)[ξ] for
// tile t < n, ξ = 6i + k. Vertical pass first (over the 6 rows), then
// horizontal; the operations are those of the assembly kernel, in order.
func wgInGo(v []float32, ldv int, rows []float32, pitch, n int) {
	w := wgTile*n + 2
	var col [wgAlpha][]float32 // col[i][x]: vertical transform of column x
	var buf [wgAlpha * (wgTile*wgBlock + 2)]float32
	for i := range wgAlpha {
		col[i] = buf[i*(wgTile*wgBlock+2) : i*(wgTile*wgBlock+2)+w]
	}
	for x := range w {
		var d [6]float32
		for r := range 6 {
			d[r] = rows[r*pitch+x]
		}
		u := bt(d)
		for i := range 6 {
			col[i][x] = u[i]
		}
	}
	for i := range wgAlpha {
		for t := range n {
			u := bt([6]float32(col[i][wgTile*t : wgTile*t+6]))
			for k := range 6 {
				v[(6*i+k)*ldv+t] = u[k]
			}
		}
	}
}

// bt is Bᵀ d: float32(5*x) is rounded before the subtraction (the
// assembly multiplies, then subtracts); the other products are by powers of
// two, exact, so fused or not they round once.
func bt(d [6]float32) [6]float32 {
	p, q := d[1]+d[2], d[3]+d[4]
	r, s := d[1]-d[2], d[4]-d[3]
	e, f := d[3]-d[1], d[4]-d[2]
	return [6]float32{
		(d[4] - float32(5*d[2])) + 4*d[0],
		q - 4*p,
		s + 4*r,
		f + 2*e,
		f - 2*e,
		(d[5] - float32(5*d[3])) + 4*d[1],
	}
}

// at is Aᵀ m (4 values from 6).
func at(m [6]float32) [4]float32 {
	a, b := m[1]+m[2], m[1]-m[2]
	c, d := m[3]+m[4], m[3]-m[4]
	return [4]float32{(m[0] + a) + c, b + 2*d, a + 4*c, (b + 8*d) + m[5]}
}

// wgOutGo is the output transform of n tiles of tile row ty, starting at
// tile column tx: the 36 products of tile t are mo[ξ·ldm + t]; it writes
// act(bias + (Aᵀ M A)[a][b]) to out[(4ty+a)·ow + 4(tx+t)+b] where that is
// inside the oh×ow output. Vertical pass first, then horizontal; the
// operations are those of the assembly kernel, in order.
func wgOutGo(out []float32, ow, oh, ty, tx int, mo []float32, ldm, n int, bias float32, relu bool) {
	for t := range n {
		var s [4][6]float32
		for k := range 6 {
			var m [6]float32
			for i := range 6 {
				m[i] = mo[(6*i+k)*ldm+t]
			}
			u := at(m)
			for a := range 4 {
				s[a][k] = u[a]
			}
		}
		for a := range 4 {
			y := wgTile*ty + a
			if y >= oh {
				break
			}
			u := at(s[a])
			for b := range 4 {
				x := wgTile*(tx+t) + b
				if x >= ow {
					break
				}
				val := u[b] + bias
				if relu && val < 0 {
					val = 0
				}
				out[y*ow+x] = val
			}
		}
	}
}

// wgIn and wgOut are the transforms of a block of tiles: the Go ones here,
// the assembly ones on AVX-512 (winograd_amd64.go).
var (
	wgIn  = wgInBlock
	wgOut = wgOutBlock
)

// wgInBlock is the input transform of tiles [b0, b1) (≤ wgBlock), every
// channel: v[ξ·ldv + ci·wgBlock + t−b0]. buf holds wgBufLen(OW) values.
func wgInBlock(v []float32, ldv int, src []float32, g Conv, b0, b1 int, buf []float32) {
	pitch := wgPitch(g.OW())
	tw := (g.OW() + wgTile - 1) / wgTile
	for t := b0; t < b1; {
		ty, tx := t/tw, t%tw
		n := min(tw-tx, b1-t)
		for ci := range g.C {
			fillRows(buf, pitch, src[ci*g.H*g.W:(ci+1)*g.H*g.W], g, ty, tx, n)
			wgInGo(v[ci*wgBlock+t-b0:], ldv, buf, pitch, n)
		}
		t += n
	}
}

// wgOutBlock is the output transform of tiles [b0, b1) for nm output
// channels: channel i's products are mo[ξ·wgMB·wgBlock + i·wgBlock + t−b0],
// its output c[i·ldc + y·ow + x], its bias bias[i] (bias nil: zero).
func wgOutBlock(c []float32, ldc, oh, ow, b0, b1 int, mo []float32, nm int, bias []float32, relu bool, buf []float32) {
	tw := (ow + wgTile - 1) / wgTile
	for t := b0; t < b1; {
		ty, tx := t/tw, t%tw
		n := min(tw-tx, b1-t)
		for i := range nm {
			var b float32
			if bias != nil {
				b = bias[i]
			}
			wgOutGo(c[i*ldc:i*ldc+oh*ow], ow, oh, ty, tx, mo[i*wgBlock+t-b0:], wgMB*wgBlock, n, b, relu)
		}
		t += n
	}
}
