package runtime

import (
	"fmt"
	"math"

	"github.com/inccdev/incc/runtime/ref"
)

// Conv2DParams is the geometry of a convolution of one image
// ([ref.Conv2DParams]).
type Conv2DParams = ref.Conv2DParams

// DepthwiseMaxTaps is the largest kernel (KH·KW) [DepthwiseChannels]
// takes.
const DepthwiseMaxTaps = 64

// dwGeom is the layout of the scratch of [DepthwiseChannels] for one
// geometry: a channel's zero-padded plane (hp rows) with each row cut into
// SW phases of l values (phase q holds the padded columns q, q+SW,
// q+2·SW, …), so that every tap of a row of outputs reads contiguous
// values; then slack values that the 8 lanes of a narrow row may read past
// the plane; then tmp values for the outputs of narrow planes.
type dwGeom struct {
	hp, wp, l, plane, tmp int
}

// dwSlack is what the 8 lanes of the last row of a narrow plane may read
// past the plane (only for lanes that are thrown away).
const dwSlack = 8

func dwLayout(p Conv2DParams) dwGeom {
	var g dwGeom
	g.hp, g.wp = p.H+p.Pad.Top+p.Pad.Bottom, p.W+p.Pad.Left+p.Pad.Right
	g.l = (g.wp + p.SW - 1) / p.SW
	g.plane = g.hp * p.SW * g.l
	if oh, ow := p.OutH(), p.OutW(); ow < 16 {
		g.tmp = max(oh*8, (oh-1)*p.SW*g.l+ow)
	}
	return g
}

// DepthwiseScratch is the scratch (in values) [DepthwiseChannels] needs
// for geometry p.
func DepthwiseScratch(p Conv2DParams) int {
	g := dwLayout(p)
	return g.plane + dwSlack + g.tmp
}

// DepthwiseChannels computes channels [c0, c1) of the depthwise
// convolution p (p.Groups == p.C == p.OutC) of one image, src p.C×p.H×p.W,
// into dst p.C×OutH×OutW: each output is bias[c] (0 if bias is nil) plus
// its window's taps w[c·KH·KW + i·KW + j] · input, summed in
// [ref.Conv2D]'s order (rows i, then columns j), then min(max(v, lo), hi)
// (lo = 0, hi = +Inf: ReLU; lo = 0, hi = 6: ReLU6; ±Inf: none), NaN
// staying NaN. Each channel's plane is copied zero-padded into scratch
// ([DepthwiseScratch] values), a stride-2 row split into its even and odd
// columns (any stride s: s phases), so every tap adds w·(a contiguous run)
// to a row of outputs. On amd64 (unless built with -tags purego) with
// AVX-512, 16 lanes, the last vectors of a row masked, eight vectors
// summed at once (two to four rows); stride-1 planes narrower than 16 as
// one row, through scratch; a 3×3 convolution at stride 1 with one pixel
// of padding all round (MobileNetV2's, Xception's) straight from the input
// planes, without the copy, each input vector loaded once for the rows it
// is a tap of, the taps of rows outside the image left out as ref.Conv2D
// leaves them out. With AVX2 alone, 8 or 32
// outputs at a time, a row's last 8 overlapping the ones before; planes
// narrower than 8 a whole plane (stride 1) or 8 lanes a row at a time,
// through scratch. The taps in the padding add w·0, which ref.Conv2D
// skips: with finite weights the results are ref.Conv2D's, but for the
// sign of a zero sum when the bias is −0. The kernel may have at most
// [DepthwiseMaxTaps] taps; lo and hi are not NaN. Generated code splits a
// convolution among workers by channels. It does not allocate.
func DepthwiseChannels(dst, src, w, bias []float32, p Conv2DParams, lo, hi float32, c0, c1 int, scratch []float32) {
	depthwise(dst, src, w, bias, p, lo, hi, c0, c1, scratch, false)
}

// DepthwiseReLUChannels is [DepthwiseChannels] of max(src, 0): a ReLU
// before the convolution, applied to each channel's plane as it is copied
// to scratch, instead of a pass of its own over src (the ReLU that starts
// each of Xception's blocks). The results are those of DepthwiseChannels
// on [ref.ReLU]'s output.
func DepthwiseReLUChannels(dst, src, w, bias []float32, p Conv2DParams, lo, hi float32, c0, c1 int, scratch []float32) {
	depthwise(dst, src, w, bias, p, lo, hi, c0, c1, scratch, true)
}

