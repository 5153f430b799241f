package preproc

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

func TestResizedSize(t *testing.T) {
	for _, tc := range []struct{ w, h, r, ww, wh int }{
		{640, 480, 256, 341, 256}, // int(256*640/480) = int(341.33)
		{480, 640, 256, 256, 341},
		{500, 375, 256, 341, 256},
		{300, 20, 40, 600, 40},
		{7, 7, 3, 3, 3},
		{1, 1, 256, 256, 256},
		{3, 2, 40, 60, 40},
		{203, 157, 40, 51, 40}, // 51.72 truncates
	} {
		if w, h := resizedSize(tc.w, tc.h, tc.r); w != tc.ww || h != tc.wh {
			t.Errorf("resize %dx%d to %d: %dx%d, want %dx%d", tc.w, tc.h, tc.r, w, h, tc.ww, tc.wh)
		}
	}
}

// torchvision rounds the crop offset with Python's round: half to even.
func TestCropOffset(t *testing.T) {
	for _, tc := range []struct{ size, c, want int }{
		{256, 224, 16},
		{257, 224, 16}, // 16.5 → 16
		{259, 224, 18}, // 17.5 → 18
		{341, 224, 58}, // 58.5 → 58
		{343, 224, 60}, // 59.5 → 60
		{224, 224, 0},
		{20, 48, -14}, // padding: (48-20)//2 before, 14 after
		{21, 48, -13}, // 13 before, 14 after
	} {
		if got := cropOffset(tc.size, tc.c); got != tc.want {
			t.Errorf("crop %d from %d: offset %d, want %d", tc.c, tc.size, got, tc.want)
		}
	}
}

func randomRGB(r *rand.Rand, w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.IntN(256))
	}
	return m
}

// resize computes only the window it is asked for; that must equal the
// full resize cut afterwards (Pillow resizes the whole image, then torchvision crops).
func TestResizeWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		flt := []filter{bilinearFilter, bicubicFilter}[i%2]
		w, h := 1+r.IntN(60), 1+r.IntN(60)
		ow, oh := 1+r.IntN(60), 1+r.IntN(60)
		ch := []int{1, 3}[r.IntN(2)]
		src := newSource(randomRGB(r, w, h), ch)
		full := resize(flt, src, ow, oh, image.Rect(0, 0, ow, oh))
		x0, y0 := r.IntN(ow), r.IntN(oh)
		win := image.Rect(x0, y0, x0+1+r.IntN(ow-x0), y0+1+r.IntN(oh-y0))
		part := resize(flt, src, ow, oh, win)
		for y := range win.Dy() {
			for x := range win.Dx() * ch {
				if a, b := part.pix[(y*win.Dx())*ch+x], full.pix[((y+win.Min.Y)*ow+win.Min.X)*ch+x]; a != b {
					t.Fatalf("%dx%d→%dx%d window %v: (%d,%d) %d, full resize %d", w, h, ow, oh, win, x, y, a, b)
				}
			}
		}
	}
}

// A constant image stays constant through any resize (the weights sum to
// one within the fixed-point rounding).
func TestResizeConstant(t *testing.T) {
	for _, v := range []uint8{0, 1, 127, 254, 255} {
		m := image.NewGray(image.Rect(0, 0, 97, 13))
		for i := range m.Pix {
			m.Pix[i] = v
		}
		for _, sz := range [][2]int{{1, 1}, {3, 50}, {200, 7}, {96, 13}, {1000, 1}} {
			for _, flt := range []filter{bilinearFilter, bicubicFilter} {
				out := resize(flt, newSource(m, 1), sz[0], sz[1], image.Rect(0, 0, sz[0], sz[1]))
				for i, p := range out.pix {
					if p != v {
						t.Fatalf("level %d resized to %v (support %g): pixel %d is %d", v, sz, flt.support, i, p)
					}
				}
			}
		}
	}
}

