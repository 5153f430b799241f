package preproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var tvConfig = Config{Channels: 3, Height: 32, Width: 32, Resize: 40, CropH: 32, CropW: 32,
	Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}

// pngChunk frames one PNG chunk with its CRC.
func pngChunk(kind string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR claiming w×h 8-bit RGB, with a
// valid CRC and no pixel data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
}

// gifHeader is a GIF whose logical screen is w×h, with one 1×1 frame.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // global table of 2 colours
	b = append(b, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, ';')
	return b
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "img", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBadInput(t *testing.T) {
	pngData := fixture(t, "grad_203x157.png")
	jpgData := fixture(t, "photo420_61x47.jpg")
	webpData := fixture(t, "photo_61x47.webp")
	for _, tc := range []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"text", []byte("hello, this is not an image\n"), ErrFormat, "preproc: unsupported image format (want JPEG, PNG, GIF, BMP, TIFF or WebP)"},
		{"empty", nil, ErrInvalid, "preproc: empty file (not an image)"},
		{"png truncated in the header", pngData[:20], ErrInvalid, "preproc: truncated PNG file"},
		{"png truncated in the data", pngData[:len(pngData)/2], ErrInvalid, "preproc: truncated or corrupt PNG file: png: invalid format: not enough pixel data"},
		{"png without IEND", pngData[:len(pngData)-12], ErrInvalid, "preproc: truncated PNG file"},
		{"jpeg truncated in the header", jpgData[:100], ErrInvalid, "preproc: truncated JPEG file"},
		{"jpeg truncated in the data", jpgData[:len(jpgData)/2], ErrInvalid, "preproc: truncated or corrupt JPEG file: invalid JPEG format: short Huffman data"},
		{"webp truncated", webpData[:len(webpData)/2], ErrInvalid, "preproc: "},
		{"png claiming 100000x100000", pngHeader(100000, 100000), ErrTooLarge,
			"preproc: PNG image is 100000x100000 = 10000000000 pixels, more than the limit of 50000000 (Config.MaxPixels)"},
		{"png claiming 2^31-1 x 2^31-1", pngHeader(1<<31-1, 1<<31-1), ErrInvalid, "preproc: invalid PNG file: png: unsupported feature: dimension overflow"},
		{"png of width 0", pngHeader(0, 10), ErrInvalid, "preproc: invalid PNG file: png: invalid format: non-positive dimension"},
		{"gif of 0x0", gifHeader(0, 0), ErrInvalid, "preproc: GIF image has zero size (0x0)"},
		{"gif of 0x5", gifHeader(0, 5), ErrInvalid, "preproc: GIF image has zero size (0x5)"},
		{"png with a bad CRC", append(pngHeader(4, 4)[:29], 0, 0, 0, 0), ErrInvalid, "preproc: invalid PNG file: png: invalid format: invalid checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := tvConfig.Decode(bytes.NewReader(tc.data))
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("decoded a %v image", img.Bounds())
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to start with %q", err, tc.msg)
			}
			// Refused from the header: nothing like the claimed size was allocated.
			if d := after.TotalAlloc - before.TotalAlloc; d > 4<<20 {
				t.Errorf("allocated %d bytes", d)
			}
		})
	}
}

func TestMaxPixels(t *testing.T) {
	data := fixture(t, "grad_203x157.png")
	c := tvConfig
	c.MaxPixels = 203*157 - 1
	if _, err := c.Decode(bytes.NewReader(data)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels %d: got %v, want ErrTooLarge", c.MaxPixels, err)
	}
	c.MaxPixels = 203 * 157
	if _, err := c.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("MaxPixels %d: %v", c.MaxPixels, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// An endless stream is cut off once it is longer than any image of
// MaxPixels could be (here, 8×16 bytes plus byteSlack).
func TestEndlessInput(t *testing.T) {
	defer func(s int64) { byteSlack = s }(byteSlack)
	byteSlack = 1 << 16
	c := Config{Channels: 3, Height: 4, Width: 4, MaxPixels: 16}
	// A 4×4 PNG whose first chunk after IHDR is a 2 GB tEXt chunk of zeros.
	r := io.MultiReader(bytes.NewReader(pngHeader(4, 4)), strings.NewReader("\x7f\xff\xff\xfftEXt"), zeros{})
	_, err := c.Decode(r)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "preproc: file is larger than 65664 bytes, the most an image of 16 pixels (MaxPixels) could need" {
		t.Errorf("endless PNG: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dst := make([]float32, tvConfig.Len())
	txt := write("notes.txt", []byte("just text"))
	err := tvConfig.Load(txt, dst)
	if want := "preproc: " + txt + ": unsupported image format (want JPEG, PNG, GIF, BMP, TIFF or WebP)"; err == nil || err.Error() != want {
		t.Errorf("text file: %v, want %s", err, want)
	}
	if !errors.Is(err, ErrFormat) {
		t.Errorf("text file: %v is not ErrFormat", err)
	}
	empty := write("empty.png", nil)
	if err := tvConfig.Load(empty, dst); err == nil || err.Error() != "preproc: "+empty+": empty file (not an image)" {
		t.Errorf("empty file: %v", err)
	}
	missing := filepath.Join(dir, "missing.jpg")
	if err := tvConfig.Load(missing, dst); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	if err := tvConfig.Load(dir, dst); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: %v", err)
	}
	png := filepath.Join("testdata", "img", "grad_203x157.png")
	if err := tvConfig.Load(png, dst[1:]); !errors.Is(err, ErrConfig) || err.Error() != "preproc: destination holds 3071 values, want 3072 (3x32x32)" {
		t.Errorf("short dst: %v", err)
	}
	if err := tvConfig.Load(png, dst); err != nil {
		t.Errorf("good file: %v", err)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Channels: 3, Height: 4, Width: 4}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Config)
		msg  string
	}{
		{func(c *Config) { c.Channels = 2 }, "channels must be 1 or 3, got 2"},
		{func(c *Config) { c.Height = 0 }, "input size must be positive, got 0x4"},
		{func(c *Config) { c.Resize = -1 }, "resize must be positive, got -1"},
		{func(c *Config) { c.CropH = 4 }, "crop must be positive, got 4x0"},
		{func(c *Config) { c.CropH, c.CropW = 3, 3 }, "crop 3x3 does not give the input's 4x4"},
		{func(c *Config) { c.Scale = -2 }, "scale must be positive, got -2"},
		{func(c *Config) { c.Order = "grb" }, `order must be rgb or bgr, got "grb"`},
		{func(c *Config) { c.Mean = []float64{1, 2} }, "mean: want 1 or 3 values, got 2"},
		{func(c *Config) { c.Std = []float64{1, 0, 1} }, "std: bad value 0"},
	} {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		if err == nil || err.Error() != "config: "+tc.msg || !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want config: %s", c, err, tc.msg)
		}
		if err := c.Tensor(make([]float32, c.Len()), nil); err == nil {
			t.Errorf("%+v: Tensor accepted the config", c)
		}
	}
	if err := ok.Tensor(make([]float32, ok.Len()), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil image: %v", err)
	}
}
