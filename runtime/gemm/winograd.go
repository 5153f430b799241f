package gemm

import "fmt"

// Winograd convolution F(t×t, 3×3), t = 4 or 2 (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2015) for 3×3 stride-1
// convolutions: the output is cut into t×t tiles; each reads an α×α patch d
// (α = t+2) of every input channel, and
//
//	Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
//
// so a tile costs α² multiply-adds per input and output channel instead of
// 9t² (36 for 144, 16 for 36): the α² element-wise products summed over
// channels are α² GEMMs U_ξ (M×C) · V_ξ (C×tiles), ξ = α·i + k, run by the
// micro-kernels of this package. U = G g Gᵀ is computed once, at load
// time; V = Bᵀ d B (the input transform) and Aᵀ M A (the output transform)
// are the kernels of this file (assembly on AVX-512, Go elsewhere). For
// F(4×4, 3×3) the points are 0, ±1, ±2 and ∞:
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

// Winograd holds a 3×3 convolution's weights transformed for F(t×t, 3×3),
// t = 4 or 2 (see [PackWinograd]): α² = 36 or 16 packed M×C matrices U_ξ
// (α = t + 2). It is read-only once packed.
type Winograd struct {
	m, c int
	t    int // output tile size: 4 or 2
	u    []*Packed
}

// Blocking of the Winograd convolution.
const (
	// wgBlock is the most tiles one GEMM block takes: the widest
	// micro-kernel's panel (48 columns).
	wgBlock = 48
	// wgMB is the output channels transformed per GEMM round: the α²
	// products of wgMB rows × wgBlock tiles (≤ 432 KiB) stay in L2 for the
	// output transform.
	wgMB = 64
	// wgMoLen is the products' buffer (for α = 6), with 16 floats more:
	// the assembly output transform reads whole vectors of 16 tiles.
	wgMoLen = 36*wgMB*wgBlock + 16
)

