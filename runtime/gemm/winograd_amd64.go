//go:build amd64 && !purego

package gemm

import (
	"math/bits"
	"unsafe"
)

// The AVX-512 Winograd transform kernels (winograd_amd64.s, written by
// mkwino.go): 16 tiles at a time, looping over the channels inside,
// bit-identical to wgInRun and wgOutRun.

//go:noescape
func wgIn4(v *float32, ldv int, img *float32, cstride int, nc int, segs *wgInSeg, nseg int, chunks *wgInChunk, nchunk int, tmp *float32)

//go:noescape
func wgOut4(c *float32, ldc int, mo *float32, nm int, bias *float32, bstep int, relu int, chunks *wgOutChunk, nchunk int, tmp *float32, ow int)

//go:noescape
func wgIn2(v *float32, ldv int, img *float32, cstride int, nc int, segs *wgInSeg, nseg int, chunks *wgInChunk, nchunk int, tmp *float32)

//go:noescape
func wgOut2(c *float32, ldc int, mo *float32, nm int, bias *float32, bstep int, relu int, chunks *wgOutChunk, nchunk int, tmp *float32, ow int)

// wgInSeg is a run of tiles in one tile row (a segment) for wgIn4 and
// wgIn2: the byte offset of each of its α input rows' first column (image
// column tile·tx − left, maybe negative) from its channel's plane, which lanes of
// each 16 columns lie inside the image (none for rows outside it), the
// byte offset of its first lane's columns in the rows buffer and the
// number of 16-column vectors.
type wgInSeg struct {
	off      [6]int64
	mask     [6][4*wgBlock/16 + 1]uint16
	tpos, nq int32
}

// wgInChunk is 16 lanes for wgIn4 and wgIn2: the real ones (the others are
// phantoms, or beyond the block), whether they are not a prefix (stored
// compressed), the byte offset of the first one's column in v.
type wgInChunk struct {
	mask, comp uint16
	pos        int32
}

// The assembly kernels' part of the transforms' buffer: the input
// kernel's 6 rows (2·wgBlock lanes and a spill of 32 floats each; the
// output kernel's 28 vectors), its segments and chunks, the output
// kernel's chunks.
const (
	wgInRowsLen = 6 * (4*2*wgBlock + 32)
	wgSegsAt    = wgInRowsLen
	wgChunksAt  = wgSegsAt + wgBlock*int(unsafe.Sizeof(wgInSeg{}))/4
	wgOutAt     = wgChunksAt + (2*wgBlock/16)*int(unsafe.Sizeof(wgInChunk{}))/4
	wgAsmEnd    = wgOutAt + (2*wgBlock/16)*int(unsafe.Sizeof(wgOutChunk{}))/4
)

func init() {
	if wgAsmEnd > wgAsmBufLen || unsafe.Sizeof(wgInSeg{}) != 216 || unsafe.Offsetof(wgInSeg{}.tpos) != 204 || unsafe.Sizeof(wgInChunk{}) != 8 ||
		unsafe.Sizeof(wgOutChunk{}) != 16+16*8 || unsafe.Offsetof(wgOutChunk{}.st) != 16 {
		panic("gemm: Winograd tables do not fit the assembly's layout")
	}
	if hasAVX512 {
		wgIn, wgOut = wgInAsm, wgOutAsm
	}
}

// span is the mask of lanes lo ≤ lane < hi of 16, clipped.
func span(lo, hi int) uint16 {
	lo, hi = min(max(lo, 0), 16), min(max(hi, 0), 16)
	if lo >= hi {
		return 0
	}
	return uint16(1<<hi - 1<<lo)
}

// wgInAsm is wgInBlock on wgIn4 or wgIn2.
func wgInAsm(tile int, v []float32, ldv int, src []float32, g Conv, b0, b1 int, buf []float32) {
	al := tile + 2
	if len(v) < (al*al-1)*ldv+g.C*wgBlock+16 || len(buf) < wgAsmEnd || g.C*g.H*g.W >= 1<<31 || b1-b0 > wgBlock {
		panic("gemm: wgIn bounds")
	}
	segs := unsafe.Slice((*wgInSeg)(unsafe.Pointer(&buf[wgSegsAt])), wgBlock)
	chunks := unsafe.Slice((*wgInChunk)(unsafe.Pointer(&buf[wgChunksAt])), 2*wgBlock/16)
	tw := (g.OW() + tile - 1) / tile
	var real [2 * wgBlock]bool
	ns, lanes := 0, 0
	for t := b0; t < b1; {
		ty, tx := t/tw, t%tw
		n := min(tw-tx, b1-t)
		s := &segs[ns]
		*s = wgInSeg{tpos: int32(4 * tile * lanes), nq: int32((tile*n + 2 + 15) / 16)}
		x0 := tile*tx - g.Pad[1]
		var cols [len(s.mask[0])]uint16
		for q := range int(s.nq) {
			lo := x0 + 16*q // image column of lane 0
			cols[q] = span(-lo, g.W-lo)
		}
		for r := range al {
			if y := tile*ty - g.Pad[0] + r; y >= 0 && y < g.H {
				s.off[r] = int64(4 * (y*g.W + x0))
				s.mask[r] = cols
			}
		}
		for i := range n {
			real[lanes+i] = true
		}
		lanes += n + 1 // and a phantom
		ns++
		t += n
	}
	nch, pos := 0, 0
	for c0 := 0; c0 < lanes; c0 += 16 {
		var m uint16
		for l := range 16 {
			if c0+l < len(real) && real[c0+l] {
				m |= 1 << l
			}
		}
		if m == 0 {
			continue // only the last phantom
		}
		comp := uint16(0)
		if m&(m+1) != 0 {
			comp = 1
		}
		chunks[nch] = wgInChunk{mask: m, comp: comp, pos: int32(4 * pos)}
		pos += bits.OnesCount16(m)
		nch++
	}
	if tile == 2 {
		wgIn2(&v[0], ldv, &src[0], g.H*g.W, g.C, &segs[0], ns, &chunks[0], nch, &buf[0])
	} else {
		wgIn4(&v[0], ldv, &src[0], g.H*g.W, g.C, &segs[0], ns, &chunks[0], nch, &buf[0])
	}
}

