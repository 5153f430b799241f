//go:build amd64 && !purego

package runtime

import (
	"math"

	"golang.org/x/sys/cpu"

	"github.com/inccdev/incc/runtime/ref"
)

// AVX2 row kernels of max pooling (maxpool_amd64.s). Each step is
// MaxNaN(m, v): v where v > m or v is NaN (VCMPPS GT_OQ, VCMPPS UNORD_Q,
// VORPS, VBLENDVPS), so the results are MaxNaN's bits.

// hasAVX2 reports whether the CPU has AVX2 and the OS saves the YMM state
// (golang.org/x/sys/cpu checks XCR0).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// pool512 reports whether pool3s2 can run (AVX-512 F; a variable, which
// the tests turn off to check the AVX2 paths).
var pool512 = hasAVX2 && cpu.X86.HasAVX512F

// pool3s2 is the AVX-512 kernel of pool3s2Plane (maxpool512_amd64.s).
//
//go:noescape
func pool3s2(d, s *float32, m *[10]uint16, w, ow, groups, rows, klast, left int)

// pool3s2Plane computes output rows [y0, y1) of one plane of a 3×3
// stride-2 max pool with at most one pixel of padding above and on the
// left (any on the other sides, any width: Xception's, ResNet's,
// GoogLeNet's and the Inception pools) in AVX-512, if it can, straight
// from the input: each output row is the MaxNaN-reduce of its window's
// rows (at most three, clipped to the image), each of those the
// MaxNaN-reduce of its three columns, in order, which is MaxPool2D's
// row-major scan (see MaxPoolChannels). The kernel runs down strips of 16
// outputs, pooling the input row two output rows share once; values
// beyond the row are -Inf in masked lanes, read from no memory. Without a
// copy of the plane (stride2Bordered's) and per-row fix-ups, it measured
// 2.1–2.9× the speed of the AVX2 paths on Xception's pools, 2.3× on
// ResNet-50's, 1.3× on GoogLeNet's (BenchmarkMaxPool).
func pool3s2Plane(out, in []float32, p *Pool2DParams, y0, y1 int) bool {
	h, w := p.H, p.W
	ow := p.OutW()
	top, left := p.Pad.Top, p.Pad.Left
	groups := (ow + 15) / 16
	// Every window holds a pixel (the last ones start in the image), and
	// the groups between the first and the last read within the row.
	if !pool512 || top > 1 || left > 1 || 2*(ow-1)-left >= w || 2*(p.OutH()-1)-top >= h || groups > 2 && 32*(groups-2)-left+34 > w {
		return false
	}
	lanes := func(c0 int) uint16 { // lanes l < 16 with 0 ≤ c0 + l < w
		lo, hi := max(0, -c0), min(16, w-c0)
		if hi <= lo {
			return 0
		}
		return uint16(1<<hi - 1<<lo)
	}
	var m [10]uint16
	for i, g := range [2]int{0, groups - 1} {
		b := 32*g - left // the input column of the group's first lane
		m[5*i], m[5*i+1], m[5*i+2], m[5*i+3] = lanes(b), lanes(b+16), lanes(b+2), lanes(b+18)
		m[5*i+4] = uint16(1<<min(ow-16*g, 16) - 1)
	}
	y := y0
	if y < y1 && top == 1 && y == 0 { // the first row's window is clipped above
		k := min(2, h)
		_ = in[k*w-1]
		pool3s2(&out[0], &in[0], &m, w, ow, groups, 1, k, left)
		y++
	}
	if y < y1 {
		// Only the image's last row may have fewer than three rows.
		a, n := 2*y-top, y1-y
		last := a + 2*(n-1)
		k := min(3, h-last)
		_, _ = in[(last+k)*w-1], out[y1*ow-1]
		pool3s2(&out[y*ow], &in[a*w], &m, w, ow, groups, n, k, left)
	}
	return true
}

// maxAcc8 is maxAccGo for n values, n a multiple of 8.
//
//go:noescape
func maxAcc8(d, s *float32, n int)

