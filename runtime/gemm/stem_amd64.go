//go:build amd64 && !purego

package gemm

// convS2k3 is the direct stem kernel (stem_amd64.s).
//
//go:noescape
func convS2k3(d *float32, ldd int, a *float32, np int, img *float32, off, w, plane, cin, rows int, m *[7]uint16, bias *float32, flags int, lo, hi float32)

// convS2 computes columns [n0, n1), rows [m0, m1) of a 3×3 stride-2
// convolution of at most 4 input channels (the stems of Xception, the
// Inception networks and MobileNetV2) without an im2col panel, if it can:
// A packed by the AVX-512 set, whole panels of 8 rows, padding of at most
// one pixel above and on the left, no residual. Each output is its bias
// plus the products of the taps in order (ci, ky, kx), one FMA each,
// zeros included where the window leaves the image, as the block kernels
// sum the im2col matrix: the same bits (TestConvS2). Packing that matrix
// (k = 27, a panel per 48 pixels, for only 4 A panels) cost about as much
// as the product. One goroutine, 32 output channels, time through ConvTile
// ÷ this: 3×299×299 without padding 1.35 (345 → 255 µs), 3×224×224 with
// padding 1.19 (180 → 151 µs); in the model binaries, three alternating
// runs, Xception's conv1 1.07 → 0.81 ms and MobileNetV2's features.0.0
// (ReLU6) 0.625 → 0.477 ms, whose outputs then come from memory.
func (p *Packed) convS2(c []float32, ldc, crow int, src *bsource, n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32) bool {
	g := &src.g
	if !convS2On || p.ks != asmSet || g.KH != 3 || g.KW != 3 || g.SH != 2 || g.SW != 2 || g.C > 4 || g.Pad[0] > 1 || g.Pad[1] > 1 ||
		m0%8 != 0 || (m1-m0)%8 != 0 || f != nil && f.Res != nil {
		return false
	}
	flags := 0
	if relu {
		flags |= flagReLU
	}
	var lo, hi float32
	if f != nil && f.Clamp {
		if !kernelClamps(f.Lo, f.Hi) {
			return false
		}
		flags |= flagClamp
		lo, hi = f.Lo, f.Hi
	}
	if bias == nil {
		if len(scratch) < m1 {
			return false
		}
		bias = scratch[:m1]
		clear(bias)
	}
	ow := src.ow
	lanes := func(c0 int) uint16 { // lanes l < 16 with 0 ≤ c0 + l < W
		lo, hi := max(0, -c0), min(16, g.W-c0)
		if hi <= lo {
			return 0
		}
		return uint16(1<<hi - 1<<lo)
	}
	var m [7]uint16
	for q := n0; q < n1; {
		oy, ox := q/ow, q%ow
		cnt := min(32, ow-ox, n1-q)
		c0, r0 := 2*ox-g.Pad[1], 2*oy-g.Pad[0] // the window's first input column and row
		for t := range 5 {
			m[t] = lanes(c0 + 16*t)
		}
		m[5], m[6] = uint16(1<<min(cnt, 16)-1), uint16(1<<max(cnt-16, 0)-1)
		rows := 0
		for ky := range 3 {
			if r := r0 + ky; r >= 0 && r < g.H {
				rows |= 1 << ky
			}
		}
		_ = c[(m1-1-crow)*ldc+q+cnt-1]
		convS2k3(&c[(m0-crow)*ldc+q], ldc, &p.data[m0*p.k], (m1-m0)/8, &src.img[0], r0*g.W+c0, g.W, g.H*g.W, g.C, rows, &m, &bias[m0], flags, lo, hi)
		q += cnt
	}
	return true
}

// convS2On is off in tests to run the im2col path on the same layer.
var convS2On = true
