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
// of a last tile), in item order: the calls a worker makes for its piece
// of a layer. Which rectangles compute an element does not change its
// value (the GEMM sums every element in one fixed order).
func (g *Grid) Rects(lo, hi int) (rs [3]Rect, n int) {
	if lo >= hi {
		return rs, 0
	}
	if g.ByRows {
		return g.rowRects(lo, hi)
	}
	b := g.Blocks
	t0, b0 := lo/b, lo%b
	t1, b1 := hi/b, hi%b // hi is block b1 of tile t1, exclusive
	if t0 == t1 {
		rs[0] = g.rect(t0, t0+1, b0, b1)
		return rs, 1
	}
	if b0 > 0 {
		rs[n] = g.rect(t0, t0+1, b0, b)
		n++
		t0++
	}
	if t0 < t1 {
		rs[n] = g.rect(t0, t1, 0, b)
		n++
	}
	if b1 > 0 {
		rs[n] = g.rect(t1, t1+1, 0, b1)
		n++
	}
	return rs, n
}

// rowRects is Rects of a grid numbered by rows: the rest of a first
// block's tiles, whole blocks, the first tiles of a last block.
func (g *Grid) rowRects(lo, hi int) (rs [3]Rect, n int) {
	t := g.Tiles
	b0, t0 := lo/t, lo%t
	b1, t1 := hi/t, hi%t // hi is tile t1 of block b1, exclusive
	if b0 == b1 {
		rs[0] = g.rect(t0, t1, b0, b0+1)
		return rs, 1
	}
	if t0 > 0 {
		rs[n] = g.rect(t0, t, b0, b0+1)
		n++
		b0++
	}
	if b0 < b1 {
		rs[n] = g.rect(0, t, b0, b1)
		n++
	}
	if t1 > 0 {
		rs[n] = g.rect(0, t1, b1, b1+1)
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
