package preproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"strings"

	"github.com/inccdev/incc/internal/regular"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// DefaultMaxPixels is the largest image (width × height) Decode accepts
// when Config.MaxPixels is zero.
const DefaultMaxPixels = 50_000_000

// Config says how an image becomes a network input. It mirrors the
// compiler's ir.Preprocess plus the input shape; generated code fills it
// as a literal. The zero values of Scale, Order and MaxPixels mean 1, "rgb"
// and DefaultMaxPixels.
type Config struct {
	// Channels, Height, Width: the network input, C×H×W. Channels is 1 or 3.
	Channels, Height, Width int
	// Resize > 0 resizes the shorter side to Resize, keeping the aspect ratio.
	Resize int
	// Interpolation is the resize filter: "bilinear" (also "") or "bicubic",
	// Pillow's filters as torchvision's Resize uses them.
	Interpolation string
	// CropH, CropW > 0 center-crop to CropH×CropW, which must be Height×Width.
	CropH, CropW int
	// Scale multiplies the values after they are mapped to [0, 1].
	Scale float64
	// Order is "rgb" or "bgr": the channel order of the input (and of Mean
	// and Std). It is ignored when Channels is 1.
	Order string
	// Mean and Std hold 0, 1 or Channels values: x = (x - Mean[c]) / Std[c].
	Mean, Std []float64
	// MaxPixels bounds width × height of the images Decode accepts. It is
	// checked from the file header, before any pixel memory is allocated.
	MaxPixels int
	// Memory, if not nil, bounds the memory of the Loads running at the
	// same time (see [Budget]).
	Memory *Budget
}

// Errors that Decode, Tensor and Load wrap, for errors.Is.
var (
	// ErrFormat: the data is not in a supported image format.
	ErrFormat = errors.New("unsupported image format (want JPEG, PNG, GIF, BMP, TIFF or WebP)")
	// ErrTooLarge: the image has more than MaxPixels pixels (or the file is
	// far larger than such an image could be).
	ErrTooLarge = errors.New("image too large")
	// ErrInvalid: an empty, truncated or corrupt file, or an image of zero size.
	ErrInvalid = errors.New("invalid image")
	// ErrConfig: the Config itself is unusable.
	ErrConfig = errors.New("invalid preprocessing config")
)

// byteSlack is what Decode reads beyond 8 bytes a pixel, for headers and
// metadata (ICC profiles, EXIF thumbnails). A variable for the tests.
var byteSlack int64 = 64 << 20

// kindError is an error with a readable message that matches one of the
// sentinels above with errors.Is and unwraps to its cause, if any.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
func (e *kindError) Unwrap() error        { return e.cause }

func errorf(kind error, cause error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}

// Len is the number of values of the input tensor, Channels×Height×Width.
func (c Config) Len() int { return c.Channels * c.Height * c.Width }

func (c Config) maxPixels() int64 {
	if c.MaxPixels > 0 {
		return int64(c.MaxPixels)
	}
	return DefaultMaxPixels
}

func (c Config) scale() float64 {
	if c.Scale == 0 {
		return 1
	}
	return c.Scale
}

func (c Config) bgr() bool { return c.Channels == 3 && c.Order == "bgr" }

// Validate checks the config: the shape, crop against the shape, the
// number of Mean and Std values, and that every number is usable.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return errorf(ErrConfig, nil, "config: "+format, args...)
	}
	switch {
	case c.Channels != 1 && c.Channels != 3:
		return bad("channels must be 1 or 3, got %d", c.Channels)
	case c.Height < 1 || c.Width < 1:
		return bad("input size must be positive, got %dx%d", c.Height, c.Width)
	case int64(c.Height)*int64(c.Width) > math.MaxInt32:
		return bad("input %dx%d is too large", c.Height, c.Width)
	case c.Resize < 0 || c.Resize > math.MaxInt32:
		return bad("resize must be positive, got %d", c.Resize)
	case (c.CropH > 0) != (c.CropW > 0) || c.CropH < 0 || c.CropW < 0:
		return bad("crop must be positive, got %dx%d", c.CropH, c.CropW)
	case c.CropH > 0 && (c.CropH != c.Height || c.CropW != c.Width):
		return bad("crop %dx%d does not give the input's %dx%d", c.CropH, c.CropW, c.Height, c.Width)
	case c.Scale < 0 || math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0):
		return bad("scale must be positive, got %g", c.Scale)
	case c.Order != "" && c.Order != "rgb" && c.Order != "bgr":
		return bad("order must be rgb or bgr, got %q", c.Order)
	case c.Interpolation != "" && c.Interpolation != "bilinear" && c.Interpolation != "bicubic":
		return bad("interpolation must be bilinear or bicubic, got %q", c.Interpolation)
	}
	for _, t := range []struct {
		name string
		vs   []float64
	}{{"mean", c.Mean}, {"std", c.Std}} {
		if len(t.vs) > 1 && len(t.vs) != c.Channels {
			return bad("%s: want 1 or %d values, got %d", t.name, c.Channels, len(t.vs))
		}
		for _, v := range t.vs {
			if math.IsNaN(v) || math.IsInf(v, 0) || (t.name == "std" && float32(v) == 0) {
				return bad("%s: bad value %g", t.name, v)
			}
		}
	}
	return nil
}

