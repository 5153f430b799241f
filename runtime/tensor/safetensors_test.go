package tensor

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// stFile assembles a safetensors file from a header and a data buffer.
func stFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func f32bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func sameTensor(t *testing.T, name string, got, want Tensor) {
	t.Helper()
	if !SameShape(got.Shape, want.Shape) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape, want.Shape)
		return
	}
	if len(got.Data) != len(want.Data) {
		t.Errorf("%s: %d values, want %d", name, len(got.Data), len(want.Data))
		return
	}
	for i := range got.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Errorf("%s[%d]: got %v, want %v", name, i, got.Data[i], want.Data[i])
			return
		}
	}
}

func testWeights() Weights {
	return Weights{
		"conv1.weight":            {Shape: []int{2, 1, 1, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -0.125}},
		"conv1.bias":              {Shape: []int{2}, Data: []float32{0.5, -0.5}},
		"bn.num_batches_tracked":  {Shape: []int{}, Data: []float32{42}},
		"empty":                   {Shape: []int{0, 3}, Data: []float32{}},
		"a/name with \"quotes\"<": {Shape: []int{1}, Data: []float32{9}},
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	w := testWeights()
	meta := map[string]string{"format": "pt", "spec": "googlenet.inc"}
	data, err := EncodeSafetensors(w, meta)
	if err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(data)
	if hlen%8 != 0 {
		t.Errorf("header length %d, want a multiple of 8", hlen)
	}
	got, gotMeta, err := DecodeSafetensors("rt.safetensors", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(w) {
		t.Errorf("got %d tensors, want %d", len(got), len(w))
	}
	for name, want := range w {
		sameTensor(t, name, got[name], want)
	}
	if fmt.Sprint(gotMeta) != fmt.Sprint(meta) {
		t.Errorf("metadata: got %v, want %v", gotMeta, meta)
	}

	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := SaveSafetensors(path, w, nil); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err = LoadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if gotMeta != nil {
		t.Errorf("metadata: got %v, want none", gotMeta)
	}
	for name, want := range w {
		sameTensor(t, name, got[name], want)
	}
}

// TestSafetensorsGolden pins the exact bytes of a small file: compact JSON,
// metadata first, tensors sorted by name, header padded with spaces.
func TestSafetensorsGolden(t *testing.T) {
	w := Weights{"b": {Shape: []int{1}, Data: []float32{2}}, "a": {Shape: []int{2}, Data: []float32{1, -1}}}
	got, err := EncodeSafetensors(w, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	hdr := `{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
	hdr += strings.Repeat(" ", (8-len(hdr)%8)%8)
	want := stFile(hdr, f32bytes(1, -1, 2))
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestSafetensorsDtypes reads F16, BF16, F64 and I64 tensors.
func TestSafetensorsDtypes(t *testing.T) {
	var data []byte
	for _, h := range []uint16{0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	for _, h := range []uint16{0x3F80, 0xC0A0} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(0.1))
	data = binary.LittleEndian.AppendUint64(data, uint64(1<<40))
	hdr := `{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},` +
		`"bf":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},` +
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},` +
		`"n":{"dtype":"I64","shape":[],"data_offsets":[24,32]}}`
	w, _, err := DecodeSafetensors("dt.safetensors", stFile(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, "h", w["h"], Tensor{Shape: []int{2, 3}, Data: []float32{1, -2, 65504, 0x1p-24, float32(math.Inf(1)), 0.333251953125}})
	sameTensor(t, "bf", w["bf"], Tensor{Shape: []int{2}, Data: []float32{1, -5}})
	sameTensor(t, "d", w["d"], Tensor{Shape: []int{1}, Data: []float32{0.1}})
	sameTensor(t, "n", w["n"], Tensor{Shape: []int{}, Data: []float32{1 << 40}})
}

// TestHalfToFloat32 checks every binary16 value against the definition
// (-1)^s · 2^(e-15) · (1 + f/1024), or 2^-14 · f/1024 for subnormals.
func TestHalfToFloat32(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		s, e, f := h>>15, h>>10&0x1f, h&0x3ff
		got := halfToFloat32(uint16(h))
		var want float64
		switch {
		case e == 0x1f && f != 0:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: got %v, want NaN", h, got)
			}
			continue
		case e == 0x1f:
			want = math.Inf(1)
		case e == 0:
			want = math.Ldexp(float64(f)/1024, -14)
		default:
			want = math.Ldexp(1+float64(f)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if float64(got) != want || math.Signbit(float64(got)) != (s == 1) {
			t.Fatalf("%#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestSafetensorsErrors(t *testing.T) {
	ok := `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	eight := f32bytes(1, 2)
	tests := []struct {
		name string
		file []byte
		want string // substring of the error
	}{
		{"empty", nil, "f.safetensors: file is 0 bytes, too short"},
		{"header-past-end", stFile("{}", nil)[:9], "header length 2 runs past the end of the file (9 bytes)"},
		{"huge-header-length", binary.LittleEndian.AppendUint64(nil, 1<<63), "runs past the end of the file"},
		{"not-object", stFile(`[1,2]`, nil), "header is not a JSON object"},
		{"bad-json", stFile(`{"a":`, nil), "tensor a: bad header entry"},
		{"bad-json-key", stFile(`{"a`, nil), "f.safetensors: header: "},
		{"trailing-json", stFile(`{} {}`, nil), "trailing data after the JSON object"},
		{"not-utf8", stFile("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"duplicate", stFile(`{`+ok+`,`+ok+`}`, append(eight, eight...)), "tensor a: duplicate name"},
		{"unknown-dtype", stFile(`{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}`, eight), `tensor a: unknown dtype "Q7"`},
		{"unsupported-dtype", stFile(`{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}`, eight), "tensor a: unsupported dtype F8_E4M3"},
		{"negative-dim", stFile(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, eight), "tensor a: negative dimension"},
		{"float-dim", stFile(`{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}`, eight), "tensor a: bad header entry"},
		{"entry-not-object", stFile(`{"a":5}`, nil), "tensor a: bad header entry"},
		{"missing-dtype", stFile(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, eight), "tensor a: missing dtype"},
		{"missing-shape", stFile(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, eight), "tensor a: missing shape"},
		{"missing-offsets", stFile(`{"a":{"dtype":"F32","shape":[2]}}`, eight), "tensor a: missing data_offsets"},
		{"three-offsets", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, eight), "data_offsets has 3 numbers, want 2"},
		{"reversed-offsets", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, eight), "tensor a: bad data_offsets [8 0]"},
		{"size-mismatch", stFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), "tensor a: shape [3] (F32) needs more than the 8 bytes"},
		{"size-mismatch-small", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, eight), "tensor a: data_offsets [0 8] hold 8 bytes, want 4 for F32 [1]"},
		{"overflowing-shape", stFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}`, eight), "tensor a: shape [4294967296 4294967296 4] (F32) needs more than"},
		{"past-end", stFile(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, eight), "tensor a: data_offsets [0 16] run past the end of the data (8 bytes)"},
		{"overlap", stFile(`{`+ok+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), "tensor b: data_offsets [4 8] overlap tensor a, which ends at 8"},
		{"gap", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), "tensor a: data_offsets [4 8] leave bytes [0 4] unused"},
		{"trailing-data", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, eight), "4 bytes of data after the last tensor"},
		{"bad-metadata", stFile(`{"__metadata__":{"k":1}}`, nil), "__metadata__ is not an object of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _, err := DecodeSafetensors("f.safetensors", tt.file)
			if err == nil {
				t.Fatalf("got %d tensors and no error, want error containing %q", len(w), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "runtime: safetensors: f.safetensors: ") {
				t.Errorf("got error %q, want one starting with the file and containing %q", err, tt.want)
			}
		})
	}
}

// TestSafetensorsShortReader gives a size larger than the reader holds, as
// a file truncated while being read would.
func TestSafetensorsShortReader(t *testing.T) {
	data, err := EncodeSafetensors(testWeights(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ReadSafetensors("short.safetensors", bytes.NewReader(data[:len(data)-2]), int64(len(data)))
	if err == nil || !strings.Contains(err.Error(), "short.safetensors: tensor conv1.weight: reading data: unexpected EOF") {
		t.Errorf("got error %v, want a read error naming conv1.weight", err)
	}
}

func TestSafetensorsWriteErrors(t *testing.T) {
	for name, w := range map[string]Weights{
		"bad length": {"a": {Shape: []int{3}, Data: []float32{1}}},
		"reserved":   {"__metadata__": {Shape: []int{1}, Data: []float32{1}}},
	} {
		if _, err := EncodeSafetensors(w, nil); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
}

// TestViewWeights: ViewWeights reads what DecodeWeights reads; its F32
// tensors are data itself when 4-byte aligned there (writing data shows
// through), copies when not; other dtypes are converted.
func TestViewWeights(t *testing.T) {
	var data []byte
	for _, v := range []float32{1.5, -2, 3e-8, 4, 5, 6} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	data = binary.LittleEndian.AppendUint16(data, 0x3C00) // F16 1
	data = binary.LittleEndian.AppendUint16(data, 0xC000) // F16 -2
	hdr := `{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},` +
		`"h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]}}`
	file := stFile(hdr, data)
	want := []Spec{{Name: "a", Shape: []int{2, 2}}, {Name: "b", Shape: []int{2}}, {Name: "h", Shape: []int{2}}}
	ref, err := DecodeWeights("v.safetensors", file, want, len(want))
	if err != nil {
		t.Fatal(err)
	}
	for _, shift := range []int{0, 1, 2, 3} {
		buf := make([]byte, len(file)+8)
		base := 0
		for uintptr(unsafe.Pointer(&buf[base]))%8 != 0 {
			base++
		}
		in := buf[base+shift : base+shift+len(file)]
		copy(in, file)
		w, err := ViewWeights("v.safetensors", in, want, len(want))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"a", "b", "h"} {
			sameTensor(t, n, w[n], ref[n])
		}
		p := uintptr(unsafe.Pointer(&w["a"].Data[0]))
		inside := p >= uintptr(unsafe.Pointer(&in[0])) && p < uintptr(unsafe.Pointer(&in[0]))+uintptr(len(in))
		aligned := (uintptr(unsafe.Pointer(&in[0]))+uintptr(8+len(hdr)))%4 == 0 // where a's values start
		if inside != aligned {
			t.Errorf("data shifted %d bytes: F32 tensor inside data %v, want %v (aligned there)", shift, inside, aligned)
		}
		if aligned {
			in[len(in)-len(data)] ^= 1 // a's first value, through data
			if w["a"].Data[0] == ref["a"].Data[0] {
				t.Error("the view does not show data")
			}
		}
	}
	if _, err := ViewWeights("v.safetensors", file[:len(file)-1], want, len(want)); err == nil {
		t.Error("a truncated file is not an error")
	}
}
