package preproc

import (
	"image"
	"image/color"
)

// This file turns a decoded image into 8-bit RGB or L rows exactly as
// PIL's Image.convert("RGB") and Image.convert("L") do for the image PIL
// would have opened from the same file (Pillow 9.4, libImaging/Convert.c):
//
//	8-bit gray (L)              R = G = B = L
//	16-bit gray (PIL mode I)    clipped to 0..255 (values above 255 become white)
//	RGBA, LA, RGB + tRNS        alpha dropped, colour kept (no compositing)
//	16-bit colour               the high byte of each sample
//	palette                     the palette entry's RGB (its alpha dropped)
//	CMYK                        nk = 255-K; R = nk - C·nk/255 (Pillow's MULDIV255 rounding)
//	YCbCr (JPEG)                libjpeg-turbo's fancy chroma upsampling and YCbCr→RGB
//	YCbCr (lossy WebP)          libwebp's fancy upsampling and YUV→RGB
//	L from RGB                  (R·19595 + G·38470 + B·7471 + 0x8000) >> 16
//
// Premultiplied types (image.RGBA, image.RGBA64) are un-premultiplied first;
// the decoders only produce them for opaque images.

// source yields the rows of an image as interleaved 8-bit pixels with ch
// channels (3: RGB, 1: L).
type source struct {
	w, h, ch int
	row      func(y int, dst []uint8) // dst has w*ch bytes; 0 ≤ y < h
}

// luma is PIL's L24 conversion (rgb2l, p2l, …).
func luma(r, g, b uint8) uint8 {
	return uint8((int(r)*19595 + int(g)*38470 + int(b)*7471 + 0x8000) >> 16)
}

// newSource reads img as RGB (ch 3) or L (ch 1).
func newSource(img image.Image, ch int) source {
	b := img.Bounds()
	s := source{w: b.Dx(), h: b.Dy(), ch: ch}
	if ch == 1 {
		switch m := img.(type) {
		case *image.Gray:
			s.row = func(y int, dst []uint8) {
				i := m.PixOffset(b.Min.X, b.Min.Y+y)
				copy(dst, m.Pix[i:i+s.w])
			}
			return s
		case *image.Gray16:
			s.row = func(y int, dst []uint8) {
				i := m.PixOffset(b.Min.X, b.Min.Y+y)
				for x := range dst {
					dst[x] = clip16(m.Pix[i+2*x], m.Pix[i+2*x+1])
				}
			}
			return s
		}
		rgb := rgbRows(img)
		buf := make([]uint8, 3*s.w)
		s.row = func(y int, dst []uint8) {
			rgb(y, buf)
			for x := range dst {
				dst[x] = luma(buf[3*x], buf[3*x+1], buf[3*x+2])
			}
		}
		return s
	}
	s.row = rgbRows(img)
	return s
}

// clip16 is PIL's I→RGB/L conversion of a big-endian 16-bit gray value.
func clip16(hi, lo uint8) uint8 {
	if hi != 0 {
		return 255
	}
	return lo
}

// rgbRows returns a function that writes row y (counted from the top of
// img's bounds) of img as RGB bytes.
func rgbRows(img image.Image) func(y int, dst []uint8) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = p[x], p[x], p[x]
			}
		}
	case *image.Gray16:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				v := clip16(p[2*x], p[2*x+1])
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = p[4*x], p[4*x+1], p[4*x+2]
			}
		}
	case *image.NRGBA64:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = p[8*x], p[8*x+2], p[8*x+4]
			}
		}
	case *image.RGBA:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				q := p[4*x : 4*x+4]
				if q[3] == 0xff {
					dst[3*x], dst[3*x+1], dst[3*x+2] = q[0], q[1], q[2]
				} else {
					c := color.NRGBAModel.Convert(color.RGBA{q[0], q[1], q[2], q[3]}).(color.NRGBA)
					dst[3*x], dst[3*x+1], dst[3*x+2] = c.R, c.G, c.B
				}
			}
		}
	case *image.Paletted:
		var pal [256][3]uint8 // indices past the palette read as black
		for i, c := range m.Palette {
			if i == len(pal) {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]uint8{n.R, n.G, n.B}
		}
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				c := &pal[p[x]]
				dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
			}
		}
	case *image.CMYK:
		return func(y int, dst []uint8) {
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = cmykToRGB(p[4*x], p[4*x+1], p[4*x+2], p[4*x+3])
			}
		}
	case *image.YCbCr:
		return (&ycc{m: m}).rows()
	case *image.NYCbCrA:
		return (&ycc{m: &m.YCbCr}).rows()
	case *ycc:
		return m.rows()
	}
	// Anything else (RGBA64, Alpha, custom types): through NRGBA64, high byte.
	return func(y int, dst []uint8) {
		for x := range w {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			dst[3*x], dst[3*x+1], dst[3*x+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
		}
	}
}

