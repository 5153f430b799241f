package runtime

import "fmt"

// AvgPoolScratch is the scratch [AvgPoolChannels] needs for geometry p: a
// zero-padded copy of one plane, for a padded pool of horizontal stride 1,
// and for a stride-1 pool a plane's window sums and their divisors.
func AvgPoolScratch(p Pool2DParams) int {
	if p.SW != 1 {
		return 0
	}
	plane := (p.H + p.Pad.Top + p.Pad.Bottom) * (p.W + p.Pad.Left + p.Pad.Right)
	n := 0
	if p.Pad != (Pad{}) {
		n = plane
	}
	if p.SH == 1 {
		n += 2 * plane
	}
	return n
}

// AvgPoolChannels computes channels [c0, c1) of the average pooling p of
// one image (src p.C×p.H×p.W, dst p.C×OutH×OutW), as [AvgPool2D] does, bit
// for bit: each window's values summed in row-major order from zero,
// divided once by the window clipped to the padded input. Cells whose
// window lies inside the padded input are summed over the whole window of
// a zero-padded copy of the plane (scratch, [AvgPoolScratch] values): a
// sum started from +0 is never −0, so adding the padding's zeros changes
// no bit. With p.ExcludePad the cells whose window reaches into the padding
// are divided by the cells of the image they cover instead. For stride-1
// pools whole windows are summed in SIMD (amd64, unless built with -tags
// purego): with AVX-512 a plane at a time, its rows laid end to end (64
// cells in four chains, then 16, the last under a mask; the cells whose
// windows wrap onto the next row are computed and dropped), each divided
// by its cell of a table of divisors made once per call (with the padding
// or without); else 8 at a time in AVX2, row by row, the last 8 of a row
// overlapping the ones before, the cells at the edges summed again; other
// cells one by one. Generated code splits a pool among workers by
// channels. It does not allocate.
func AvgPoolChannels(dst, src []float32, p Pool2DParams, c0, c1 int, scratch []float32) {
	oh, ow := p.OutH(), p.OutW()
	hw, ohw := p.H*p.W, oh*ow
	if oh < 1 || ow < 1 || c0 < 0 || c1 > p.C || len(src) < p.C*hw || len(dst) < p.C*ohw || len(scratch) < AvgPoolScratch(p) {
		panic(fmt.Sprintf("runtime: avgpool: channels [%d, %d) of %+v: src %d, dst %d, scratch %d values", c0, c1, p, len(src), len(dst), len(scratch)))
	}
	hp, wp := p.H+p.Pad.Top+p.Pad.Bottom, p.W+p.Pad.Left+p.Pad.Right
	// Output rows [0, yp) and columns [0, xp) have windows inside the
	// padded input.
	yp := min(oh, (hp-p.KH)/p.SH+1)
	xp := min(ow, (wp-p.KW)/p.SW+1)
	padded := p.SW == 1 && p.Pad != (Pad{})
	div := float32(p.KH * p.KW)
	exclude := p.ExcludePad && p.Pad != (Pad{})
	whole := padded || p.Pad == (Pad{}) // else (a padded pool of stride > 1) every cell one by one
	// With AVX-512, a stride-1 pool's whole windows are summed a plane at
	// a time into sums and divided by divs, both laid out as the plane the
	// windows read (rows pw apart).
	var divs, sums []float32
	if avg512 && whole && p.SW == 1 && p.SH == 1 && yp > 0 && xp > 0 {
		pw := p.W // the width of the plane the windows read
		if padded {
			pw = wp
		}
		n := (yp-1)*pw + xp
		divs, sums, scratch = scratch[:n], scratch[n:2*n], scratch[2*n:]
		for i := range divs {
			divs[i] = 1 // the wrapped cells'
		}
		for y := range yp {
			rows := min(y-p.Pad.Top+p.KH, p.H) - max(y-p.Pad.Top, 0)
			for x := range xp {
				d := div
				if exclude {
					ix := x - p.Pad.Left
					d = float32(rows * (min(ix+p.KW, p.W) - max(ix, 0)))
				}
				divs[y*pw+x] = d
			}
		}
	}
	for c := c0; c < c1; c++ {
		in := src[c*hw : (c+1)*hw]
		out := dst[c*ohw : (c+1)*ohw]
		pl, pw := in, p.W // the plane the whole windows read, and its width
		if padded {
			// The padding's zeros are written with the first plane; the
			// others overwrite only the image.
			pl, pw = scratch[:hp*wp], wp
			if c == c0 {
				clear(pl)
			}
			for y := range p.H {
				copy(pl[(p.Pad.Top+y)*wp+p.Pad.Left:], in[y*p.W:(y+1)*p.W])
			}
		}
		if divs != nil {
			avgFlat(sums, pl, divs, pw, p.KH, p.KW)
		}
		for y := range oh {
			o := out[y*ow : (y+1)*ow]
			iy := y*p.SH - p.Pad.Top
			if y >= yp || !whole {
				for x := range ow {
					o[x] = avgCell(in, &p, iy, x)
				}
				continue
			}
			row := pl[y*p.SH*pw:]
			if divs != nil {
				copy(o[:xp], sums[y*pw:])
				for x := xp; x < ow; x++ {
					o[x] = avgCell(in, &p, iy, x)
				}
				continue
			}
			// With the padding left out of the divisor: in the rows whose
			// windows lie inside the image vertically, whole windows are
			// divided by KH·KW but for the cells at the left and right
			// edges, summed again and divided by their cells in the image;
			// in the others every sum is divided by 1 (which changes no
			// bit), then by its window's cells in the image.
			rows := min(iy+p.KH, p.H) - max(iy, 0)
			d := div
			if exclude && rows != p.KH {
				d = 1
			}
			x := 0
			if p.SW == 1 {
				x = avgRow(o[:xp], row, pw, p.KH, p.KW, d)
			}
			for ; x < xp; x++ {
				o[x] = sumWindow(row[x*p.SW:], pw, p.KH, p.KW) / d
			}
			if exclude {
				for x := 0; x < xp; x++ {
					ix := x*p.SW - p.Pad.Left
					cols := min(ix+p.KW, p.W) - max(ix, 0)
					switch {
					case d == 1:
						o[x] /= float32(rows * cols)
					case cols != p.KW:
						o[x] = sumWindow(row[x*p.SW:], pw, p.KH, p.KW) / float32(rows*cols)
					default:
						// An inside cell: on to the first cell of the right
						// edge, if it is further.
						x = max(x, (p.W-p.KW+p.Pad.Left)/p.SW)
					}
				}
			}
			for x := xp; x < ow; x++ {
				o[x] = avgCell(in, &p, iy, x)
			}
		}
	}
}

// sumWindow sums a kh×kw window of a plane pw wide whose top left is r[0],
// in row-major order from zero.
func sumWindow(r []float32, pw, kh, kw int) float32 {
	var s float32
	for ky := range kh {
		for _, v := range r[ky*pw : ky*pw+kw] {
			s += v
		}
	}
	return s
}

// avgCell is cell x of the output row whose windows start at input row iy,
// as AvgPool2D computes it.
func avgCell(in []float32, p *Pool2DParams, iy, x int) float32 {
	y1 := min(iy+p.KH, p.H+p.Pad.Bottom)
	x0 := x*p.SW - p.Pad.Left
	x1 := min(x0+p.KW, p.W+p.Pad.Right)
	div := (y1 - iy) * (x1 - x0)
	if p.ExcludePad {
		div = (min(y1, p.H) - max(iy, 0)) * (min(x1, p.W) - max(x0, 0))
	}
	return SumCell(in, p.W, max(iy, 0), min(y1, p.H), max(x0, 0), min(x1, p.W)) / float32(div)
}
