package preproc

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures in testdata/ are made by tools/make_image_fixtures.py with
// Pillow 9.4 and torchvision 0.14.1; testdata/cases.json lists them.

// Tolerances, in 8-bit levels of the image after resize and crop, against
// what PIL + torchvision give for the same file. Lossless formats must match
// exactly, and then the float tensors match bit for bit.
const (
	// JPEG: Go's image/jpeg uses a different IDCT from libjpeg-turbo's
	// (jidctint), so decoded pixels differ by a few levels; resizing
	// averages part of it away. Chroma upsampling and the colour
	// conversion are libjpeg's, so nothing else differs.
	tolJPEG = 3
	// Lossy WebP: VP8 decoding is exactly specified and the upsampling and
	// YUV→RGB conversion are libwebp's, so this is exact too.
	tolWebP = 0
)

type fixtureCase struct {
	Image, Config, Kind, U8, F32 string
}

type fixtures struct {
	Configs map[string]Config
	Cases   []fixtureCase
	Images  []struct {
		Image, Kind, Mode string
		Size              [2]int
	}
}

func loadFixtures(t *testing.T) fixtures {
	t.Helper()
	data, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 {
		t.Fatalf("only %d cases in cases.json", len(f.Cases))
	}
	return f
}

func readGz(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "want", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func f32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (c Config) imagePath(name string) string { return filepath.Join("testdata", "img", name) }

// TestLUT: ToTensor → scale → order → Normalize of every 8-bit level, bit
// for bit against torch.
func TestLUT(t *testing.T) {
	f := loadFixtures(t)
	for name, cfg := range f.Configs {
		want := f32s(readGz(t, "lut."+name+".gz"))
		got := cfg.lut()
		for ch := range got {
			for v := range 256 {
				if w := want[ch*256+v]; math.Float32bits(got[ch][v]) != math.Float32bits(w) {
					t.Errorf("%s: channel %d level %d: %v, torch %v", name, ch, v, got[ch][v], w)
				}
			}
		}
	}
}

// TestTorchvision runs every fixture case through Load and through the 8-bit
// stage, and compares with PIL + torchvision.
func TestTorchvision(t *testing.T) {
	f := loadFixtures(t)
	worst := map[string]int{}
	for _, tc := range f.Cases {
		cfg := f.Configs[tc.Config]
		name := tc.Image + "/" + tc.Config
		tol := 0
		switch tc.Kind {
		case "jpeg":
			tol = tolJPEG
		case "webp":
			tol = tolWebP
		}
		want := readGz(t, tc.U8) // C×H×W, RGB order
		data, err := os.ReadFile(cfg.imagePath(tc.Image))
		if err != nil {
			t.Fatal(err)
		}
		img, err := cfg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		p := cfg.pixels8(img)
		plane := cfg.Height * cfg.Width
		if len(want) != plane*cfg.Channels {
			t.Fatalf("%s: %d expected bytes, want %d", name, len(want), plane*cfg.Channels)
		}
		maxd, where := 0, ""
		for ch := range cfg.Channels {
			for i := range plane {
				d := int(p.pix[i*cfg.Channels+ch]) - int(want[ch*plane+i])
				if d < 0 {
					d = -d
				}
				if d > maxd {
					maxd, where = d, fmt.Sprintf("c%d y%d x%d: %d, PIL %d", ch, i/cfg.Width, i%cfg.Width, p.pix[i*cfg.Channels+ch], want[ch*plane+i])
				}
			}
		}
		worst[tc.Kind] = max(worst[tc.Kind], maxd)
		if maxd > tol {
			t.Errorf("%s: max |diff| %d levels > %d (%s)", name, maxd, tol, where)
		} else if maxd > 0 {
			t.Logf("%s: max |diff| %d levels (%s)", name, maxd, where)
		}

		// The float tensor: exact when the pixels are.
		dst := make([]float32, cfg.Len())
		if err := cfg.Load(cfg.imagePath(tc.Image), dst); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		lut := f32s(readGz(t, "lut."+tc.Config+".gz"))
		var full []float32
		if tc.F32 != "" {
			full = f32s(readGz(t, tc.F32))
		}
		maxf := 0.0
		for oc := range cfg.Channels {
			sc := oc
			if cfg.bgr() {
				sc = 2 - oc
			}
			for i := range plane {
				w := lut[oc*256+int(want[sc*plane+i])]
				if full != nil && math.Float32bits(full[oc*plane+i]) != math.Float32bits(w) {
					t.Fatalf("%s: the f32 fixture disagrees with u8+lut at %d", name, oc*plane+i)
				}
				maxf = max(maxf, math.Abs(float64(dst[oc*plane+i])-float64(w)))
			}
		}
		// One level of the 8-bit image, in tensor units.
		level := cfg.scale() / 255 / minStd(cfg)
		if maxd == 0 && maxf != 0 {
			t.Errorf("%s: pixels match but the tensor differs by %g", name, maxf)
		} else if maxf > float64(maxd)*level*1.0001+1e-6 {
			t.Errorf("%s: tensor max |diff| %g > %d levels (%g)", name, maxf, maxd, float64(maxd)*level)
		}
	}
	t.Logf("worst |diff| in 8-bit levels by kind: %v", worst)
}

func minStd(c Config) float64 {
	m := math.Inf(1)
	for _, s := range c.Std {
		m = min(m, math.Abs(s))
	}
	if len(c.Std) == 0 {
		return 1
	}
	return m
}

// TestDecodedPixels compares the decoded pixels of the lossy fixtures with
// PIL's, before any resize: the codec-level difference.
func TestDecodedPixels(t *testing.T) {
	f := loadFixtures(t)
	for _, im := range f.Images {
		path := filepath.Join("testdata", "want", im.Image+".decoded.gz")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		want := readGz(t, im.Image+".decoded.gz")
		var cfg Config
		fh, err := os.Open(cfg.imagePath(im.Image))
		if err != nil {
			t.Fatal(err)
		}
		img, err := cfg.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		src := newSource(img, 3)
		row := make([]uint8, 3*src.w)
		hist := map[int]int{}
		maxd, sum := 0, 0
		for y := range src.h {
			src.row(y, row)
			for i, v := range row {
				d := int(v) - int(want[y*3*src.w+i])
				if d < 0 {
					d = -d
				}
				hist[d]++
				sum += d
				maxd = max(maxd, d)
			}
		}
		tol := map[string]int{"jpeg": tolJPEG, "webp": tolWebP}[im.Kind] // measured: 3 and 0
		msg := fmt.Sprintf("%s: decoded max |diff| %d, mean %.3f levels, histogram %v", im.Image, maxd, float64(sum)/float64(len(want)), hist)
		if maxd > tol {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}