// wgOutChunk is 16 lanes for wgOut4 and wgOut2: the real ones, whether they are not
// a prefix (their products are loaded compact and spread), the byte offset
// of the first one's products, the most output rows of their tile rows,
// and the stores.
type wgOutChunk struct {
	mask, exp      uint16
	pos, rows, nst int32
	st             [16]wgOutStore
}

// wgOutStore is one masked store of wgOut4 or wgOut2: vector q (16/tile
// lanes × tile columns) under mask at the byte offset off (+ a·ow·4 in output row a <
// rows) from the channel's plane.
type wgOutStore struct {
	off     int32
	mask    uint16
	q, rows uint8
}

// wgOutAsm is wgOutBlock on wgOut4 or wgOut2.
func wgOutAsm(tile int, c []float32, ldc, oh, ow, b0, b1 int, mo []float32, nm int, bias []float32, relu bool, buf []float32) {
	if len(c) < (nm-1)*ldc+oh*ow || len(mo) < wgMoLen || len(buf) < wgAsmEnd || (nm-1)*ldc+oh*ow >= 1<<29 ||
		(bias != nil && len(bias) < nm) || nm > wgMB || b1-b0 > wgBlock {
		panic("gemm: wgOut bounds")
	}
	per := 16 / tile // lanes of an interleaved vector
	chunks := unsafe.Slice((*wgOutChunk)(unsafe.Pointer(&buf[wgOutAt])), 2*wgBlock/16)
	tw := (ow + tile - 1) / tile
	// Lanes: tile (or -1: phantom) of each.
	var lane [2*wgBlock + 16]int
	nl := 0
	for t := b0; t < b1; {
		n := min(tw-t%tw, b1-t)
		for i := range n {
			lane[nl+i] = t + i
		}
		lane[nl+n] = -1
		nl += n + 1
		t += n
	}
	for i := nl; i < len(lane); i++ {
		lane[i] = -1
	}
	nch := 0
	for c0 := 0; c0 < nl; c0 += 16 {
		ch := &chunks[nch]
		*ch = wgOutChunk{}
		first := -1
		for l := range 16 {
			t := lane[c0+l]
			if t < 0 {
				continue
			}
			ch.mask |= 1 << l
			if first < 0 {
				first = t
			}
			ty := t / tw
			ch.rows = max(ch.rows, int32(min(tile, oh-tile*ty)))
		}
		if first < 0 {
			continue
		}
		if ch.mask&(ch.mask+1) != 0 {
			ch.exp = 1
		}
		ch.pos = int32(4 * (first - b0))
		// Stores: per vector q, per tile row among its lanes.
		for q := range tile {
			for l := per * q; l < per*q+per; {
				t := lane[c0+l]
				if t < 0 {
					l++
					continue
				}
				ty := t / tw
				st := wgOutStore{q: uint8(q), rows: uint8(min(tile, oh-tile*ty))}
				// Column of float 0 of the vector, as if its lanes were
				// tiles of row ty next to t's.
				x0 := tile*(t%tw) - tile*(l-per*q)
				st.off = int32(4 * (tile*ty*ow + x0))
				for ; l < per*q+per && lane[c0+l] >= 0 && lane[c0+l]/tw == ty; l++ {
					x := tile * (lane[c0+l] % tw)
					st.mask |= span(0, ow-x) & (1<<tile - 1) << (tile * (l - per*q))
				}
				ch.st[ch.nst] = st
				ch.nst++
			}
		}
		nch++
	}
	var zero float32
	bp, bstep := &zero, 0
	if bias != nil {
		bp, bstep = &bias[0], 4
	}
	r := 0
	if relu {
		r = 1
	}
	if tile == 2 {
		wgOut2(&c[0], ldc, &mo[0], nm, bp, bstep, r, &chunks[0], nch, &buf[0], ow)
	} else {
		wgOut4(&c[0], ldc, &mo[0], nm, bp, bstep, r, &chunks[0], nch, &buf[0], ow)
	}
}
