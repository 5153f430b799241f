package preproc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRead: Read of a file's bytes is Load of the file, under the same
// budget, and its errors are Load's.
func TestRead(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "img", "*.png"))
	if len(files) == 0 {
		t.Fatal("no PNG fixtures")
	}
	c := Config{Channels: 3, Height: 12, Width: 12, Resize: 14, CropH: 12, CropW: 12, Mean: []float64{0.5}, Std: []float64{0.25}}
	for _, f := range files[:min(len(files), 5)] {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, got := make([]float32, c.Len()), make([]float32, c.Len())
		c.Memory = NewBudget(1 << 30)
		if err := c.Load(f, want); err != nil {
			t.Fatal(err)
		}
		if err := c.Read(bytes.NewReader(data), got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Read and Load differ", f)
		}
		if c.Memory.Peak() <= 0 {
			t.Errorf("%s: the budget was not used", f)
		}
	}
	err := c.Read(bytes.NewReader([]byte("GIF89a")), make([]float32, c.Len()))
	if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrFormat) {
		t.Errorf("a truncated GIF: %v", err)
	}
	if err := c.Read(bytes.NewReader(nil), make([]float32, 3)); !errors.Is(err, ErrConfig) {
		t.Errorf("a short destination: %v", err)
	}
}
