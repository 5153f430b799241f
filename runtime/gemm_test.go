package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/inccdev/incc/internal/numtest"
	"github.com/inccdev/incc/runtime/gemm"
	"github.com/inccdev/incc/runtime/ref"
	"github.com/inccdev/incc/runtime/tensor"
)

// TestGridRects checks that every range of items maps to at most three
// disjoint rectangles covering exactly the cells of those items, and that
// all items together cover the output once.
func TestGridRects(t *testing.T) {
	for _, g := range []Grid{
		{N: 1, TileN: 1, Tiles: 1, M: 1000, TileM: 128, Blocks: 8},
		{N: 49, TileN: 48, Tiles: 1, M: 384, TileM: 48, Blocks: 8},
		{N: 196, TileN: 48, Tiles: 4, M: 208, TileM: 112, Blocks: 2},
		{N: 784, TileN: 48, Tiles: 17, M: 64, TileM: 64, Blocks: 1},
		{N: 20, TileN: 16, Tiles: 2, M: 17, TileM: 8, Blocks: 3},
		{N: 361, TileN: 48, Tiles: 8, M: 40, TileM: 24, Blocks: 2, ByRows: true},
		{N: 20, TileN: 16, Tiles: 2, M: 17, TileM: 8, Blocks: 3, ByRows: true},
		{N: 100, TileN: 48, Tiles: 2, M: 30, TileM: 8, Blocks: 4, ByRows: true},
	} {
		owner := func(j, i int) int { // the item computing column j, row i
			tile := min(j/g.TileN, g.Tiles-1)
			if g.ByRows {
				return i/g.TileM*g.Tiles + tile
			}
			return tile*g.Blocks + i/g.TileM
		}
		items := g.Items()
		for lo := 0; lo <= items; lo++ {
			for hi := lo; hi <= items; hi++ {
				rs, n := g.Rects(lo, hi)
				if n > 3 || (lo == hi) != (n == 0) {
					t.Fatalf("%+v: items [%d, %d): %d rectangles", g, lo, hi, n)
				}
				seen := make([]int, g.N*g.M)
				for _, r := range rs[:n] {
					if r.N0 >= r.N1 || r.M0 >= r.M1 || r.N1 > g.N || r.M1 > g.M {
						t.Fatalf("%+v: items [%d, %d): bad rectangle %+v", g, lo, hi, r)
					}
					for j := r.N0; j < r.N1; j++ {
						for i := r.M0; i < r.M1; i++ {
							seen[j*g.M+i]++
						}
					}
				}
				for j := range g.N {
					for i := range g.M {
						it := owner(j, i)
						if want := b2i(it >= lo && it < hi); seen[j*g.M+i] != want {
							t.Fatalf("%+v: items [%d, %d): cell (%d, %d) of item %d covered %d times", g, lo, hi, j, i, it, seen[j*g.M+i])
						}
					}
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestGemmScratchLen checks that one scratch of GemmScratchLen serves every
// reduction length.
func TestGemmScratchLen(t *testing.T) {
	for k := range 5000 {
		if s := gemm.ScratchSize(k); s > GemmScratchLen {
			t.Fatalf("ScratchSize(%d) = %d > GemmScratchLen %d", k, s, GemmScratchLen)
		}
	}
}

// TestConvTiles runs convolutions as generated code does — ConvSource.Load,
// then ConvTile (or MulTile for 1×1) over the rectangles of a Grid split
// among 1 to 3 workers — and compares with ref.Conv2D, and the pieces with one
// call, bit for bit.
func TestConvTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, p := range []ref.Conv2DParams{
		{C: 3, H: 30, W: 30, OutC: 20, KH: 7, KW: 7, SH: 2, SW: 2, Pad: Pad{Top: 3, Left: 3, Bottom: 3, Right: 3}},
		{C: 16, H: 14, W: 14, OutC: 40, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}},
		{C: 32, H: 7, W: 7, OutC: 24, KH: 1, KW: 1, SH: 1, SW: 1},
		{C: 5, H: 9, W: 11, OutC: 9, KH: 2, KW: 3, SH: 3, SW: 1, Pad: Pad{Top: 0, Left: 2, Bottom: 1, Right: 0}},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_k%dx%d_s%d", p.C, p.H, p.W, p.KH, p.KW, p.SH), func(t *testing.T) {
			src, wt, bias := numtest.Rand(rng, p.C*p.H*p.W), numtest.Rand(rng, p.OutC*p.C*p.KH*p.KW), numtest.Rand(rng, p.OutC)
			w := Weights{"w": must(tensor.FromData(wt, p.OutC, p.C*p.KH*p.KW)), "b": must(tensor.FromData(bias, p.OutC))}
			cw, err := (&ConvSource{Weight: "w", Bias: "b", Out: p.OutC, K: p.C * p.KH * p.KW}).Load(w)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, p.OutC*p.OutH()*p.OutW())
			ref.Conv2D(want, src, wt, bias, 1, p)
			n := p.OutH() * p.OutW()
			g := Grid{N: n, TileN: 16, Tiles: max(1, n/16), M: p.OutC, TileM: 8, Blocks: (p.OutC + 7) / 8}
			geom := Conv{C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, SH: p.SH, SW: p.SW, Pad: [4]int{p.Pad.Top, p.Pad.Left, p.Pad.Bottom, p.Pad.Right}}
			direct := p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.Pad == Pad{}
			scratch := make([]float32, GemmScratchLen)
			var first []float32
			for _, workers := range []int{1, 2, 3} {
				got := make([]float32, len(want))
				for id := range workers {
					lo, hi := span(g.Items(), workers, id)
					rs, nr := g.Rects(lo, hi)
					for _, r := range rs[:nr] {
						if direct {
							cw.P.MulTile(got, n, src, n, r.N0, r.N1, r.M0, r.M1, cw.Bias, false, scratch)
						} else {
							cw.P.ConvTile(got, n, src, geom, r.N0, r.N1, r.M0, r.M1, cw.Bias, false, scratch)
						}
					}
				}
				if workers == 1 {
					first = got
					numtest.Close(t, "conv", got, numtest.Float64s(want), 1e-5*float64(p.C*p.KH*p.KW))
				} else if !slices.EqualFunc(got, first, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Errorf("%d workers: not the bits of one", workers)
				}
			}
		})
	}
}
