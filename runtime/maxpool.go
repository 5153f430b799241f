package runtime

import (
	"fmt"
	"math"

	"github.com/inccdev/incc/runtime/ref"
)

// MaxPoolScratch is the scratch [MaxPoolChannels] needs for geometry p.
func MaxPoolScratch(p Pool2DParams) int {
	owp := (p.OutW() + 7) &^ 7
	n := max((p.KH+1)*owp+paddedRowLen(p, owp), (p.H+2)*p.W, p.H*p.OutW()+16)
	if isBordered(&p) {
		// stride2Bordered: the bordered plane, stride2Plane's scratch, and
		// an output with the extra row and column.
		oh2, ow2 := borderedGeom(&p)
		n = max(n, 4*oh2*ow2+2*oh2*ow2+8+oh2*ow2)
	}
	return n
}

// isStride2 reports whether p is a 2×2 or 3×3 stride-2 pool without padding,
// which stride2Plane may compute a whole plane at a time.
func isStride2(p *Pool2DParams) bool {
	return p.KH == p.KW && (p.KH == 2 || p.KH == 3) && p.SH == 2 && p.SW == 2 && p.Pad == Pad{}
}

// isBordered reports whether p is a 3×3 stride-2 pool that stride2Plane
// cannot take as it is (an odd width, or padding: Inception-v3's and -v4's
// pools without padding on odd sizes, Xception's and ResNet's with one
// pixel), which stride2Bordered computes a whole plane at a time.
func isBordered(p *Pool2DParams) bool {
	pd := p.Pad
	return p.KH == 3 && p.KW == 3 && p.SH == 2 && p.SW == 2 && pd.Top <= 1 && pd.Left <= 1 && pd.Bottom <= 1 && pd.Right <= 1 &&
		!(isStride2(p) && p.W%2 == 0 && p.OutW() == p.W/2)
}

// borderedGeom is the plane stride2Bordered pools without padding: the
// input with p.Pad.Top rows of -Inf above and p.Pad.Left columns of -Inf on
// the left, and more -Inf below and on the right up to 2·oh2 rows of 2·ow2
// values, where oh2×ow2 (at least oh×ow) is that pool's output.
func borderedGeom(p *Pool2DParams) (oh2, ow2 int) {
	return max(p.OutH(), (p.H+p.Pad.Top+1)/2), max(p.OutW(), (p.W+p.Pad.Left+1)/2)
}

// stride2Bordered computes one plane of a 3×3 stride-2 max pool
// (isBordered) with stride2Plane's kernels, if it can: on a copy of the
// plane bordered with -Inf (borderedGeom), pooled without padding in ceil
// mode, the rows and columns beyond oh×ow left out. Every window of the
// pool holds a pixel of the image (the padding is at most 1) and a
// window's -Inf changes no result (as in maxPool's row path), so the
// results are MaxPool2D's. scratch holds MaxPoolScratch(p) values; the
// border is written when fresh is set (maxPool's first plane on this path),
// and only the image after that.
func stride2Bordered(out, in []float32, p *Pool2DParams, scratch []float32, fresh bool) bool {
	oh, ow := p.OutH(), p.OutW()
	oh2, ow2 := borderedGeom(p)
	h2, w2 := 2*oh2, 2*ow2
	top, left := p.Pad.Top, p.Pad.Left
	q := Pool2DParams{C: 1, H: h2, W: w2, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}
	if !hasAVX2 || w2 < 8 || q.OutH() != oh2 || q.OutW() != ow2 {
		return false
	}
	pl, rest := scratch[:h2*w2], scratch[h2*w2:]
	if fresh {
		inf := float32(math.Inf(-1))
		for i := range pl {
			pl[i] = inf
		}
	}
	for y := range p.H {
		copy(pl[(y+top)*w2+left:], in[y*p.W:(y+1)*p.W])
	}
	dst := out[:oh*ow]
	if oh2 != oh || ow2 != ow {
		dst = rest[h2*w2/2+8 : h2*w2/2+8+oh2*ow2]
	}
	if !stride2Plane(dst, pl, &q, 0, oh2, rest) {
		return false
	}
	if ow2 != ow || oh2 != oh {
		for y := range oh {
			copy(out[y*ow:(y+1)*ow], dst[y*ow2:])
		}
	}
	return true
}

// isSame reports whether p is a 3×3 stride-1 pool with padding 1 (the output
// has the input's size), which samePlane may compute a whole plane at a
// time.
func isSame(p *Pool2DParams) bool {
	return p.KH == 3 && p.KW == 3 && p.SH == 1 && p.SW == 1 && p.Pad == Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}
}

// paddedRowLen is the length of an input row padded with -Inf for owp
// outputs: the left padding, the row, and on the right whatever the last
// window reads beyond it, plus one value (the stride-2 kernel reads one
// past its last window).
func paddedRowLen(p Pool2DParams, owp int) int {
	return max(p.Pad.Left+p.W, (owp-1)*p.SW+p.KW+1)
}

