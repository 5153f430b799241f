//go:build amd64 && !purego

package gemm

import "unsafe"

// Fast im2col packing for the AVX-512 kernel set (pack_amd64.s).
//
// A packed B panel holds rows l = (ci, ky, kx) of the im2col matrix over
// the output pixels j…j+w. Every row reads the same output pixels, shifted
// by (ky, kx) within plane ci; so the panel is described once, by a table
// of runs of ≤ 16 output pixels that stay on one output row, and one
// assembly call packs all its rows: for each row and run it computes which
// lanes fall inside the image (the rest are padding: zero) and moves them
// with masked loads (stride 2: two loads and a permutation) and a masked
// store.

// seg is one run of ≤ 16 output pixels: lanes t < len go to dst + t and
// read input row ry + ky, column rx + kx + t·SW. Runs with ry far below
// zero are zero fill (the columns beyond w).
type seg struct {
	dst, ry, rx int32
	st          uint16 // lanes 0…len-1
	_           uint16
}

// kkSeg is one masked move of ≤ 16 floats for packConvKK: from plane
// offset src (stride 1 or 2) to row offset dst. lo and hi mask the loads of
// the 16 floats at src and the 16 after them (stride 2 reads 2·len-1
// floats), st the store.
type kkSeg struct {
	dst, src   int32
	lo, hi, st uint16
	_          uint16
}

//go:noescape
func packRows1(dst *float32, dstStride int, src *float32, srcStride int, n int, tab *kkSeg, ntab int, nz int)

//go:noescape
func packRows2(dst *float32, dstStride int, src *float32, srcStride int, n int, tab *kkSeg, ntab int, nz int)

// segFloats is the size of a seg in float32 slots of the scratch; rowFloats
// the same for a row's {ky, kx, planeoff, _}.
const (
	segFloats = int(unsafe.Sizeof(seg{})) / 4
	rowFloats = 4
)

//go:noescape
func packIm2col1(dst *float32, dstStride int, rows *int32, nrows int, img *float32, tab *seg, ntab int, h, w int)

//go:noescape
func packIm2col2(dst *float32, dstStride int, rows *int32, nrows int, img *float32, tab *seg, ntab int, h, w int)

// packConvFast is packConv for row strides 1 and 2 and W a multiple of 16;
// it reports false if it cannot handle the case. tabf and rowf are scratch
// for the run table (maxSegs·segFloats floats) and the row list
// (kcMax·rowFloats floats).
func (s *bsource) packConvFast(dst []float32, W, pc, kc, j, w int, tabf, rowf []float32) bool {
	g := &s.g
	if g.SW > 2 || W%16 != 0 || W > maxNR || w < 1 || len(tabf) < maxSegs*segFloats || len(rowf) < kc*rowFloats ||
		len(dst) < kc*W || g.H*g.W*g.C >= 1<<31 {
		return false
	}
	if kc >= 8*g.KH*g.KW {
		// ≥ 8 channels per (ky, kx): one table per (ky, kx), cheaper per row.
		s.packConvKK(dst, W, pc, kc, j, w, tabf)
		return true
	}
	tab := unsafe.Slice((*seg)(unsafe.Pointer(&tabf[0])), maxSegs)
	rows := unsafe.Slice((*int32)(unsafe.Pointer(&rowf[0])), kc*rowFloats)
	// Rows: (ky, kx, offset of plane ci).
	khw, plane := g.KH*g.KW, g.H*g.W
	ci, rem := pc/khw, pc%khw
	ky, kx := rem/g.KW, rem%g.KW
	for l := range kc {
		r := rows[l*rowFloats : l*rowFloats+3]
		r[0], r[1], r[2] = int32(ky), int32(kx), int32(ci*plane)
		if kx++; kx == g.KW {
			kx = 0
			if ky++; ky == g.KH {
				ky = 0
				ci++
			}
		}
	}
	// Runs: cut at output rows and every 16 pixels; then zero fill to W.
	n := 0
	oy, ox := j/s.ow, j%s.ow
	for q := 0; q < w; {
		run := min(s.ow-ox, w-q)
		for t := 0; t < run; t += 16 {
			ln := min(16, run-t)
			tab[n] = seg{dst: int32(q + t), ry: int32(oy*g.SH - g.Pad[0]), rx: int32((ox+t)*g.SW - g.Pad[1]), st: uint16(1<<ln - 1)}
			n++
		}
		q += run
		ox = 0
		oy++
	}
	for q := w; q < W; q += 16 {
		tab[n] = seg{dst: int32(q), ry: -1 << 30, st: uint16(1<<min(16, W-q) - 1)}
		n++
	}
	if g.SW == 1 {
		packIm2col1(&dst[0], W, &rows[0], kc, &s.img[0], &tab[0], n, g.H, g.W)
	} else {
		packIm2col2(&dst[0], W, &rows[0], kc, &s.img[0], &tab[0], n, g.H, g.W)
	}
	return true
}

// maxSegs bounds a table: each run moves ≥ 1 of the w ≤ maxNR columns,
// plus ≤ maxNR/16 zero-fill runs.
const maxSegs = maxNR + maxNR/16

// packConvKK packs the panel one (ky, kx) at a time: a table of masked moves
// of the pixels inside the image (padding is the row's zeroing), applied to
// the rows of every channel by one packRows call.
func (s *bsource) packConvKK(dst []float32, W, pc, kc, j, w int, tabf []float32) {
	g := &s.g
	tab := unsafe.Slice((*kkSeg)(unsafe.Pointer(&tabf[0])), maxSegs)
	khw := g.KH * g.KW
	plane := g.H * g.W
	top, left := g.Pad[0], g.Pad[1]
	oy0, ox0 := j/s.ow, j%s.ow
	for kk := range khw {
		ky, kx := kk/g.KW, kk%g.KW
		// Channels whose row ci·khw + kk lies in [pc, pc+kc).
		ci0 := max(0, (pc-kk+khw-1)/khw)
		ci1 := min(g.C, (pc+kc-1-kk)/khw+1)
		if ci0 >= ci1 {
			continue
		}
		n := 0
		oy, ox := oy0, ox0
		for q := 0; q < w; {
			run := min(s.ow-ox, w-q)
			if iy := oy*g.SH - top + ky; iy >= 0 && iy < g.H {
				// Output t of the run reads ix = base + t·SW; keep 0 ≤ ix < W.
				base := ox*g.SW - left + kx
				t0 := 0
				if base < 0 {
					t0 = (-base + g.SW - 1) / g.SW
				}
				t1 := 0
				if base <= g.W-1 {
					t1 = min(run, (g.W-1-base)/g.SW+1)
				}
				for t := t0; t < t1; t += 16 {
					ln := min(16, t1-t)
					e := &tab[n]
					n++
					e.dst = int32(q + t)
					e.src = int32(iy*g.W + base + t*g.SW)
					e.st = uint16(1<<ln - 1)
					if g.SW == 1 {
						e.lo, e.hi = e.st, 0
					} else {
						span := 2*ln - 1 // floats read
						e.lo = uint16(1<<min(span, 16) - 1)
						e.hi = uint16(1<<max(span-16, 0) - 1)
					}
				}
			}
			q += run
			ox = 0
			oy++
		}
		var tp *kkSeg
		if n > 0 {
			tp = &tab[0]
		}
		d := &dst[(ci0*khw+kk-pc)*W]
		src := &s.img[ci0*plane]
		if g.SW == 1 {
			packRows1(d, khw*W, src, plane, ci1-ci0, tp, n, W/16)
		} else {
			packRows2(d, khw*W, src, plane, ci1-ci0, tp, n, W/16)
		}
	}
}
