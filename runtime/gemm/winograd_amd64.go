//go:build amd64 && !purego

package gemm

// The AVX-512 Winograd transform kernels (winograd_amd64.s, written by
// mkwino.go): 16 tiles at a time, looping over the channels inside,
// bit-identical to wgInRun and wgOutRun.

//go:noescape
func wgIn16(v *float32, ldv int, img *float32, cstride int, nc int, seg *wgInSeg, nch int, last int, tmp *float32)

//go:noescape
func wgOut16(c *float32, ldc int, mo *float32, nm int, bias *float32, bstep int, relu int, ch *wgOutChunk, nch int, tmp *float32, ow int)

// wgInSeg tells wgIn16 where a run's 6 input rows are: the byte offset of
// each row's first column (image column 4·tx − left, maybe negative) from
// its channel's plane, and which lanes of each 16 columns lie inside the
// image (none for rows outside it).
type wgInSeg struct {
	off  [6]int64
	mask [6][4*wgBlock/16 + 1]uint16
}

// wgOutChunk is one chunk of ≤ 16 tiles for wgOut16: byte offsets of its
// products and of its first output pixel, the output rows inside the image
// and the lanes of each 16 output columns inside it.
type wgOutChunk struct {
	mo, out, rows int32
	mask          [4]uint16
	_             uint32
}

func init() {
	if hasAVX512() {
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

// wgInAsm is wgInRun on wgIn16.
func wgInAsm(v []float32, ldv int, src []float32, g Conv, ty, tx, n int, buf []float32) {
	nch := (n + 15) / 16
	if len(v) < 35*ldv+(g.C-1)*wgBlock+n || len(buf) < wgAlpha*(wgTile*wgBlock+16) || g.C*g.H*g.W >= 1<<31 {
		panic("gemm: wgIn16 bounds")
	}
	var s wgInSeg
	x0 := wgTile*tx - g.Pad[1]
	var cols [len(s.mask[0])]uint16
	for q := range 4*nch + 1 {
		lo := x0 + 16*q // image column of lane 0
		cols[q] = span(-lo, g.W-lo)
	}
	for r := range wgAlpha {
		if y := wgTile*ty - g.Pad[0] + r; y >= 0 && y < g.H {
			s.off[r] = int64(4 * (y*g.W + x0))
			s.mask[r] = cols
		}
	}
	wgIn16(&v[0], ldv, &src[0], g.H*g.W, g.C, &s, nch, 1<<(n-16*(nch-1))-1, &buf[0])
}

// wgOutAsm is wgOutRun on wgOut16.
func wgOutAsm(c []float32, ldc, oh, ow, ty, tx, n int, mo []float32, nm int, bias []float32, relu bool, buf []float32) {
	nch := (n + 15) / 16
	rows := min(wgTile, oh-wgTile*ty)
	cols := min(wgTile*n, ow-wgTile*tx) // output columns from 4·tx
	if len(c) < (nm-1)*ldc+(wgTile*ty+rows-1)*ow+wgTile*tx+cols || len(mo) < 35*wgMB*wgBlock+(nm-1)*wgBlock+16*nch ||
		len(buf) < 24*16 || (nm-1)*ldc+oh*ow >= 1<<29 || (bias != nil && len(bias) < nm) {
		panic("gemm: wgOut16 bounds")
	}
	var ch [wgBlock / 16]wgOutChunk
	for j := range nch {
		ch[j] = wgOutChunk{mo: int32(64 * j), out: int32(4 * (wgTile*ty*ow + wgTile*tx + 64*j)), rows: int32(rows)}
		for q := range 4 {
			ch[j].mask[q] = span(0, cols-64*j-16*q)
		}
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
	wgOut16(&c[0], ldc, &mo[0], nm, bp, bstep, r, &ch[0], nch, &buf[0], ow)
}
