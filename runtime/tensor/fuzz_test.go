package tensor

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSafetensors: any input either fails with an error or yields tensors
// whose data matches their shapes and which survive a write/read round trip.
// Seeds: testdata/fuzz/FuzzSafetensors and the files below.
func FuzzSafetensors(f *testing.F) {
	if data, err := EncodeSafetensors(testWeights(), map[string]string{"format": "pt"}); err == nil {
		f.Add(data)
	}
	f.Add(stFile(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]}}`, []byte{0, 0x3c, 1, 0x80, 0x80, 0x3f}))
	f.Add(stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, _, err := DecodeSafetensors("fuzz.safetensors", data)
		if err != nil {
			return
		}
		for name, x := range w {
			if n, err := shapeLen(x.Shape); err != nil || n != len(x.Data) {
				t.Fatalf("%s: %d values for shape %v", name, len(x.Data), x.Shape)
			}
		}
		again, err := EncodeSafetensors(w, nil)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		w2, _, err := DecodeSafetensors("again.safetensors", again)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if len(w2) != len(w) {
			t.Fatalf("round trip: %d tensors, want %d", len(w2), len(w))
		}
		for name, x := range w {
			y := w2[name]
			if !SameShape(x.Shape, y.Shape) {
				t.Fatalf("%s: round trip shape %v, want %v", name, y.Shape, x.Shape)
			}
			for i := range x.Data {
				if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
					t.Fatalf("%s[%d]: round trip %v, want %v", name, i, y.Data[i], x.Data[i])
				}
			}
		}
	})
}

// FuzzNpy: any input either fails with an error or yields a tensor whose
// data matches its shape and which survives a write/read round trip.
// Seeds: testdata/fuzz/FuzzNpy, the numpy fixtures and the files below.
func FuzzNpy(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "npy", "*.npy"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	if data, err := EncodeNpy(Tensor{Shape: []int{2, 1, 2}, Data: []float32{1, 2, 3, 4}}); err == nil {
		f.Add(data)
	}
	f.Add(npyFile(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := DecodeNpy("fuzz.npy", data)
		if err != nil {
			return
		}
		if n, err := shapeLen(x.Shape); err != nil || n != len(x.Data) {
			t.Fatalf("%d values for shape %v", len(x.Data), x.Shape)
		}
		again, err := EncodeNpy(x)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		y, err := DecodeNpy("again.npy", again)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if !SameShape(x.Shape, y.Shape) {
			t.Fatalf("round trip shape %v, want %v", y.Shape, x.Shape)
		}
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
				t.Fatalf("[%d]: round trip %v, want %v", i, y.Data[i], x.Data[i])
			}
		}
	})
}

// FuzzReadWeights: reading a network's weights (DecodeWeights, and
// ReadWeights from a reader that cannot seek) agrees with reading the
// whole file and checking it: the manifest is the file's own tensors,
// each made required, optional, absent or of another shape by two bits of
// mask. It fails exactly when the file is malformed or does not fit, and
// otherwise returns the required tensors, bit for bit, and no others.
// Seeds: testdata/fuzz/FuzzReadWeights and the files below.
func FuzzReadWeights(f *testing.F) {
	if data, err := EncodeSafetensors(testWeights(), map[string]string{"format": "pt"}); err == nil {
		f.Add(data, uint64(0))
		f.Add(data, uint64(0b01_00_10_00_01))
		f.Add(data, uint64(0b11_00))
	}
	f.Add(stFile(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}`, []byte{0, 0x3c, 1, 0x80, 7, 9}), uint64(0b01))
	f.Fuzz(func(t *testing.T, data []byte, mask uint64) {
		all, _, err := DecodeSafetensors("fuzz", data)
		if err != nil {
			if _, err := DecodeWeights("fuzz", data, []Spec{{Name: "a", Shape: []int{1}}}, 1); err == nil {
				t.Fatal("DecodeWeights accepts a file DecodeSafetensors refuses")
			}
			return
		}
		var required, optional []Spec
		mustFail := false
		for i, name := range all.Names() {
			shape := all[name].Shape
			k := 0
			if i < 32 {
				k = int(mask >> (2 * i) & 3)
			}
			switch k {
			case 0:
				required = append(required, Spec{Name: name, Shape: shape})
				if len(checkValues(Spec{Name: name}, all[name].Data)) > 0 { // not finite
					mustFail = true
				}
			case 1:
				optional = append(optional, Spec{Name: name, Shape: append([]int{7}, shape...)})
			case 2:
				if !IsBatchesTracked(name) {
					mustFail = true
				}
			case 3:
				required = append(required, Spec{Name: name, Shape: append([]int{2}, shape...)})
				mustFail = true
			}
		}
		want := append(required, optional...)
		for _, how := range []string{"DecodeWeights", "ReadWeights"} {
			var w Weights
			var err error
			if how == "DecodeWeights" {
				w, err = DecodeWeights("fuzz", data, want, len(required))
			} else {
				w, err = ReadWeights("fuzz", struct{ io.Reader }{bytes.NewReader(data)}, int64(len(data)), want, len(required))
			}
			if (err != nil) != mustFail {
				t.Fatalf("%s: error %v, want an error: %v", how, err, mustFail)
			}
			if err != nil {
				continue
			}
			if len(w) != len(required) {
				t.Fatalf("%s: %d tensors, want the %d required", how, len(w), len(required))
			}
			for _, s := range required {
				x, y := w[s.Name], all[s.Name]
				if !SameShape(x.Shape, y.Shape) || len(x.Data) != len(y.Data) {
					t.Fatalf("%s: %s: shape %v, want %v", how, s.Name, x.Shape, y.Shape)
				}
				for i := range x.Data {
					if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
						t.Fatalf("%s: %s[%d] = %v, want %v", how, s.Name, i, x.Data[i], y.Data[i])
					}
				}
			}
		}
	})
}
