package preproc

import (
	"image"
	"math"
)

// This file is Pillow's resampler (libImaging/Resample.c) for 8-bit images
// with its BILINEAR filter, which torchvision's Resize uses on PIL images by
// default, and its BICUBIC filter, which timm's Inception and Xception
// preprocessing asks for:
//
//   - separable: a horizontal pass, then a vertical pass; a pass whose size
//     does not change is skipped (it would be the identity anyway);
//   - the filter is the triangle 1-|x| with support 1 (bilinear), or Keys'
//     cubic with a = -0.5 and support 2 (bicubic), stretched by the
//     downscale factor (support = filter support · max(1, in/out)), so
//     downscaling averages every input pixel under the output pixel
//     (antialiasing);
//   - output pixel i is centred on input coordinate (i + 0.5)·in/out; taps
//     run over [int(centre - support + 0.5), int(centre + support + 0.5))
//     clipped to the image, and the weights are divided by their sum;
//   - the weights are rounded to 22-bit fixed point (away from zero: the
//     cubic's are negative near its ends), each pass accumulates
//     integers from 1<<21 (rounding) and clips to 0..255, so the image is
//     rounded to 8 bits after each pass, exactly as Pillow does.
//
// The float64 steps are written in Pillow's order, with explicit float64
// conversions where a product feeds a sum, so that no platform fuses them
// into an FMA: the coefficients, and so the pixels, are bit-identical.

const (
	precisionBits = 32 - 8 - 2 // Pillow's PRECISION_BITS
	rounding      = 1 << (precisionBits - 1)
)

// coeffs are the fixed-point filter weights of output pixels [lo, hi) of one
// axis: output lo+i reads n[i] input pixels from first[i], with weights
// k[i*ksize:][:n[i]].
type coeffs struct {
	lo, ksize int
	first, n  []int
	k         []int32
}

// filter is one of Pillow's resampling filters: its function and support.
type filter struct {
	f       func(x float64) float64
	support float64
}

var (
	bilinearFilter = filter{bilinear, 1}
	bicubicFilter  = filter{bicubic, 2}
)

func bilinear(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// bicubic is Pillow's bicubic_filter, Keys' cubic convolution kernel with
// a = -0.5, evaluated in Pillow's order; the conversions stop a compiler
// from fusing a multiply and an add (Pillow's x86-64 builds do not).
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
	}
	if x < 2 {
		return float64(float64(float64(float64(float64(x-5)*x)+8)*x)-4) * a
	}
	return 0
}

// newCoeffs is Pillow's precompute_coeffs plus normalize_coeffs_8bpc for an
// axis resized from in to out pixels, restricted to outputs [lo, hi). The
// weights of an output pixel depend only on its index, so a restricted range
// gives the same values as the full one.
func newCoeffs(flt filter, in, out, lo, hi int) coeffs {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1)
	support := flt.support * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{lo: lo, ksize: ksize, first: make([]int, hi-lo), n: make([]int, hi-lo), k: make([]int32, (hi-lo)*ksize)}
	w := make([]float64, ksize)
	ss := 1 / filterscale
	for i := range hi - lo {
		center := float64((float64(lo+i) + 0.5) * scale)
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > in {
			xmax = in
		}
		n := xmax - xmin
		ww := 0.0
		for x := range n {
			w[x] = flt.f((float64(x+xmin) - center + 0.5) * ss)
			ww += w[x]
		}
		k := c.k[i*ksize:]
		for x := range n {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			// (int)(±0.5 + v * (1 << PRECISION_BITS)), rounding away from zero.
			if v < 0 {
				k[x] = int32(-0.5 + float64(v*(1<<precisionBits)))
			} else {
				k[x] = int32(0.5 + float64(v*(1<<precisionBits)))
			}
		}
		c.first[i], c.n[i] = xmin, n
	}
	return c
}

func clip8(v int) uint8 {
	if v >= 1<<precisionBits<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precisionBits)
}

// img8 is an interleaved 8-bit image with ch channels (1 or 3).
type img8 struct {
	w, h, ch int
	pix      []uint8
}

// resize resizes src to outW×outH with a Pillow filter and returns only the
// part win of the result (win must lie inside outW×outH and be non-empty).
// Only the source rows and the columns that win needs are computed.
func resize(flt filter, src source, outW, outH int, win image.Rectangle) *img8 {
	ch := src.ch
	ww, wh := win.Dx(), win.Dy()
	needH, needV := outW != src.w, outH != src.h

	// Rows of the source the vertical pass reads (all of win's rows if none).
	y0, y1 := win.Min.Y, win.Max.Y
	var cv coeffs
	if needV {
		cv = newCoeffs(flt, src.h, outH, win.Min.Y, win.Max.Y)
		y0 = cv.first[0]
		y1 = cv.first[wh-1] + cv.n[wh-1]
	}

	// Horizontal pass: rows [y0, y1), columns win.Min.X..win.Max.X.
	tmp := &img8{w: ww, h: y1 - y0, ch: ch, pix: make([]uint8, ww*(y1-y0)*ch)}
	row := make([]uint8, src.w*ch)
	var chz coeffs
	if needH {
		chz = newCoeffs(flt, src.w, outW, win.Min.X, win.Max.X)
	}
	for y := y0; y < y1; y++ {
		src.row(y, row)
		out := tmp.pix[(y-y0)*ww*ch:][:ww*ch]
		if !needH {
			copy(out, row[win.Min.X*ch:win.Max.X*ch])
			continue
		}
		for i := range ww {
			k := chz.k[i*chz.ksize:][:chz.n[i]]
			in := row[chz.first[i]*ch:]
			if ch == 1 {
				s := rounding
				for x, kx := range k {
					s += int(in[x]) * int(kx)
				}
				out[i] = clip8(s)
				continue
			}
			s0, s1, s2 := rounding, rounding, rounding
			for x, kx := range k {
				p := in[x*3 : x*3+3]
				s0 += int(p[0]) * int(kx)
				s1 += int(p[1]) * int(kx)
				s2 += int(p[2]) * int(kx)
			}
			out[i*3], out[i*3+1], out[i*3+2] = clip8(s0), clip8(s1), clip8(s2)
		}
	}
	if !needV {
		return tmp
	}

	// Vertical pass over tmp, whose row 0 is source row y0.
	dst := &img8{w: ww, h: wh, ch: ch, pix: make([]uint8, ww*wh*ch)}
	stride := ww * ch
	for j := range wh {
		k := cv.k[j*cv.ksize:][:cv.n[j]]
		base := (cv.first[j] - y0) * stride
		out := dst.pix[j*stride:][:stride]
		for x := range stride {
			s := rounding
			for y, ky := range k {
				s += int(tmp.pix[base+y*stride+x]) * int(ky)
			}
			out[x] = clip8(s)
		}
	}
	return dst
}
