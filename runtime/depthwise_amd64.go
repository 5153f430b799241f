//go:build amd64 && !purego

package runtime

// dwVector reports whether dwRows runs in AVX2 (then it needs rows of at
// least 8 outputs).
var dwVector = hasAVX2

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

// dwRows is dwRowsGo, in AVX2 if the CPU has it (then n >= 8).
func dwRows(d, s []float32, offs []int, w []float32, rows, n, ds, ss int, b, lo, hi float32) {
	if !hasAVX2 {
		dwRowsGo(d, s, offs, w, rows, n, ds, ss, b, lo, hi)
		return
	}
	last := 0
	for _, o := range offs {
		last = max(last, o)
	}
	if n < 8 || rows < 1 || len(offs) == 0 || len(w) < len(offs) || (rows-1)*ss+last+n > len(s) || (rows-1)*ds+n > len(d) {
		panic("runtime: dwRows: bad geometry")
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
	dwCopyRows(&d[0], &s[0], w, h, ds, ss)
}