// Geometry without resize or crop, with only a resize, with only a crop.
func TestGeometry(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 6, 4))
	for i := range m.Pix {
		m.Pix[i] = uint8(10 * i)
	}
	tensor := func(c Config, img image.Image) []float32 {
		t.Helper()
		dst := make([]float32, c.Len())
		if err := c.Tensor(dst, img); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	// Same size, nothing declared: the pixels themselves.
	got := tensor(Config{Channels: 1, Height: 4, Width: 6}, m)
	for i, v := range got {
		if want := float32(m.Pix[i]) / 255; v != want {
			t.Fatalf("identity: %d: %v, want %v", i, v, want)
		}
	}
	// Crop only, larger than the image: zero padding, (c-size)//2 before.
	got = tensor(Config{Channels: 1, Height: 6, Width: 9, CropH: 6, CropW: 9}, m)
	for y := range 6 {
		for x := range 9 {
			sx, sy := x-1, y-1
			want := float32(0)
			if sx >= 0 && sx < 6 && sy >= 0 && sy < 4 {
				want = float32(m.Pix[sy*6+sx]) / 255
			}
			if v := got[y*9+x]; v != want {
				t.Fatalf("padded crop (%d,%d): %v, want %v", x, y, v, want)
			}
		}
	}
	// Crop only, smaller: top (4-2)/2 = 1; left round((6-3)/2) = round(1.5) = 2.
	got = tensor(Config{Channels: 1, Height: 2, Width: 3, CropH: 2, CropW: 3}, m)
	for y := range 2 {
		for x := range 3 {
			if v, want := got[y*3+x], float32(m.Pix[(y+1)*6+x+2])/255; v != want {
				t.Fatalf("crop (%d,%d): %v, want %v", x, y, v, want)
			}
		}
	}
	// Resize without a crop giving a non-square image: an implicit center
	// crop to the input size, as if "crop" had been declared.
	r := rand.New(rand.NewPCG(3, 4))
	img := randomRGB(r, 30, 20)
	a := tensor(Config{Channels: 3, Height: 10, Width: 10, Resize: 10}, img)
	b := tensor(Config{Channels: 3, Height: 10, Width: 10, Resize: 10, CropH: 10, CropW: 10}, img)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("implicit crop differs at %d", i)
		}
	}
}

// Images whose bounds do not start at (0, 0) read like their copy at the origin.
func TestSubImage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	big := randomRGB(r, 50, 40)
	sub := big.SubImage(image.Rect(7, 5, 44, 33)).(*image.NRGBA)
	cp := image.NewNRGBA(image.Rect(0, 0, 37, 28))
	for y := range 28 {
		copy(cp.Pix[y*cp.Stride:], sub.Pix[sub.PixOffset(7, 5+y):][:37*4])
	}
	for _, c := range []Config{tvConfig, {Channels: 1, Height: 9, Width: 9, Resize: 12, CropH: 9, CropW: 9}} {
		a, b := make([]float32, c.Len()), make([]float32, c.Len())
		if err := c.Tensor(a, sub); err != nil {
			t.Fatal(err)
		}
		if err := c.Tensor(b, cp); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("sub-image differs at %d", i)
			}
		}
	}
}