// cmykToRGB is Pillow's cmyk2rgb.
func cmykToRGB(c, m, y, k uint8) (uint8, uint8, uint8) {
	nk := 255 - int(k)
	f := func(v uint8) uint8 {
		t := int(v)*nk + 128
		return uint8(max(nk-(((t>>8)+t)>>8), 0))
	}
	return f(c), f(m), f(y)
}

// ycc is a decoded JPEG or lossy WebP image whose colours are those of the
// reference decoder (libjpeg-turbo or libwebp) rather than Go's
// nearest-neighbour chroma. Decode returns it for YCbCr images.
type ycc struct {
	m    *image.YCbCr
	webp bool
}

func (p *ycc) ColorModel() color.Model { return color.RGBAModel }
func (p *ycc) Bounds() image.Rectangle { return p.m.Rect }

func (p *ycc) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(p.m.Rect)) {
		return color.RGBA{}
	}
	var row [3]uint8
	if !p.fancy() {
		c := p.m.YCbCrAt(x, y)
		row[0], row[1], row[2] = p.toRGB(c.Y, c.Cb, c.Cr)
	} else {
		x, y = x-p.m.Rect.Min.X, y-p.m.Rect.Min.Y
		row[0], row[1], row[2] = p.toRGB(p.m.Y[y*p.m.YStride+x], p.chroma(p.m.Cb, x, y), p.chroma(p.m.Cr, x, y))
	}
	return color.RGBA{row[0], row[1], row[2], 0xff}
}

// fancy reports whether the planes line up with the image as a decoder
// made them (the upsampling is defined from the top-left corner).
func (p *ycc) fancy() bool { return p.m.Rect.Min == image.Point{} }

func (p *ycc) toRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	if p.webp {
		return webpToRGB(y, cb, cr)
	}
	return jpegToRGB(y, cb, cr)
}

func (p *ycc) rows() func(y int, dst []uint8) {
	m := p.m
	b := m.Rect
	w := b.Dx()
	if !p.fancy() {
		return func(y int, dst []uint8) {
			for x := range w {
				c := m.YCbCrAt(b.Min.X+x, b.Min.Y+y)
				dst[3*x], dst[3*x+1], dst[3*x+2] = p.toRGB(c.Y, c.Cb, c.Cr)
			}
		}
	}
	cb, cr := make([]uint8, w), make([]uint8, w)
	cw, _ := p.chromaSize()
	sums := make([]int, cw)
	return func(y int, dst []uint8) {
		p.chromaRow(m.Cb, y, cb, sums)
		p.chromaRow(m.Cr, y, cr, sums)
		ys := m.Y[y*m.YStride:]
		for x := range w {
			dst[3*x], dst[3*x+1], dst[3*x+2] = p.toRGB(ys[x], cb[x], cr[x])
		}
	}
}

// chromaRow computes chroma(pl, x, y) for the whole row y into out; sums
// is scratch space of the chroma width. The common cases run without
// per-pixel clamping; the rest use chroma.
func (p *ycc) chromaRow(pl []uint8, y int, out []uint8, sums []int) {
	w := len(out)
	cw, chh := p.chromaSize()
	ratio := p.m.SubsampleRatio
	if cw <= 2 || (ratio != image.YCbCrSubsampleRatio420 && !(ratio == image.YCbCrSubsampleRatio444 && !p.webp)) {
		for x := range out {
			out[x] = p.chroma(pl, x, y)
		}
		return
	}
	if ratio == image.YCbCrSubsampleRatio444 {
		copy(out, pl[y*p.m.CStride:][:w])
		return
	}
	near := y / 2
	far := near + 1
	if y%2 == 0 {
		far = near - 1
	}
	far = min(max(far, 0), chh-1)
	nr, fr := pl[near*p.m.CStride:][:cw], pl[far*p.m.CStride:][:cw]
	if p.webp {
		last := cw - 1
		for x := range w {
			n := x >> 1
			o := n + 1
			if x&1 == 0 {
				o = n - 1
			}
			if o < 0 || o > last {
				out[x] = uint8((3*int(nr[n]) + int(fr[n]) + 2) >> 2)
				continue
			}
			inner := (int(nr[n]) + 3*int(nr[o]) + 3*int(fr[n]) + int(fr[o]) + 8) >> 3
			out[x] = uint8((inner + int(nr[n])) >> 1)
		}
		return
	}
	for i := range cw {
		sums[i] = 3*int(nr[i]) + int(fr[i])
	}
	for x := range w {
		n := x >> 1
		if x&1 == 0 {
			out[x] = uint8((3*sums[n] + sums[max(n-1, 0)] + 8) >> 4)
		} else {
			out[x] = uint8((3*sums[n] + sums[min(n+1, cw-1)] + 7) >> 4)
		}
	}
}