// MaxPoolChannels computes channels [c0, c1) of the max pooling of one
// image, src (C×H×W) to dst (C×OH×OW), exactly as [MaxPool2D] (the same
// bits, NaN payloads and signed zeros included), with scratch of at least
// [MaxPoolScratch] values. Generated code splits a pool among workers by
// channels. (Splitting by output rows, as the GEMMs around it split their
// pixels, measured 5 % slower at 2 threads: halo rows and twice the calls
// per plane cost more than the locality gains.)
//
// It is separable: the horizontal window maxima of each input row are
// computed once, then each output row is the maximum of its window's rows.
// Taking the maximum row by row, in window order, with [ref.MaxNaN] at every
// step gives what the row-major scan of MaxPool2D gives: the last NaN if
// the window has one, else the first of its largest values. Windows beyond
// the image are clipped (rows are padded with -Inf, which changes no
// result). On amd64 with AVX2 (unless built with -tags purego) it runs in
// SIMD: 3×3 stride-1 pools with padding 1 and 2×2 or 3×3 stride-2 pools
// over whole planes, rows laid end to end, other pools row by row; with
// AVX-512, 3×3 stride-2 pools with at most one pixel of padding above and
// on the left straight from the input (pool3s2Plane). It does not
// allocate.
func MaxPoolChannels(dst, src []float32, p Pool2DParams, c0, c1 int, scratch []float32) {
	maxPool(dst, src, p, c0, c1, 0, p.OutH(), scratch)
}

// maxPool computes output rows [y0, y1) of channels [c0, c1).
func maxPool(dst, src []float32, p Pool2DParams, c0, c1, y0, y1 int, scratch []float32) {
	oh, ow := p.OutH(), p.OutW()
	hw, ohw := p.H*p.W, oh*ow
	if oh < 1 || ow < 1 || c0 < 0 || c1 > p.C || y0 < 0 || y1 > oh || len(src) < p.C*hw || len(dst) < p.C*ohw || len(scratch) < MaxPoolScratch(p) {
		panic(fmt.Sprintf("runtime: maxpool: channels [%d, %d), rows [%d, %d) of %+v: src %d, dst %d, scratch %d values", c0, c1, y0, y1, p, len(src), len(dst), len(scratch)))
	}
	if y0 >= y1 {
		return
	}
	owp := (ow + 7) &^ 7
	ring, rest := scratch[:p.KH*owp], scratch[p.KH*owp:]
	tmp, prow := rest[:owp], rest[owp:owp+paddedRowLen(p, owp)]
	inf := float32(math.Inf(-1))
	prowSet := false // prow's padding is set (the plane paths use the same scratch)
	same, stride2 := isSame(&p), isStride2(&p)
	s2k3 := p.KH == 3 && p.KW == 3 && p.SH == 2 && p.SW == 2
	bordered := isBordered(&p) && y0 == 0 && y1 == oh
	borderSet := false // stride2Bordered's border is in scratch
	for c := c0; c < c1; c++ {
		in := src[c*hw : (c+1)*hw]
		out := dst[c*ohw : (c+1)*ohw]
		if s2k3 && pool3s2Plane(out, in, &p, y0, y1) || same && samePlane(out, in, p.H, p.W, y0, y1, scratch) || stride2 && stride2Plane(out, in, &p, y0, y1, scratch) {
			continue
		}
		if bordered && stride2Bordered(out, in, &p, scratch, !borderSet) {
			borderSet = true
			continue
		}
		next := math.MinInt // input rows below next are in the ring
		for y := y0; y < y1; y++ {
			a := y*p.SH - p.Pad.Top
			b := min(a+p.KH, p.H)
			a = max(a, 0)
			o := out[y*ow : (y+1)*ow]
			if a >= b {
				for x := range o {
					o[x] = inf
				}
				continue
			}
			if !prowSet {
				for i := range prow {
					prow[i] = inf
				}
				prowSet = true
			}
			for iy := max(a, next); iy < b; iy++ {
				s := iy % p.KH
				copy(prow[p.Pad.Left:], in[iy*p.W:(iy+1)*p.W])
				hmax(ring[s*owp:(s+1)*owp], prow, p.SW, p.KW)
				next = iy + 1
			}
			v := o
			if ow < 8 {
				v = tmp
			}
			var rows [3][]float32
			if b-a <= len(rows) {
				for iy := a; iy < b; iy++ {
					s := iy % p.KH
					rows[iy-a] = ring[s*owp : s*owp+len(v)]
				}
				vmax(v, rows[:b-a]...)
			} else {
				s := a % p.KH
				copy(v, ring[s*owp:])
				for iy := a + 1; iy < b; iy++ {
					s := iy % p.KH
					maxAcc(v, ring[s*owp:s*owp+len(v)])
				}
			}
			if ow < 8 {
				copy(o, v)
			}
		}
	}
}

// hmaxGo sets d[x] = MaxNaN-reduce of r[x·sw : x·sw+kw], in order.
func hmaxGo(d, r []float32, sw, kw int) {
	for x := range d {
		w := r[x*sw : x*sw+kw]
		m := w[0]
		for _, v := range w[1:] {
			m = ref.MaxNaN(m, v)
		}
		d[x] = m
	}
}

// vmaxGo sets d[i] to the MaxNaN-reduce of rows[k][i], in order of k.
func vmaxGo(d []float32, rows ...[]float32) {
	copy(d, rows[0])
	for _, r := range rows[1:] {
		maxAccGo(d, r)
	}
}

// maxAccGo sets d[i] = MaxNaN(d[i], s[i]).
func maxAccGo(d, s []float32) {
	s = s[:len(d)]
	for i, v := range s {
		d[i] = ref.MaxNaN(d[i], v)
	}
}
