//go:build !amd64 || purego

package gemm

import "unsafe"

// w1dInRow transforms one tile row: d holds its six input rows.
func w1dInRow(v *float32, vstride int, d *[6]*float32, w int) {
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

func w1dOutPlane(out *float32, w, h int, mm *float32, mstride int, bias float32) {
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

func w1dInPlane(v *float32, vstride int, plane, zero *float32, offs *int64, nr, w int) {
	o := unsafe.Slice(offs, 6*nr)
	for r := range nr {
		var d [6]*float32
		for i := range 6 {
			d[i] = zero
			if o[6*r+i] >= 0 {
				d[i] = (*float32)(unsafe.Add(unsafe.Pointer(plane), o[6*r+i]))
			}
		}
		w1dInRow((*float32)(unsafe.Add(unsafe.Pointer(v), 4*r*w)), vstride, &d, w)
	}
}