// Decode reads an image in any supported format (JPEG, PNG, GIF, BMP,
// TIFF, WebP). It reads the header first and refuses an image larger than
// MaxPixels before allocating its pixels. Decoder failures, truncated or
// empty input and unknown formats are returned as errors, never panics.
//
// JPEG and lossy WebP images come back as an image whose At converts
// YCbCr to RGB the way libjpeg-turbo and libwebp do (see the package doc);
// other formats come back as the standard decoders return them.
func (c Config) Decode(r io.Reader) (image.Image, error) {
	img, err := c.decode(r, nil)
	if err != nil {
		return nil, fmt.Errorf("preproc: %w", err)
	}
	return img, nil
}

// Tensor writes img as the network input into dst, which must hold Len()
// values, C×H×W in row-major order. See the package doc for the steps.
func (c Config) Tensor(dst []float32, img image.Image) error {
	if err := c.tensor(dst, img); err != nil {
		return fmt.Errorf("preproc: %w", err)
	}
	return nil
}

// Load decodes the image file at path and writes it into dst as Tensor
// does. Errors about the file name it. A file that is not a regular file
// (a directory, a named pipe, a device) is an error: it is opened without
// blocking and its type checked before anything is read.
func (c Config) Load(path string, dst []float32) error {
	if err := c.checkDst(dst); err != nil {
		return fmt.Errorf("preproc: %w", err)
	}
	f, _, err := regular.Open(path)
	if err != nil {
		return fmt.Errorf("preproc: %w", err)
	}
	defer f.Close()
	if err := c.read(bufio.NewReader(f), dst); err != nil {
		return fmt.Errorf("preproc: %s: %w", path, err)
	}
	return nil
}

// Read decodes an image from r and writes it into dst as Load does (under
// the same Memory budget), for images that are not files, such as the
// encoded images a server receives.
func (c Config) Read(r io.Reader, dst []float32) error {
	if err := c.checkDst(dst); err != nil {
		return fmt.Errorf("preproc: %w", err)
	}
	if err := c.read(r, dst); err != nil {
		return fmt.Errorf("preproc: %w", err)
	}
	return nil
}

// read decodes and preprocesses, holding the image's estimated memory,
// known from its header, in c.Memory until it is preprocessed.
func (c Config) read(r io.Reader, dst []float32) error {
	var admit func(cost int64)
	if b := c.Memory; b != nil {
		var held int64
		admit = func(cost int64) { held = b.acquire(cost) }
		defer func() { b.release(held) }()
	}
	img, err := c.decode(r, admit)
	if err == nil {
		err = c.tensor(dst, img)
	}
	return err
}

func (c Config) checkDst(dst []float32) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(dst) != c.Len() {
		return errorf(ErrConfig, nil, "destination holds %d values, want %d (%dx%dx%d)", len(dst), c.Len(), c.Channels, c.Height, c.Width)
	}
	return nil
}

// countingReader reads at most limit bytes from r, remembering how many it
// read, whether it hit the limit, and the first read error that is not EOF.
type countingReader struct {
	r        io.Reader
	n, limit int64
	over     bool  // the limit was reached
	eof      bool  // r is exhausted
	err      error // the first error from r other than io.EOF
}

