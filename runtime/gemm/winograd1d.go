package gemm

import (
	"fmt"
	"unsafe"
)

// Winograd1D is a 7×1 convolution (stride 1, three rows of zero padding
// above and below, none at the sides: Inception's "(7, 1)" layers) in
// one-dimensional Winograd form along the columns of the image: F(4, 3)
// (the points and transforms of [Winograd]'s F(4×4, 3×3), in one
// dimension) on its taps 0–2 and 3–5, summed in the transformed domain,
// plus its tap 6 as a 1×1 product on the input shifted by three rows. An
// output tile is 4 rows × 1 column; tile (r, x) reads rows 4r − 3 … 4r + 2
// (taps 0–2) and 4r … 4r + 5 (taps 3–5) of column x. So an output costs
// (6 + 6)/4 + 1 = 4 multiply-adds per input channel instead of 7.
//
// The transforms are w1dInPlane and w1dOutPlane (AVX-512 assembly, or
// Go: the same operations in the same order). Measured against ConvTile
// (BenchmarkWinograd1D, one goroutine): Inception-v4's 256×224×17×17
// 1.13 → 0.84–0.88 ms, Inception-ResNet-v2's 192×160×17×17 0.63–0.66 →
// 0.47–0.52, Inception-v4's 64×64×73×73 1.69–1.75 → 1.20–1.23.
type Winograd1D struct {
	m, c int
	u    [6]*Packed // U_ξ = G g: m × 2c (taps 0–2 of every channel, then taps 3–5)
	tap  *Packed    // tap 6: m × c
}

// PackWinograd1D transforms and packs the weights w (m×c×7×1, row-major)
// of a 7×1 convolution, output channel i scaled by scale[i] (nil: 1) as
// PackScaled scales; U = G g is computed in float64 and rounded once.
func PackWinograd1D(w []float32, m, c int, scale []float32) *Winograd1D {
	if m < 1 || c < 1 || len(w) < 7*m*c || scale != nil && len(scale) < m {
		panic(fmt.Sprintf("gemm: PackWinograd1D of %d×%d×7×1 from %d values", m, c, len(w)))
	}
	ks := best
	p := &Winograd1D{m: m, c: c, tap: newPacked(ks, m, c)}
	for xi := range p.u {
		p.u[xi] = newPacked(ks, m, 2*c)
	}
	for o := range m {
		for ci := range c {
			var f [7]float64
			scaledKernel(f[:], w[(o*c+ci)*7:], scale, o)
			for part := range 2 {
				for xi := range 6 {
					var s float64
					for l := range 3 {
						s += wgG4[xi][l] * f[3*part+l]
					}
					p.u[xi].set(o, part*c+ci, float32(s))
				}
			}
			p.tap.set(o, ci, float32(f[6]))
		}
	}
	return p
}

// w1dMaxTiles bounds the tiles of one block of ConvTile: the columns of
// its six GEMMs (tile rows of w tiles each; at least one tile row).
const w1dMaxTiles = 128

// w1dBlockRows is the tile rows of a block for rows w tiles wide.
func w1dBlockRows(w int) int { return max(1, w1dMaxTiles/w) }

// Winograd1DTiles is the number of tile rows of a 7×1 convolution's
// output h rows high: the items [Winograd1D.ConvTile] splits its work by.
func Winograd1DTiles(h int) int { return (h + 3) / 4 }

// Winograd1DScratchSize is the scratch [Winograd1D.ConvTile] needs for c
// input channels, m output channels and rows w pixels wide.
func Winograd1DScratchSize(m, c, w int) int {
	n := w1dBlockRows(w) * w
	return 6*2*c*n + 6*m*n + m*4*n + w + ScratchSize(2*c)
}

