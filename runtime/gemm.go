package runtime

import "github.com/inccdev/incc/runtime/gemm"

// This file holds what generated networks use of package gemm: a
// convolution is a GEMM of its packed weights (out channels × C·KH·KW,
// [ConvWeights]) with its input — the image itself for a 1×1 stride-1
// unpadded convolution ([gemm.Packed.MulTile]), else the im2col matrix,
// packed panel by panel straight from the image ([gemm.Packed.ConvTile]) —
// and a fully connected layer is a GEMM with one column. The work of a
// layer is cut into a [Grid] of items that [parallel] splits among the
// workers.

// Conv is the geometry of a convolution as [gemm.Packed.ConvTile] reads its
// input: channels, height and width of the input, window, strides and
// padding (top, left, bottom, right).
type Conv = gemm.Conv

// GemmScratchLen is the scratch each worker passes to the GEMM: enough for
// any reduction length ([gemm.MaxScratchSize] values, 549 KiB).
const GemmScratchLen = gemm.MaxScratchSize

// GemmScratchSize is the scratch each worker passes to the GEMM of layers
// whose reduction length (in·kh·kw) is at most k ([gemm.ScratchSize]; at
// most GemmScratchLen): generated code sizes it by its network's longest.
func GemmScratchSize(k int) int { return gemm.ScratchSize(k) }

// WinogradScratchLen is the scratch a worker passes to a Winograd
// convolution with c input channels, an output w pixels wide and tiles of
// tile×tile pixels ([gemm.WinogradScratchSize]).
func WinogradScratchLen(c, w, tile int) int { return gemm.WinogradScratchSize(c, w, tile) }

// Winograd1DScratchLen is the scratch each worker passes to a 7×1
// convolution in one-dimensional Winograd form of c input and m output
// channels, rows w pixels wide ([gemm.Winograd1DScratchSize]).
func Winograd1DScratchLen(m, c, w int) int { return gemm.Winograd1DScratchSize(m, c, w) }

// Fused is what a GEMM layer computes besides its bias and ReLU
// ([gemm.Fused]): a residual added before the ReLU, a batch norm + ReLU
// applied to its input.
type Fused = gemm.Fused

// Grid cuts the output of a layer's GEMM, M rows (output channels) × N
// columns (output pixels), into work items: Tiles tiles of TileN columns
// (the last tile ends at N, so it may be wider or narrower) times Blocks
// blocks of TileM rows (the last one ends at M). Items are numbered tile
// by tile: item it is block it mod Blocks of tile it / Blocks, so that a
// contiguous range of items covers whole tiles (every row of them) but
// for its ends; with ByRows, block by block: item it is tile it mod Tiles
// of block it / Tiles, a contiguous range covering whole blocks (every
// column of them) but for its ends. Generated code declares one per GEMM
// layer, with constants; N ≥ 1, M ≥ 1 and Tiles·TileN < N + TileN.
type Grid struct {
	N, TileN, Tiles  int
	M, TileM, Blocks int
	ByRows           bool
}

// Items is the number of work items, Tiles·Blocks.
func (g *Grid) Items() int { return g.Tiles * g.Blocks }

// Rect is a rectangle of a GEMM's output: columns [N0, N1) × rows
// [M0, M1).
type Rect struct{ N0, N1, M0, M1 int }

// Rects returns the rectangles that items [lo, hi) of g cover, at most
// three (the rest of a first tile's blocks, whole tiles, the first blocks
// of a last tile; with ByRows, the same of blocks and their tiles), in
// item order: the calls a worker makes for its piece
// of a layer. Which rectangles compute an element does not change its
// value (the GEMM sums every element in one fixed order).
func (g *Grid) Rects(lo, hi int) (rs [3]Rect, n int) {
	if lo >= hi {
		return rs, 0
	}
	// Items run through the blocks of a tile, then the next tile (with
	// ByRows: the tiles of a block, then the next block).
	per := g.Blocks
	rect := g.rect
	if g.ByRows {
		per = g.Tiles
		rect = func(b0, b1, t0, t1 int) Rect { return g.rect(t0, t1, b0, b1) }
	}
	u0, i0 := lo/per, lo%per
	u1, i1 := hi/per, hi%per // hi is item i1 of unit u1, exclusive
	if u0 == u1 {
		rs[0] = rect(u0, u0+1, i0, i1)
		return rs, 1
	}
	if i0 > 0 {
		rs[n] = rect(u0, u0+1, i0, per)
		n++
		u0++
	}
	if u0 < u1 {
		rs[n] = rect(u0, u1, 0, per)
		n++
	}
	if i1 > 0 {
		rs[n] = rect(u1, u1+1, 0, i1)
		n++
	}
	return rs, n
}

// rect is the rectangle of tiles [t0, t1) × blocks [b0, b1).
func (g *Grid) rect(t0, t1, b0, b1 int) Rect {
	r := Rect{N0: t0 * g.TileN, N1: t1 * g.TileN, M0: b0 * g.TileM, M1: min(b1*g.TileM, g.M)}
	if t1 == g.Tiles {
		r.N1 = g.N
	}
	return r
}