// The standard types read as PIL's convert would: alpha dropped, 16-bit
// colour by its high byte, 16-bit gray clipped, premultiplied colour
// un-premultiplied.
func TestPixelTypes(t *testing.T) {
	rgb := func(img image.Image) [3]uint8 {
		var row [3]uint8
		rgbRows(img)(0, row[:])
		return row
	}
	r1 := image.Rect(0, 0, 1, 1)
	for _, tc := range []struct {
		img  image.Image
		want [3]uint8
	}{
		{&image.NRGBA{Pix: []uint8{200, 100, 50, 0}, Stride: 4, Rect: r1}, [3]uint8{200, 100, 50}},
		{&image.RGBA{Pix: []uint8{100, 50, 25, 128}, Stride: 4, Rect: r1}, [3]uint8{199, 99, 49}},
		{&image.NRGBA64{Pix: []uint8{0x12, 0xff, 0x34, 0, 0x56, 1, 0, 0}, Stride: 8, Rect: r1}, [3]uint8{0x12, 0x34, 0x56}},
		{&image.RGBA64{Pix: []uint8{0x12, 0xff, 0x34, 0, 0x56, 1, 0xff, 0xff}, Stride: 8, Rect: r1}, [3]uint8{0x12, 0x34, 0x56}},
		{&image.Gray16{Pix: []uint8{0, 200}, Stride: 2, Rect: r1}, [3]uint8{200, 200, 200}},
		{&image.Gray16{Pix: []uint8{1, 0}, Stride: 2, Rect: r1}, [3]uint8{255, 255, 255}},
		{&image.CMYK{Pix: []uint8{0, 255, 128, 0}, Stride: 4, Rect: r1}, [3]uint8{255, 0, 127}},
		{&image.CMYK{Pix: []uint8{0, 0, 0, 255}, Stride: 4, Rect: r1}, [3]uint8{0, 0, 0}},
		{&image.Paletted{Pix: []uint8{1}, Stride: 1, Rect: r1, Palette: color.Palette{color.Black, color.NRGBA{9, 8, 7, 0}}}, [3]uint8{9, 8, 7}},
		{&image.Paletted{Pix: []uint8{5}, Stride: 1, Rect: r1, Palette: color.Palette{color.Black}}, [3]uint8{0, 0, 0}},
		{&image.Alpha{Pix: []uint8{0x80}, Stride: 1, Rect: r1}, [3]uint8{255, 255, 255}},
	} {
		if got := rgb(tc.img); got != tc.want {
			t.Errorf("%T %v: %v, want %v", tc.img, tc.img.At(0, 0), got, tc.want)
		}
	}
	// L from RGB: PIL's L24 (the weights 299/587/114 in 16-bit fixed point, rounded).
	for _, tc := range []struct{ r, g, b, l uint8 }{{255, 255, 255, 255}, {255, 0, 0, 76}, {0, 255, 0, 150}, {0, 0, 255, 29}, {10, 20, 30, 18}} {
		if l := luma(tc.r, tc.g, tc.b); l != tc.l {
			t.Errorf("L(%d,%d,%d) = %d, want %d", tc.r, tc.g, tc.b, l, tc.l)
		}
	}
}

// The YCbCr wrapper's At agrees with the rows the pipeline reads, for every
// subsampling ratio and both codecs.
func TestYCbCrAt(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, ratio := range ratios {
		for _, sz := range [][2]int{{1, 1}, {2, 3}, {4, 4}, {5, 7}, {17, 9}} {
			m := image.NewYCbCr(image.Rect(0, 0, sz[0], sz[1]), ratio)
			for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = uint8(r.IntN(256))
				}
			}
			for _, webp := range []bool{false, true} {
				if webp && ratio != image.YCbCrSubsampleRatio420 {
					continue
				}
				img := &ycc{m: m, webp: webp}
				rows := img.rows()
				row := make([]uint8, 3*sz[0])
				for y := range sz[1] {
					rows(y, row)
					for x := range sz[0] {
						c := img.At(x, y).(color.RGBA)
						if c.R != row[3*x] || c.G != row[3*x+1] || c.B != row[3*x+2] {
							t.Fatalf("%v %v webp=%v (%d,%d): At %v, row %v", ratio, sz, webp, x, y, c, row[3*x:3*x+3])
						}
					}
				}
			}
		}
	}
	// Flat chroma upsamples to itself; grey (Cb = Cr = 128) gives R = G = B = Y.
	m := image.NewYCbCr(image.Rect(0, 0, 9, 7), image.YCbCrSubsampleRatio420)
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = 128, 128
	}
	for i := range m.Y {
		m.Y[i] = uint8(i * 3)
	}
	img := &ycc{m: m}
	for y := range 7 {
		for x := range 9 {
			if c, v := img.At(x, y).(color.RGBA), m.Y[y*m.YStride+x]; c.R != v || c.G != v || c.B != v {
				t.Fatalf("grey (%d,%d): %v, want %d", x, y, c, v)
			}
		}
	}
}

// Tensor fills every value, and all values are finite.
func TestTensorFinite(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	img := randomRGB(r, 23, 31)
	for _, c := range []Config{tvConfig, {Channels: 3, Height: 5, Width: 5, Order: "bgr", Scale: 255, Mean: []float64{104, 117, 123}},
		{Channels: 1, Height: 28, Width: 28, Resize: 32, CropH: 28, CropW: 28, Mean: []float64{0.1307}, Std: []float64{0.3081}}} {
		dst := make([]float32, c.Len())
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
		if err := c.Tensor(dst, img); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%+v: dst[%d] = %v", c, i, v)
			}
		}
	}
}
