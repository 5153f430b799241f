package preproc

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: any input either fails with a classified error or decodes to
// an image of at most MaxPixels pixels that every config turns into finite
// values. Nothing panics. Seeds: testdata/fuzz/FuzzDecode, the small
// fixtures in testdata/img and the crafted headers below.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "img", "*"))
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() <= 4096 {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add(pngHeader(100000, 100000))
	f.Add(pngHeader(0, 1))
	f.Add(gifHeader(3, 2))
	f.Add(gifHeader(0, 0))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Add([]byte("BM"))

	const maxPixels = 1 << 16
	configs := []Config{
		{Channels: 3, Height: 8, Width: 8, Resize: 9, CropH: 8, CropW: 8, MaxPixels: maxPixels,
			Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
		{Channels: 1, Height: 5, Width: 7, MaxPixels: maxPixels},
		{Channels: 3, Height: 6, Width: 6, CropH: 6, CropW: 6, Order: "bgr", Scale: 255, Mean: []float64{104, 117, 123}, MaxPixels: maxPixels},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := configs[0].Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || int64(b.Dx())*int64(b.Dy()) > maxPixels {
			t.Fatalf("decoded a %v image", b)
		}
		for _, c := range configs {
			dst := make([]float32, c.Len())
			if err := c.Tensor(dst, img); err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			for i, v := range dst {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("dst[%d] = %v", i, v)
				}
			}
		}
	})
}