// ConvTile computes tile rows [r0, r1) (output rows 4·r0 … 4·r1 − 1) and
// output channels [m0, m1) of the 7×1 convolution g (3 rows of padding
// above and below, none at the sides, stride 1) of src into c (ldc apart),
// with bias (nil: zero) and a ReLU if relu: bias + Aᵀ[Σ_ξ U_ξ V_ξ] + tap 6,
// every element the same operations in the same order however the rows
// and channels are split. scratch holds Winograd1DScratchSize(m, C, W)
// values and belongs to the calling goroutine.
func (p *Winograd1D) ConvTile(c []float32, ldc int, src []float32, g Conv, r0, r1, m0, m1 int, bias []float32, relu bool, scratch []float32) {
	h, w, C := g.H, g.W, g.C
	if g.KH != 7 || g.KW != 1 || g.SH != 1 || g.SW != 1 || g.Pad != [4]int{3, 0, 3, 0} || C != p.c || len(src) < C*h*w ||
		r0 < 0 || r1 < r0 || r1 > Winograd1DTiles(h) || m0 < 0 || m1 < m0 || m1 > p.m || ldc < h*w || len(c) < (m1-1)*ldc+h*w && m0 < m1 ||
		bias != nil && len(bias) < m1 || len(scratch) < Winograd1DScratchSize(p.m, C, w) {
		panic(fmt.Sprintf("gemm: Winograd1D.ConvTile tile rows [%d, %d), channels [%d, %d) of %v with %d×%d weights, ldc %d", r0, r1, m0, m1, g, p.m, p.c, ldc))
	}
	if m0 == m1 {
		return
	}
	m, hw := p.m, h*w
	bn := w1dBlockRows(w) * w
	vb := scratch[:6*2*C*bn]
	mb := scratch[6*2*C*bn : 6*2*C*bn+6*m*bn]
	tb := scratch[6*2*C*bn+6*m*bn : 6*2*C*bn+6*m*bn+m*4*bn]
	zero := scratch[6*2*C*bn+6*m*bn+m*4*bn : 6*2*C*bn+6*m*bn+m*4*bn+w]
	gs := scratch[6*2*C*bn+6*m*bn+m*4*bn+w:]
	clear(zero)
	var offs [2][6 * w1dMaxTiles]int64
	for b0 := r0; b0 < r1; b0 += w1dBlockRows(w) {
		b1 := min(r1, b0+w1dBlockRows(w))
		nr, n := b1-b0, (b1-b0)*w
		// Input transform: V_ξ[(part, ci)][(r−b0)·w + x] = (Bᵀ d)_ξ,
		// d[i] = src[ci][4r − 3 + 3·part + i][x] (0 outside the image).
		for part := range 2 {
			for r := b0; r < b1; r++ {
				for i := range 6 {
					y := 4*r - 3 + 3*part + i
					offs[part][6*(r-b0)+i] = -1
					if y >= 0 && y < h {
						offs[part][6*(r-b0)+i] = int64(4 * y * w)
					}
				}
			}
			for ci := range C {
				w1dInPlane(&vb[(part*C+ci)*n], 2*C*n, &src[ci*hw], &zero[0], &offs[part][0], nr, w)
			}
		}
		// The products M_ξ = U_ξ V_ξ, rows [m0, m1).
		for xi := range 6 {
			p.u[xi].MulTile(mb[xi*m*n:(xi+1)*m*n], n, vb[xi*2*C*n:(xi+1)*2*C*n], n, 0, n, m0, m1, nil, false, gs)
		}
		// Output transform with the bias into tb (rows y0 … y1 − 1 of the
		// block, 4·nr·w apart): bias + Aᵀ M.
		y0, y1 := 4*b0, min(4*b1, h)
		ldt := 4 * n
		for o := m0; o < m1; o++ {
			var b float32
			if bias != nil {
				b = bias[o]
			}
			w1dOutPlane(&tb[o*ldt], w, y1-y0, &mb[o*n], m*n, b)
		}
		// Tap 6 added, tb its residual: rows y < h − 3 read row y + 3;
		// then the ReLU. Columns are pixels from y0·w on.
		if t1 := min(y1, h-3); t1 > y0 {
			p.tap.MulTileFused(c[y0*w:], ldc, src[(y0+3)*w:], hw, 0, (t1-y0)*w, m0, m1, nil, relu, &Fused{Res: tb, LDRes: ldt}, gs)
		}
		for o := m0; o < m1; o++ {
			for y := max(y0, h-3); y < y1; y++ {
				row := c[o*ldc+y*w : o*ldc+y*w+w]
				t := tb[o*ldt+(y-y0)*w : o*ldt+(y-y0)*w+w]
				for x, v := range t {
					if relu && v < 0 {
						v = 0
					}
					row[x] = v
				}
			}
		}
	}
}

// w1dOutPlaneGo and w1dInPlaneGo are w1dOutPlane and w1dInPlane in Go: the
// same float32 operations in the same order (TestWinograd1DTransforms).

// w1dInRowGo transforms one tile row: d holds its six input rows.
func w1dInRowGo(v *float32, vstride int, d *[6]*float32, w int) {
	var r [6][]float32
	for i := range 6 {
		r[i] = unsafe.Slice(d[i], w)
	}
	for x := range w {
		d0, d1, d2, d3, d4, d5 := r[0][x], r[1][x], r[2][x], r[3][x], r[4][x], r[5][x]
		a := d4 - float32(4*d2)
		b := d3 - float32(4*d1)
		c := d4 - d2
		e := float32(2 * (d3 - d1))
		o := [6]float32{float32(4*d0) - float32(5*d2) + d4, a + b, a - b, c + e, c - e, float32(4*d1) - float32(5*d3) + d5}
		for xi := range 6 {
			*(*float32)(unsafe.Add(unsafe.Pointer(v), 4*(xi*vstride+x))) = o[xi]
		}
	}
}

func w1dOutPlaneGo(out *float32, w, h int, mm *float32, mstride int, bias float32) {
	for r := 0; 4*r < h; r++ {
		for x := range w {
			var m [6]float32
			for xi := range 6 {
				m[xi] = *(*float32)(unsafe.Add(unsafe.Pointer(mm), 4*(xi*mstride+r*w+x)))
			}
			s1, e1, s2, e2 := m[1]+m[2], m[1]-m[2], m[3]+m[4], m[3]-m[4]
			y := [4]float32{m[0] + s1 + s2, e1 + float32(2*e2), s1 + float32(4*s2), e1 + float32(8*e2) + m[5]}
			for j := range min(4, h-4*r) {
				*(*float32)(unsafe.Add(unsafe.Pointer(out), 4*((4*r+j)*w+x))) = y[j] + bias
			}
		}
	}
}

func w1dInPlaneGo(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int) {
	o := unsafe.Slice(offs, 6*nr)
	for r := range nr {
		var d [6]*float32
		for i := range 6 {
			d[i] = zero
			if o[6*r+i] >= 0 {
				d[i] = (*float32)(unsafe.Add(unsafe.Pointer(plane), o[6*r+i]))
			}
		}
		w1dInRowGo((*float32)(unsafe.Add(unsafe.Pointer(v), 4*r*w)), vstride, &d, w)
	}
}