func depthwise(dst, src, w, bias []float32, p Conv2DParams, lo, hi float32, c0, c1 int, scratch []float32, relu bool) {
	oh, ow := p.OutH(), p.OutW()
	hw, ohw, kk := p.H*p.W, oh*ow, p.KH*p.KW
	if p.C != p.OutC || max(p.Groups, 1) != p.C || oh < 1 || ow < 1 || p.SH < 1 || p.SW < 1 || kk > DepthwiseMaxTaps ||
		c0 < 0 || c1 > p.C || len(src) < p.C*hw || len(dst) < p.C*ohw || len(w) < p.C*kk || (bias != nil && len(bias) < p.C) ||
		len(scratch) < DepthwiseScratch(p) || lo != lo || hi != hi {
		panic(fmt.Sprintf("runtime: depthwise: channels [%d, %d) of %+v: src %d, dst %d, w %d, bias %d, scratch %d values, clamp [%v, %v]",
			c0, c1, p, len(src), len(dst), len(w), len(bias), len(scratch), lo, hi))
	}
	// The kernels clamp with VMAXPS/VMINPS, which differ from Go's max and
	// min on zeros of opposite signs only if lo is −0 or hi is +0: then the
	// clamp is done here.
	late := math.Float32bits(lo) == 1<<31 || math.Float32bits(hi) == 0
	if !late && dwDirect(dst, src, w, bias, &p, lo, hi, c0, c1, relu) {
		return
	}
	g := dwLayout(p)
	r := p.SW * g.l // a padded row in scratch
	var offs [DepthwiseMaxTaps]int
	for i := range p.KH {
		for j := range p.KW {
			offs[i*p.KW+j] = i*r + j%p.SW*g.l + j/p.SW
		}
	}
	klo, khi := lo, hi
	if late {
		klo, khi = float32(math.Inf(-1)), float32(math.Inf(1))
	}
	pl := scratch[:g.plane+dwSlack]
	tmp := scratch[g.plane+dwSlack : g.plane+dwSlack+g.tmp]
	flat := (oh-1)*r + ow // a stride-1 plane's outputs as one row of r-wide rows
	// Rows narrower than the vectors: a stride-1 plane is then summed as
	// one row (flat), through tmp.
	narrow := dwVector && (ow < 8 || dw512 && ow < 16)
	// The padding's zeros, for every channel.
	clear(pl)
	for c := c0; c < c1; c++ {
		dwFill(pl[:g.plane], src[c*hw:(c+1)*hw], &p, g)
		if relu {
			dwReLU(pl[:g.plane]) // the padding's zeros stay zeros
		}
		out := dst[c*ohw : (c+1)*ohw]
		wk := w[c*kk : (c+1)*kk]
		var b float32
		if bias != nil {
			b = bias[c]
		}
		switch {
		case !narrow:
			dwRows(out, pl, offs[:kk], wk, oh, ow, ow, p.SH*r, b, klo, khi)
		case p.SH == 1 && p.SW == 1 && flat >= 8:
			dwRows(tmp[:flat], pl, offs[:kk], wk, 1, flat, flat, 0, b, klo, khi)
			dwCopyRowsAt(out, tmp, ow, oh, ow, r)
		case dw512:
			dwRows(out, pl, offs[:kk], wk, oh, ow, ow, p.SH*r, b, klo, khi)
		default:
			dwRows(tmp[:oh*8], pl, offs[:kk], wk, oh, 8, 8, p.SH*r, b, klo, khi)
			dwCopyRowsAt(out, tmp, ow, oh, ow, 8)
		}
		if late {
			for i, v := range out {
				out[i] = min(max(v, lo), hi)
			}
		}
	}
}

// dwFill writes the image's values of the zero-padded plane of in into
// pl, each padded row as p.SW phases of g.l values; the padding's places
// are left as they are (DepthwiseChannels clears them once).
func dwFill(pl, in []float32, p *Conv2DParams, g dwGeom) {
	r := p.SW * g.l
	top := pl[p.Pad.Top*r:]
	switch p.SW {
	case 1:
		dwCopyRowsAt(top[p.Pad.Left:], in, p.W, p.H, r, p.W)
	case 2:
		// Input column c is padded column c + Pad.Left: phase
		// (c + Pad.Left) % 2, value (c + Pad.Left) / 2.
		ev, od := p.Pad.Left%2, (p.Pad.Left+1)%2
		dwDeintRowsAt(top[ev*g.l+p.Pad.Left/2:], top[od*g.l+(p.Pad.Left+1)/2:], in, p.W, p.H, r)
	default:
		for y := range p.H {
			row := top[y*r : (y+1)*r]
			src := in[y*p.W : (y+1)*p.W]
			for q := range p.SW {
				// Phase q's value k is the padded column s·k + q, input
				// column s·k + q − Pad.Left: inside the image for k in
				// [k0, k1).
				k0 := 0
				if d := p.Pad.Left - q; d > 0 {
					k0 = (d + p.SW - 1) / p.SW
				}
				k1 := min(g.l, (p.W+p.Pad.Left-q+p.SW-1)/p.SW)
				for k := k0; k < k1; k++ {
					row[q*g.l+k] = src[p.SW*k+q-p.Pad.Left]
				}
			}
		}
	}
}

// dwDeintRowsGo sets, for h rows of w values (s advancing w, ev and od
// ds), ev[k] = s[2k] and od[k] = s[2k+1].
func dwDeintRowsGo(ev, od, s []float32, w, h, ds int) {
	for y := range h {
		row := s[y*w : (y+1)*w]
		for k := 0; 2*k < w; k++ {
			ev[y*ds+k] = row[2*k]
			if 2*k+1 < w {
				od[y*ds+k] = row[2*k+1]
			}
		}
	}
}

// dwCopyRowsGo copies h rows of w values from s (rows ss apart) to d (ds
// apart).
func dwCopyRowsGo(d, s []float32, w, h, ds, ss int) {
	for y := range h {
		copy(d[y*ds:y*ds+w], s[y*ss:y*ss+w])
	}
}

// dwReLUGo sets v = max(v, 0) for the values of pl: ref.ReLU in place.
func dwReLUGo(pl []float32) { ref.ReLU(pl, pl) }

// dwRowsGo computes rows of n outputs, row y at d[y·ds:], from rows of the
// plane s at s[y·ss:]: out[x] = b + Σ_t w[t]·s[y·ss + offs[t] + x], in tap
// order, then min(max(v, lo), hi).
func dwRowsGo(d, s []float32, offs []int, w []float32, rows, n, ds, ss int, b, lo, hi float32) {
	for y := range rows {
		o := d[y*ds : y*ds+n]
		for x := range o {
			o[x] = b
		}
		for t, off := range offs {
			wv := w[t]
			in := s[y*ss+off : y*ss+off+n]
			for x := range o {
				o[x] += wv * in[x]
			}
		}
		for x, v := range o {
			o[x] = min(max(v, lo), hi)
		}
	}
}