// The transforms of F(2×2, 3×3), points 0, ±1, ∞ (all exact but the sums):
//
//	Bᵀ = ⎡1  0 −1  0⎤   G = ⎡ 1    0    0 ⎤   Aᵀ = ⎡1  1  1  0⎤
//	     ⎢0  1  1  0⎥       ⎢1/2  1/2  1/2⎥        ⎣0  1 −1 −1⎦
//	     ⎢0 −1  1  0⎥       ⎢1/2 −1/2  1/2⎥
//	     ⎣0  1  0 −1⎦       ⎣ 0    0    1 ⎦
var (
	wgG4 = [][3]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
	wgG2 = [][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
)

// PackWinograd transforms and packs the weights w (m×c×3×3, row-major, as
// for [Pack] with k = 9c) for [Winograd.ConvTile] with output tiles of
// tile×tile pixels: 4 (F(4×4, 3×3): 36 products a tile, 2.25–4× fewer
// multiply-adds than the direct convolution) or 2 (F(2×2, 3×3): 16
// products, 2.25× fewer, transformed weights 1.8× the direct ones instead
// of 4×, smaller error). The transform G g Gᵀ is computed in float64 and
// rounded once, straight into the packed matrices. It panics if tile is
// neither or len(w) < 9·m·c.
func PackWinograd(w []float32, m, c, tile int) *Winograd {
	return packWinogradWith(best, w, m, c, tile, nil)
}

// PackWinogradScaled is PackWinograd of the weights with output channel i
// scaled: float32(float64(w)·float64(scale[i])), rounded before the
// transform, as [PackScaled] scales them. scale nil is PackWinograd.
func PackWinogradScaled(w []float32, m, c, tile int, scale []float32) *Winograd {
	return packWinogradWith(best, w, m, c, tile, scale)
}

func packWinogradWith(ks *kernelSet, w []float32, m, c, tile int, scale []float32) *Winograd {
	if m < 1 || c < 1 || len(w) < 9*m*c || tile != 2 && tile != 4 || scale != nil && len(scale) < m {
		panic(fmt.Sprintf("gemm: PackWinograd of %d×%d×3×3 from %d values, tiles %d, %d scales", m, c, len(w), tile, len(scale)))
	}
	g := wgG4
	if tile == 2 {
		g = wgG2
	}
	al := tile + 2
	p := &Winograd{m: m, c: c, t: tile, u: make([]*Packed, al*al)}
	for xi := range p.u {
		p.u[xi] = newPacked(ks, m, c)
	}
	for o := range m {
		for ci := range c {
			var f [9]float64
			scaledKernel(f[:], w[(o*c+ci)*9:], scale, o)
			// t = G f (α×3), then t Gᵀ (α×α), into U_ξ[o][ci].
			var t [6][3]float64
			for i := range al {
				for j := range 3 {
					for l := range 3 {
						t[i][j] += g[i][l] * f[l*3+j]
					}
				}
			}
			for i := range al {
				for k := range al {
					var s float64
					for j := range 3 {
						s += t[i][j] * g[k][j]
					}
					p.u[al*i+k].set(o, ci, float32(s))
				}
			}
		}
	}
	return p
}

// scaledKernel sets f to the len(f) weights at w, scaled as [PackScaled]
// scales row o (float32(float64(w)·float64(scale[o])); scale nil: as they
// are), in float64 for a transform.
func scaledKernel(f []float64, w, scale []float32, o int) {
	for l, v := range w[:len(f)] {
		if scale != nil {
			v = float32(float64(v) * float64(scale[o]))
		}
		f[l] = float64(v)
	}
}

// M is the number of output channels.
func (p *Winograd) M() int { return p.m }

// C is the number of input channels.
func (p *Winograd) C() int { return p.c }

// Tile is the output tile size, 4 or 2.
func (p *Winograd) Tile() int { return p.t }

// WinogradTiles returns the number of tile×tile output tiles of the
// convolution g (⌈OH/tile⌉·⌈OW/tile⌉, numbered row by row): the columns
// [Winograd.ConvTile] splits its work by.
func WinogradTiles(g Conv, tile int) int {
	return (g.OH() + tile - 1) / tile * ((g.OW() + tile - 1) / tile)
}

// WinogradScratchSize is the scratch [Winograd.ConvTile] needs for c input
// channels, an output w pixels wide and tiles of tile×tile: the
// transformed inputs of a block of 48 tiles (α²·(48c+16) floats), the α²
// products of 64 output channels (36·64·48 + 16), the transforms' buffer
// and the GEMM's scratch.
func WinogradScratchSize(c, w, tile int) int {
	al := tile + 2
	return al*al*wgLDV(c) + wgMoLen + wgBufLen(w, tile) + ScratchSize(c)
}

// wgLDV is the distance between the transformed inputs' α² planes (c rows
// of wgBlock tiles each), with 16 floats to spare for the assembly kernel's
// whole-vector stores.
func wgLDV(c int) int { return c*wgBlock + 16 }

// wgBufLen is the length of the transforms' buffer for an output w pixels
// wide: α padded rows of wgPitch floats (Go), or the assembly kernels'
// rows and tables (wgAsmBufLen floats).
func wgBufLen(w, tile int) int { return max((tile+2)*wgPitch(w, tile), wgAsmBufLen) }

// wgAsmBufLen bounds what the assembly kernels keep in the buffer (checked
// in winograd_amd64.go).
const wgAsmBufLen = 6144

// wgPitch is the length of a padded input row: tile columns per tile for
// a whole number of 16-tile vectors, plus 16 more for the last one's right
// neighbours.
func wgPitch(w, tile int) int {
	tw := (w + tile - 1) / tile
	return tile*((tw+15)/16*16) + 16
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
	nt := WinogradTiles(g, p.t)
	switch {
	case g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.C != p.c:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile of a %+v convolution with %d×%d×3×3 weights", g, p.m, p.c))
	case t0 < 0 || t1 < t0 || t1 > nt || m0 < 0 || m1 < m0 || m1 > p.m || ldc < oh*ow:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile tiles [%d, %d) of %d, rows [%d, %d) of %d, ldc %d < %d", t0, t1, nt, m0, m1, p.m, ldc, oh*ow))
	case m0 < m1 && t0 < t1 && len(c) < (m1-1)*ldc+oh*ow:
		panic(fmt.Sprintf("gemm: Winograd.ConvTile: C of %d values for rows [%d, %d), ldc %d", len(c), m0, m1, ldc))
	case bias != nil && len(bias) < m1:
		panic(fmt.Sprintf("gemm: %d bias values for rows [%d, %d)", len(bias), m0, m1))
	case len(scratch) < WinogradScratchSize(g.C, ow, p.t):
		panic(fmt.Sprintf("gemm: scratch of %d values, want WinogradScratchSize(%d, %d, %d) = %d", len(scratch), g.C, ow, p.t, WinogradScratchSize(g.C, ow, p.t)))
	}
	if m0 == m1 || t0 == t1 {
		return
	}
	C, nx := p.c, len(p.u)
	ldv := wgLDV(C)
	v, rest := scratch[:nx*ldv], scratch[nx*ldv:]
	mo, rest := rest[:wgMoLen], rest[wgMoLen:]
	buf, gs := rest[:wgBufLen(ow, p.t)], rest[wgBufLen(ow, p.t):]
	for b0 := t0; b0 < t1; b0 += wgBlock {
		b1 := min(b0+wgBlock, t1)
		nb := b1 - b0
		// Input transform: V_ξ[ci][t−b0], ξ-major, ldv apart.
		wgIn(p.t, v, ldv, src, g, b0, b1, buf)
		// Per group of wgMB output channels: 36 GEMMs into mo (ξ-major,
		// wgMB×wgBlock each), then the output transform.
		for ma := m0; ma < m1; ma += wgMB {
			mb := min(ma+wgMB, m1)
			for xi := range nx {
				src := bsource{b: v[xi*ldv:], ldb: wgBlock}
				p.u[xi].mul(mo[xi*wgMB*wgBlock:], wgBlock, ma, &src, 0, nb, ma, mb, nil, false, nil, gs)
			}
			var bs []float32
			if bias != nil {
				bs = bias[ma:mb]
			}
			wgOut(p.t, c[ma*ldc:], ldc, oh, ow, b0, b1, mo, mb-ma, bs, relu, buf)
		}
	}
}

// fillRows copies the α input rows of tile row ty, columns of tiles
// [tx, tx+n), into rows (pitch apart), zero where they fall into the
// padding, and zero to the end of each row's 16-tile vectors.
func fillRows(rows []float32, pitch int, plane []float32, g Conv, tile, ty, tx, n int) {
	x0 := tile*tx - g.Pad[1] // image column of rows[r][0]
	span := tile*((n+15)/16*16) + 16
	for r := range tile + 2 {
		d := rows[r*pitch : r*pitch+span]
		y := tile*ty - g.Pad[0] + r
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
// α×(tile·n+2) patch columns (pitch apart); v[ξ·ldv + t] = (Bᵀ d_t B)[ξ]
// for tile t < n, ξ = α·i + k. Vertical pass first (over the α rows), then
// horizontal; the operations are those of the assembly kernel, in order.
func wgInGo(tile int, v []float32, ldv int, rows []float32, pitch, n int) {
	al := tile + 2
	w := tile*n + 2
	bt := bt4
	if tile == 2 {
		bt = bt2
	}
	const maxW = 4*wgBlock + 2
	var buf [6 * maxW]float32 // buf[i·maxW + x]: vertical transform i of column x
	var d [6]float32
	for x := range w {
		for r := range al {
			d[r] = rows[r*pitch+x]
		}
		u := bt(d)
		for i := range al {
			buf[i*maxW+x] = u[i]
		}
	}
	for i := range al {
		for t := range n {
			copy(d[:al], buf[i*maxW+tile*t:])
			u := bt(d)
			for k := range al {
				v[(al*i+k)*ldv+t] = u[k]
			}
		}
	}
}

// bt4 is Bᵀ d for F(4×4, 3×3): float32(5*x) is rounded before the
// subtraction (the assembly multiplies, then subtracts); the other products
// are by powers of two, exact, so fused or not they round once.
func bt4(d [6]float32) [6]float32 {
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

// bt2 is Bᵀ d for F(2×2, 3×3) (4 values of d).
func bt2(d [6]float32) [6]float32 {
	return [6]float32{d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]}
}

// at4 is Aᵀ m for F(4×4, 3×3) (4 values from 6).
func at4(m [6]float32) [4]float32 {
	a, b := m[1]+m[2], m[1]-m[2]
	c, d := m[3]+m[4], m[3]-m[4]
	return [4]float32{(m[0] + a) + c, b + 2*d, a + 4*c, (b + 8*d) + m[5]}
}

// at2 is Aᵀ m for F(2×2, 3×3) (2 values from 4).
func at2(m [6]float32) [4]float32 {
	return [4]float32{(m[0] + m[1]) + m[2], (m[1] - m[2]) - m[3]}
}

// wgOutGo is the output transform of n tiles of tile row ty, starting at
// tile column tx: the α² products of tile t are mo[ξ·ldm + t]; it writes
// act(bias + (Aᵀ M A)[a][b]) to out[(tile·ty+a)·ow + tile·(tx+t)+b] where
// that is inside the oh×ow output. Vertical pass first, then horizontal;
// the operations are those of the assembly kernel, in order.
func wgOutGo(tile int, out []float32, ow, oh, ty, tx int, mo []float32, ldm, n int, bias float32, relu bool) {
	al := tile + 2
	at := at4
	if tile == 2 {
		at = at2
	}
	for t := range n {
		var s [4][6]float32
		for k := range al {
			var m [6]float32
			for i := range al {
				m[i] = mo[(al*i+k)*ldm+t]
			}
			u := at(m)
			for a := range tile {
				s[a][k] = u[a]
			}
		}
		for a := range tile {
			y := tile*ty + a
			if y >= oh {
				break
			}
			u := at(s[a])
			for b := range tile {
				x := tile*(tx+t) + b
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
// channel: v[ξ·ldv + ci·wgBlock + t−b0]. buf holds wgBufLen(OW, tile)
// values.
func wgInBlock(tile int, v []float32, ldv int, src []float32, g Conv, b0, b1 int, buf []float32) {
	pitch := wgPitch(g.OW(), tile)
	tw := (g.OW() + tile - 1) / tile
	for t := b0; t < b1; {
		ty, tx := t/tw, t%tw
		n := min(tw-tx, b1-t)
		for ci := range g.C {
			fillRows(buf, pitch, src[ci*g.H*g.W:(ci+1)*g.H*g.W], g, tile, ty, tx, n)
			wgInGo(tile, v[ci*wgBlock+t-b0:], ldv, buf, pitch, n)
		}
		t += n
	}
}

// wgOutBlock is the output transform of tiles [b0, b1) for nm output
// channels: channel i's products are mo[ξ·wgMB·wgBlock + i·wgBlock + t−b0],
// its output c[i·ldc + y·ow + x], its bias bias[i] (bias nil: zero).
func wgOutBlock(tile int, c []float32, ldc, oh, ow, b0, b1 int, mo []float32, nm int, bias []float32, relu bool, buf []float32) {
	tw := (ow + tile - 1) / tile
	for t := b0; t < b1; {
		ty, tx := t/tw, t%tw
		n := min(tw-tx, b1-t)
		for i := range nm {
			var b float32
			if bias != nil {
				b = bias[i]
			}
			wgOutGo(tile, c[i*ldc:i*ldc+oh*ow], ow, oh, ty, tx, mo[i*wgBlock+t-b0:], wgMB*wgBlock, n, b, relu)
		}
		t += n
	}
}