func (l *countingReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		l.over = true
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > l.limit-l.n {
		p = p[:l.limit-l.n]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	if err == io.EOF {
		l.eof = true
	} else if err != nil && l.err == nil {
		l.err = err
	}
	return k, err
}

var formatNames = map[string]string{"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF", "webp": "WebP"}

func formatName(f string) string {
	if n, ok := formatNames[f]; ok {
		return n
	}
	if f == "" {
		return "image"
	}
	return strings.ToUpper(f)
}

// decode decodes an image; admit, if not nil, is called with the image's
// estimate (DecodeBytes) once its header is read and accepted, before its
// pixels are decoded.
func (c Config) decode(r io.Reader, admit func(cost int64)) (img image.Image, err error) {
	limit := c.maxPixels()
	// No supported encoding needs more than 8 bytes a pixel (16-bit RGBA,
	// uncompressed) plus headers; this bounds what a TIFF decoder reads
	// into memory.
	cr := &countingReader{r: r, limit: limit*8 + byteSlack}
	var head bytes.Buffer
	format := ""
	fail := func(err error) error {
		switch {
		case cr.err != nil:
			return cr.err
		case cr.over:
			return errorf(ErrTooLarge, nil, "file is larger than %d bytes, the most an image of %d pixels (MaxPixels) could need", cr.limit, limit)
		case errors.Is(err, image.ErrFormat) && cr.n == 0:
			return errorf(ErrInvalid, nil, "empty file (not an image)")
		case errors.Is(err, image.ErrFormat):
			return errorf(ErrFormat, nil, "%s", ErrFormat.Error())
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return errorf(ErrInvalid, err, "truncated %s file", formatName(format))
		case cr.eof:
			// The decoder read everything and wanted more.
			return errorf(ErrInvalid, err, "truncated or corrupt %s file: %v", formatName(format), err)
		}
		return errorf(ErrInvalid, err, "invalid %s file: %v", formatName(format), err)
	}
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, errorf(ErrInvalid, nil, "invalid %s file (the decoder failed: %v)", formatName(format), p)
		}
	}()

	cfg, format, err := image.DecodeConfig(io.TeeReader(cr, &head))
	if err != nil {
		return nil, fail(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errorf(ErrInvalid, nil, "%s image has zero size (%dx%d)", formatName(format), cfg.Width, cfg.Height)
	}
	if n := int64(cfg.Width) * int64(cfg.Height); n > limit {
		return nil, errorf(ErrTooLarge, nil, "%s image is %dx%d = %d pixels, more than the limit of %d (Config.MaxPixels)",
			formatName(format), cfg.Width, cfg.Height, n, limit)
	}
	hdr := append([]byte(nil), head.Bytes()[:min(head.Len(), 32)]...)
	if admit != nil {
		admit(DecodeBytes(cfg.Width, cfg.Height, cfg.ColorModel))
	}
	img, format, err = image.Decode(io.MultiReader(&head, cr))
	if err != nil {
		return nil, fail(err)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, errorf(ErrInvalid, nil, "%s image has zero size (%dx%d)", formatName(format), b.Dx(), b.Dy())
	}
	if n := int64(b.Dx()) * int64(b.Dy()); n > limit {
		return nil, errorf(ErrTooLarge, nil, "%s image is %dx%d = %d pixels, more than the limit of %d (Config.MaxPixels)",
			formatName(format), b.Dx(), b.Dy(), n, limit)
	}
	return adapt(img, format, hdr), nil
}

// adapt makes a decoded image read as PIL reads the same file.
func adapt(img image.Image, format string, hdr []byte) image.Image {
	switch m := img.(type) {
	case *image.YCbCr:
		return &ycc{m: m, webp: format == "webp"}
	case *image.NYCbCrA:
		return &ycc{m: &m.YCbCr, webp: format == "webp"}
	case *image.NRGBA64:
		// A 16-bit grayscale PNG with a tRNS chunk: Go returns NRGBA64, PIL
		// opens it as mode I (and clips it to 0..255). IHDR: bit depth at
		// byte 24, colour type at byte 25.
		if format == "png" && len(hdr) >= 26 && hdr[24] == 16 && hdr[25] == 0 {
			g := image.NewGray16(m.Rect)
			for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
				src := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
				dst := g.Pix[g.PixOffset(m.Rect.Min.X, y):]
				for x := range m.Rect.Dx() {
					dst[2*x], dst[2*x+1] = src[8*x], src[8*x+1]
				}
			}
			return g
		}
	}
	return img
}

// geometry is where the output window lies in the (possibly resized) image.
type geometry struct {
	outW, outH int  // the image after the resize (the source size if none)
	resample   bool // whether a resize runs
	left, top  int  // the window's top-left corner in that image; may be negative (padding)
}