// vmax2, vmax3: d[i] = the max of a[i], b[i] (and c[i]) for i < n, n a
// multiple of 8.
//
//go:noescape
func vmax2(d, a, b *float32, n int)

//go:noescape
func vmax3(d, a, b, c *float32, n int)

// vs2rows is the vertical pass of a k×k stride-2 pool over rows of h (see
// maxpool_amd64.s).
//
//go:noescape
func vs2rows(d, h *float32, ow, rows, k int)

// hmax2s1, hmax3s1: d[x] = max of r[x : x+kw] for x < n, n a multiple of
// 8 (reading r[0 : n+kw-1]).
//
//go:noescape
func hmax2s1(d, r *float32, n int)

//go:noescape
func hmax3s1(d, r *float32, n int)

// hmax2s2, hmax3s2: d[x] = max of r[2x : 2x+kw] for x < n, n a multiple of
// 8 (reading r[0 : 2n] for kw = 2, r[0 : 2n+2] for kw = 3).
//
//go:noescape
func hmax2s2(d, r *float32, n int)

//go:noescape
func hmax3s2(d, r *float32, n int)

// hmax is hmaxGo, in AVX2 for windows of 2 or 3 with stride 1 or 2 and
// len(d) a multiple of 8 (as MaxPoolChannels makes it).
func hmax(d, r []float32, sw, kw int) {
	n := len(d)
	if !hasAVX2 || n == 0 || n%8 != 0 || kw < 2 || kw > 3 || sw > 2 {
		hmaxGo(d, r, sw, kw)
		return
	}
	last := (n-1)*sw + kw - 1 // the last value the kernel reads
	if sw == 2 && kw == 3 {
		last++
	}
	_ = r[last]
	switch {
	case sw == 1 && kw == 2:
		hmax2s1(&d[0], &r[0], n)
	case sw == 1:
		hmax3s1(&d[0], &r[0], n)
	case kw == 2:
		hmax2s2(&d[0], &r[0], n)
	default:
		hmax3s2(&d[0], &r[0], n)
	}
}

// maxAcc is maxAccGo, in AVX2 for 8 values or more: a length that is not
// a multiple of 8 ends with a group overlapping the one before, which
// changes nothing (MaxNaN(MaxNaN(d, s), s) = MaxNaN(d, s)).
func maxAcc(d, s []float32) {
	n := len(d)
	s = s[:n]
	if !hasAVX2 || n < 8 {
		maxAccGo(d, s)
		return
	}
	maxAcc8(&d[0], &s[0], n&^7)
	if n%8 != 0 {
		maxAcc8(&d[n-8], &s[n-8], 8)
	}
}

// vmax sets d to the MaxNaN-reduce of rows, in order (len(rows) ≥ 1, each
// row at least len(d) values): in AVX2 for 8 values or more, a length
// that is not a multiple of 8 ending with a group overlapping the one
// before (the result is a function of the inputs, which d is not among).
func vmax(d []float32, rows ...[]float32) {
	n := len(d)
	if !hasAVX2 || n < 8 || len(rows) < 2 {
		vmaxGo(d, rows...)
		return
	}
	for _, r := range rows {
		_ = r[n-1]
	}
	for _, j := range [2]int{0, n - 8} {
		m := n &^ 7
		if j > 0 {
			if n%8 == 0 {
				break
			}
			m = 8
		}
		if len(rows) == 2 {
			vmax2(&d[j], &rows[0][j], &rows[1][j], m)
			continue
		}
		vmax3(&d[j], &rows[0][j], &rows[1][j], &rows[2][j], m)
		for _, r := range rows[3:] {
			maxAcc8(&d[j], &r[j], m)
		}
	}
}