// chromaSize is the size of a chroma plane (libjpeg's downsampled_width and
// _height: the image size divided by the sampling factor, rounded up).
func (p *ycc) chromaSize() (int, int) {
	w, h := p.m.Rect.Dx(), p.m.Rect.Dy()
	switch p.m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// chroma is the upsampled chroma value of pixel (x, y) (relative to the top
// left) from plane pl, as libjpeg-turbo 2.1 (jdsample.c) or libwebp 1.2
// (dsp/upsampling.c) computes it. Neighbours past the edge repeat the edge
// sample, as both libraries do.
func (p *ycc) chroma(pl []uint8, x, y int) uint8 {
	s := p.m.CStride
	cw, chh := p.chromaSize()
	at := func(cx, cy int) int { return int(pl[cy*s+cx]) }
	// The nearer chroma row and the other one: above for even rows, below for odd.
	near := y / 2
	far := near + 1
	if y%2 == 0 {
		far = near - 1
	}
	far = min(max(far, 0), chh-1)
	// The same for columns.
	n := x / 2
	o := n + 1
	if x%2 == 0 {
		o = n - 1
	}
	o = min(max(o, 0), cw-1)

	if p.webp { // always 4:2:0
		w := p.m.Rect.Dx()
		if x == 0 || (x == w-1 && w%2 == 0) {
			return uint8((3*at(n, near) + at(n, far) + 2) >> 2)
		}
		inner := (at(n, near) + 3*at(o, near) + 3*at(n, far) + at(o, far) + 8) >> 3
		return uint8((inner + at(n, near)) >> 1)
	}
	switch p.m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422: // h2v1
		if cw <= 2 {
			return uint8(at(n, y))
		}
		if x%2 == 0 {
			return uint8((3*at(n, y) + at(o, y) + 1) >> 2)
		}
		return uint8((3*at(n, y) + at(o, y) + 2) >> 2)
	case image.YCbCrSubsampleRatio420: // h2v2
		if cw <= 2 {
			return uint8(at(n, near))
		}
		col := func(cx int) int { return 3*at(cx, near) + at(cx, far) }
		if x%2 == 0 {
			return uint8((3*col(n) + col(o) + 8) >> 4)
		}
		return uint8((3*col(n) + col(o) + 7) >> 4)
	case image.YCbCrSubsampleRatio440: // h1v2
		bias := 2
		if y%2 == 0 {
			bias = 1
		}
		return uint8((3*at(x, near) + at(x, far) + bias) >> 2)
	case image.YCbCrSubsampleRatio411:
		return uint8(at(x/4, y))
	case image.YCbCrSubsampleRatio410:
		return uint8(at(x/4, y/2))
	}
	return uint8(at(x, y))
}

// libjpeg's YCbCr→RGB tables (jdcolor.c, build_ycc_rgb_table).
var jpegTab struct {
	crR, cbB [256]int
	crG, cbG [256]int64
}

func init() {
	fix := func(v float64) int64 { return int64(v*(1<<16) + 0.5) }
	const half = 1 << 15
	for i := range 256 {
		x := int64(i - 128)
		jpegTab.crR[i] = int((fix(1.40200)*x + half) >> 16)
		jpegTab.cbB[i] = int((fix(1.77200)*x + half) >> 16)
		jpegTab.crG[i] = -fix(0.71414) * x
		jpegTab.cbG[i] = -fix(0.34414)*x + half
	}
}

func clamp8(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func jpegToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int(y)
	return clamp8(yy + jpegTab.crR[cr]),
		clamp8(yy + int((jpegTab.cbG[cb]+jpegTab.crG[cr])>>16)),
		clamp8(yy + jpegTab.cbB[cb])
}

// webpToRGB is libwebp's VP8YuvToRgb (dsp/yuv.h): BT.601 limited range, 14-bit fixed point.
func webpToRGB(y, u, v uint8) (uint8, uint8, uint8) {
	mulHi := func(v uint8, c int) int { return int(v) * c >> 8 }
	clip := func(v int) uint8 {
		const mask = 256<<6 - 1
		if v&^mask == 0 {
			return uint8(v >> 6)
		}
		if v < 0 {
			return 0
		}
		return 255
	}
	yy := mulHi(y, 19077)
	return clip(yy + mulHi(v, 26149) - 14234),
		clip(yy - mulHi(u, 6419) - mulHi(v, 13320) + 8708),
		clip(yy + mulHi(u, 33050) - 17685)
}
