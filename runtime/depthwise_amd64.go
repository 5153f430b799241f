//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// dwVector reports whether dwRows runs in AVX2 or AVX-512 (then, without
// AVX-512, it needs rows of at least 8 outputs).
var dwVector = hasAVX2

// dw512 reports whether the depthwise kernels run in AVX-512 (F): 16
// lanes, rows of any length.
var dw512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasBMI2

// dwRows16 is dwRowsGo in AVX-512 for n >= 1.
//
//go:noescape
func dwRows16(d, s *float32, offs *int, w *float32, ntaps, rows, n, ds, ss int, b, lo, hi float32)

//go:generate go run mkdw.go

// dw3p1R4V2 and the other direct kernels (mkdw.go) compute c channels of
// the 3×3 depthwise convolution at stride 1 with one pixel of padding on
// every side, from the h×wd input planes at s into the output planes at
// d: weights w (9 a channel), bias b (advancing bstep bytes a channel),
// clamp [lo, hi]; R4V2 four rows of 32 outputs at a time, R8V1 eight rows
// of 16; ReLU of each input value first.
//
//go:noescape
func dw3p1R4V2(d, s, w, b *float32, c, h, wd, bstep int, lo, hi float32)

//go:noescape
func dw3p1R4V2ReLU(d, s, w, b *float32, c, h, wd, bstep int, lo, hi float32)

//go:noescape
func dw3p1R8V1(d, s, w, b *float32, c, h, wd, bstep int, lo, hi float32)

//go:noescape
func dw3p1R8V1ReLU(d, s, w, b *float32, c, h, wd, bstep int, lo, hi float32)

// dwDirect computes channels [c0, c1) of depthwise convolution p with the
// direct kernels, if the CPU has them and p is a 3×3 one at stride 1 with
// one pixel of padding on every side (then the results are those of the
// padded-copy path, but for the sign of zero sums: rows outside the image
// add nothing, as in ref.Conv2D); it reports whether it did.
func dwDirect(dst, src, w, bias []float32, p *Conv2DParams, lo, hi float32, c0, c1 int, relu bool) bool {
	if !dw512 || p.KH != 3 || p.KW != 3 || p.SH != 1 || p.SW != 1 || p.Pad != (Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}) || c0 >= c1 {
		return false
	}
	hw := p.H * p.W
	_, _, _ = dst[c1*hw-1], src[c1*hw-1], w[c1*9-1]
	b, bstep := &dwZero, 0
	if bias != nil {
		b, bstep = &bias[c0], 4
		_ = bias[c1-1]
	}
	f := dw3p1R4V2
	switch {
	case p.W <= 16 && relu:
		f = dw3p1R8V1ReLU
	case p.W <= 16:
		f = dw3p1R8V1
	case relu:
		f = dw3p1R4V2ReLU
	}
	f(&dst[c0*hw], &src[c0*hw], &w[c0*9], b, c1-c0, p.H, p.W, bstep, lo, hi)
	return true
}

// dwZero is the bias of a convolution without one.
var dwZero float32

// dwCopyRows16 is dwCopyRowsGo in AVX-512 for w, h >= 1.
//
//go:noescape
func dwCopyRows16(d, s *float32, w, h, ds, ss int)

// dwDeintRows16 is dwDeintRowsGo in AVX-512 for w, h >= 1.
//
//go:noescape
func dwDeintRows16(ev, od, s *float32, w, h, ds int)

// dwRows8 is dwRowsGo in AVX2 for n >= 8: 32 outputs at a time, then the
// rest of the row (under 32) as up to four vectors of 8 summed together,
// the last one ending the row (overlapping the ones before; a rest of 8 or
// fewer is that one vector alone). Each output sums
// its taps in order with VMULPS and VADDPS (no FMA: the bits of
// dwRowsGo), then VMAXPS lo and VMINPS hi, and a NaN sum is kept
// (VCMPPS UNORD_Q, VBLENDVPS).
//
//go:noescape
func dwRows8(d, s *float32, offs *int, w *float32, ntaps, rows, n, ds, ss int, b, lo, hi float32)

// dwDeintRows is dwDeintRowsGo for h >= 1 (8 pairs at a time in AVX2).
//
//go:noescape
func dwDeintRows(ev, od, s *float32, w, h, ds int)

// dwCopyRows is dwCopyRowsGo for h >= 1 (8 values at a time in AVX2).
//
//go:noescape
func dwCopyRows(d, s *float32, w, h, ds, ss int)

// dwRows is dwRowsGo, in AVX-512 or AVX2 if the CPU has it (AVX2 alone:
// then n >= 8).
func dwRows(d, s []float32, offs []int, w []float32, rows, n, ds, ss int, b, lo, hi float32) {
	if !hasAVX2 {
		dwRowsGo(d, s, offs, w, rows, n, ds, ss, b, lo, hi)
		return
	}
	last := 0
	for _, o := range offs {
		last = max(last, o)
	}
	if n < 1 || (n < 8 && !dw512) || rows < 1 || len(offs) == 0 || len(w) < len(offs) || (rows-1)*ss+last+n > len(s) || (rows-1)*ds+n > len(d) {
		panic("runtime: dwRows: bad geometry")
	}
	if dw512 {
		dwRows16(&d[0], &s[0], &offs[0], &w[0], len(offs), rows, n, ds, ss, b, lo, hi)
		return
	}
	dwRows8(&d[0], &s[0], &offs[0], &w[0], len(offs), rows, n, ds, ss, b, lo, hi)
}

// dwDeintRowsAt is dwDeintRowsGo, in AVX2 if the CPU has it.
func dwDeintRowsAt(ev, od, s []float32, w, h, ds int) {
	if !hasAVX2 || h < 1 || w < 1 {
		dwDeintRowsGo(ev, od, s, w, h, ds)
		return
	}
	_, _, _ = ev[(h-1)*ds+(w+1)/2-1], od[(h-1)*ds+max(w/2, 1)-1], s[h*w-1]
	if dw512 {
		dwDeintRows16(&ev[0], &od[0], &s[0], w, h, ds)
		return
	}
	dwDeintRows(&ev[0], &od[0], &s[0], w, h, ds)
}

// dwReLU8 sets p[i] = max(p[i], 0) for i < n, n ≥ 8, 8 at a time, the
// last 8 overlapping the ones before (AVX2): VMAXPS with the value second
// keeps a NaN and a −0, and adding +0 then makes the −0 a +0, as max does.
//
//go:noescape
func dwReLU8(p *float32, n int)

// dwReLU is dwReLUGo, in AVX2 if the CPU has it.
func dwReLU(pl []float32) {
	if !hasAVX2 || len(pl) < 8 {
		dwReLUGo(pl)
		return
	}
	dwReLU8(&pl[0], len(pl))
}

// dwCopyRowsAt is dwCopyRowsGo, in AVX2 if the CPU has it.
func dwCopyRowsAt(d, s []float32, w, h, ds, ss int) {
	if !hasAVX2 || h < 1 || w < 1 {
		dwCopyRowsGo(d, s, w, h, ds, ss)
		return
	}
	_, _ = d[(h-1)*ds+w-1], s[(h-1)*ss+w-1]
	if dw512 {
		dwCopyRows16(&d[0], &s[0], w, h, ds, ss)
		return
	}
	dwCopyRows(&d[0], &s[0], w, h, ds, ss)
}