// samePlane computes output rows [y0, y1) of one plane of a 3×3 stride-1
// max pool with padding 1 (output the size of the input, h×w) in AVX2, if
// it can: w ≥ 2 and at least 10 input values. The horizontal pass runs
// over the input rows [y0-1, y1+1) at once, laid end to end (each row's
// first and last windows then read a value of the rows beside it: those
// are recomputed), the vertical one too, with rows of -Inf beyond the
// image. scratch holds (y1-y0+2)·w values.
func samePlane(out, in []float32, h, w, y0, y1 int, scratch []float32) bool {
	a, b := max(y0-1, 0), min(y1+1, h) // input rows
	n := (b - a) * w
	if !hasAVX2 || w < 2 || n < 10 {
		return false
	}
	seg := in[a*w : b*w]
	inf := float32(math.Inf(-1))
	// Rows of window maxima: input row r at hs[(r-y0+1)·w:], so that output
	// row y is the max of hs rows y-y0, y-y0+1, y-y0+2; -Inf beyond the
	// image.
	hs := scratch[:(y1-y0+2)*w]
	if y0 == 0 {
		for i := range w {
			hs[i] = inf
		}
	}
	if y1 == h {
		for i := range w {
			hs[len(hs)-w+i] = inf
		}
	}
	hp := hs[(a-y0+1)*w : (a-y0+1)*w+n]
	// hp[i] = max(seg[i-1], seg[i], seg[i+1]) for 0 < i < n-1; the last
	// group overlaps the one before.
	if m := (n - 2) &^ 7; m > 0 {
		hmax3s1(&hp[1], &seg[0], m)
	}
	hmax3s1(&hp[n-9], &seg[n-10], 8)
	for y := range b - a {
		r := seg[y*w : (y+1)*w]
		hp[y*w] = ref.MaxNaN(r[0], r[1])
		hp[y*w+w-1] = ref.MaxNaN(r[w-2], r[w-1])
	}
	vmax(out[y0*w:y1*w], hs, hs[w:], hs[2*w:])
	return true
}

// stride2Plane computes output rows [y0, y1) of one plane of a k×k
// stride-2 max pool without padding, k = 2 or 3, in AVX2, if it can: an
// even width w ≥ 8 whose output has w/2 columns (for k = 3, ceil rounding:
// the last window of a row is clipped) and at least 8 horizontal maxima.
// The horizontal pass runs over the input rows at once, laid end to end
// (for k = 3 the last window of a row then reads the next row's first
// value: those are recomputed), the vertical one over all output rows at
// once. scratch holds h·w/2 + 8 values.
func stride2Plane(out, in []float32, p *Pool2DParams, y0, y1 int, scratch []float32) bool {
	h, w, k := p.H, p.W, p.KW
	ow := p.OutW()
	a, b := 2*y0, min(2*(y1-1)+k, h) // input rows
	n := (b - a) * ow
	if !hasAVX2 || w%2 != 0 || w < 8 || ow != w/2 || n < 8 {
		return false
	}
	seg := in[a*w : b*w]
	hp := scratch[:n+8] // the vertical kernel reads up to 7 values past its rows
	if k == 2 {
		hmax2s2(&hp[0], &seg[0], n&^7)
		if n%8 != 0 {
			hmax2s2(&hp[n-8], &seg[2*(n-8)], 8)
		}
	} else {
		// All but the last group read within seg; the last (which reads
		// one value past it) through a copy.
		if m := (n - 1) &^ 7; m > 0 {
			hmax3s2(&hp[0], &seg[0], m)
		}
		var t [18]float32
		copy(t[:], seg[2*(n-8):])
		hmax3s2(&hp[n-8], &t[0], 8)
		for y := range b - a {
			hp[y*ow+ow-1] = ref.MaxNaN(seg[y*w+w-2], seg[y*w+w-1])
		}
	}
	groups := (ow + 7) &^ 7              // values read per row
	whole := max(min(y1, (h-k)/2+1), y0) // output rows [y0, whole) have whole windows
	if whole > y0 {
		_ = hp[(2*(whole-1-y0)+k-1)*ow+groups-1]
		vs2rows(&out[y0*ow], &hp[0], ow, whole-y0, k)
	}
	for y := whole; y < y1; y++ { // the last row of a ceil-mode pool: clipped
		r := hp[2*(y-y0)*ow:]
		if h-2*y == 1 {
			copy(out[y*ow:(y+1)*ow], r)
			continue
		}
		_ = r[ow+groups-1]
		vs2rows(&out[y*ow], &r[0], ow, 1, 2)
	}
	return true
}