// resizedSize is torchvision's _compute_resized_output_size for an int size:
// the shorter side becomes r, the longer int(r * long / short).
func resizedSize(w, h, r int) (int, int) {
	short, long := w, h
	if w > h {
		short, long = h, w
	}
	newLong := int(float64(int64(r)*int64(long)) / float64(short))
	if w <= h {
		return r, newLong
	}
	return newLong, r
}

// cropOffset is torchvision's center_crop offset along one axis: with
// padding ((c-size)//2 before) when the crop is larger, otherwise
// int(round((size - c) / 2.0)), Python's round (half to even).
func cropOffset(size, c int) int {
	if c > size {
		return -((c - size) / 2)
	}
	return int(math.RoundToEven(float64(size-c) / 2))
}

func (c Config) geometry(w, h int) geometry {
	g := geometry{outW: w, outH: h}
	switch {
	case c.Resize > 0:
		g.outW, g.outH = resizedSize(w, h, c.Resize)
		g.resample = g.outW != w || g.outH != h
	case c.CropH > 0:
	case w != c.Width || h != c.Height:
		g.outW, g.outH, g.resample = c.Width, c.Height, true
	}
	// Center crop to the input size: the declared crop (which Validate
	// makes equal to Height×Width), or an implicit one when only a resize
	// is declared and it does not give Height×Width.
	g.left, g.top = cropOffset(g.outW, c.Width), cropOffset(g.outH, c.Height)
	return g
}

// pixels8 runs the geometric steps: it returns the input as Height×Width
// interleaved 8-bit pixels with Channels channels, zero where a crop
// reaches past the image.
func (c Config) pixels8(img image.Image) *img8 {
	b := img.Bounds()
	src := newSource(img, c.Channels)
	g := c.geometry(b.Dx(), b.Dy())
	out := &img8{w: c.Width, h: c.Height, ch: c.Channels, pix: make([]uint8, c.Len())}
	win := image.Rect(g.left, g.top, g.left+c.Width, g.top+c.Height).Intersect(image.Rect(0, 0, g.outW, g.outH))
	if win.Empty() {
		return out
	}
	var part *img8
	if g.resample {
		flt := bilinearFilter
		if c.Interpolation == "bicubic" {
			flt = bicubicFilter
		}
		part = resize(flt, src, g.outW, g.outH, win)
	} else {
		part = &img8{w: win.Dx(), h: win.Dy(), ch: c.Channels, pix: make([]uint8, win.Dx()*win.Dy()*c.Channels)}
		row := make([]uint8, src.w*c.Channels)
		for y := range part.h {
			src.row(win.Min.Y+y, row)
			copy(part.pix[y*part.w*c.Channels:], row[win.Min.X*c.Channels:win.Max.X*c.Channels])
		}
	}
	stride := c.Width * c.Channels
	for y := range part.h {
		copy(out.pix[(win.Min.Y-g.top+y)*stride+(win.Min.X-g.left)*c.Channels:], part.pix[y*part.w*c.Channels:][:part.w*c.Channels])
	}
	return out
}

// lut is what ToTensor, the scale, the channel order and Normalize make of
// each 8-bit level, per output channel, in float32 with torchvision's
// order of operations: ((v / 255) · scale − mean) / std.
func (c Config) lut() [][256]float32 {
	t := make([][256]float32, c.Channels)
	at := func(vs []float64, ch int) float32 {
		if len(vs) == 1 {
			return float32(vs[0])
		}
		return float32(vs[ch])
	}
	scale := float32(c.scale())
	for ch := range t {
		for v := range 256 {
			x := float32(v) / 255
			if scale != 1 {
				x = float32(x * scale)
			}
			if len(c.Mean) > 0 {
				x = x - at(c.Mean, ch)
			}
			if len(c.Std) > 0 {
				x = x / at(c.Std, ch)
			}
			t[ch][v] = x
		}
	}
	return t
}

func (c Config) tensor(dst []float32, img image.Image) error {
	if err := c.checkDst(dst); err != nil {
		return err
	}
	if img == nil {
		return errorf(ErrInvalid, nil, "nil image")
	}
	if b := img.Bounds(); b.Empty() {
		return errorf(ErrInvalid, nil, "image has zero size (%dx%d)", b.Dx(), b.Dy())
	}
	p := c.pixels8(img)
	t := c.lut()
	plane := c.Height * c.Width
	for oc := range c.Channels {
		sc := oc
		if c.bgr() {
			sc = 2 - oc
		}
		tab := &t[oc]
		out := dst[oc*plane : (oc+1)*plane]
		for i := range out {
			out[i] = tab[p.pix[i*c.Channels+sc]]
		}
	}
	return nil
}
