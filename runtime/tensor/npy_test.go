package tensor

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNpyNumpyFixtures reads files written by numpy itself
// (testdata/npy/make_fixtures.py).
func TestNpyNumpyFixtures(t *testing.T) {
	a := Tensor{Shape: []int{2, 3}, Data: []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}}
	tests := []struct {
		file string
		want Tensor
	}{
		{"f4_2x3.npy", a},
		{"f4_v2_2x3.npy", a},
		{"f8_4.npy", Tensor{Shape: []int{4}, Data: []float32{1.5, -2, 0.25, float32(math.Inf(1))}}},
		{"f4_scalar.npy", Tensor{Shape: []int{}, Data: []float32{7}}},
		{"f4_empty_0x3.npy", Tensor{Shape: []int{0, 3}, Data: []float32{}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := LoadNpy(filepath.Join("testdata", "npy", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			sameTensor(t, tt.file, got, tt.want)
		})
	}
	rejects := []struct{ file, want string }{
		{"f4_fortran.npy", "f4_fortran.npy: fortran_order is True, want C order"},
		{"f4_bigendian.npy", "f4_bigendian.npy: big-endian data (>f4) is not supported"},
		{"i4.npy", `i4.npy: unsupported dtype "<i4", want '<f4' or '<f8'`},
	}
	for _, tt := range rejects {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadNpy(filepath.Join("testdata", "npy", tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNpyRoundTrip(t *testing.T) {
	tests := []Tensor{
		{Shape: []int{}, Data: []float32{3}},
		{Shape: []int{3}, Data: []float32{1, 2, 3}},
		{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.NaN())}},
		{Shape: []int{1, 2, 1, 2}, Data: []float32{-1, 0, 1, 2}},
		{Shape: []int{0}, Data: []float32{}},
	}
	for _, want := range tests {
		t.Run(want.String(), func(t *testing.T) {
			data, err := EncodeNpy(want)
			if err != nil {
				t.Fatal(err)
			}
			hlen := int(binary.LittleEndian.Uint16(data[8:]))
			if (10+hlen)%64 != 0 || data[10+hlen-1] != '\n' {
				t.Errorf("header of %d bytes: data offset %d, want a multiple of 64 and a final newline", hlen, 10+hlen)
			}
			got, err := DecodeNpy("rt.npy", data)
			if err != nil {
				t.Fatal(err)
			}
			sameTensor(t, "rt", got, want)
		})
	}
	// The header text is numpy's.
	data, _ := EncodeNpy(Tensor{Shape: []int{2, 3}, Data: make([]float32, 6)})
	if want := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"; !bytes.HasPrefix(data[10:], []byte(want)) {
		t.Errorf("header: got %q, want it to start with %q", data[10:80], want)
	}
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := SaveNpy(path, tests[2]); err != nil {
		t.Fatal(err)
	}
	got, err := LoadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, "file", got, tests[2])
	if _, err := EncodeNpy(Tensor{Shape: []int{2}, Data: []float32{1}}); err == nil {
		t.Errorf("EncodeNpy of 1 value for shape [2]: got no error, want one")
	}
}

// npyFile builds a version 1.0 file from a header and data.
func npyFile(major byte, hdr string, data []byte) []byte {
	b := append([]byte(npyMagic), major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	return append(append(b, hdr...), data...)
}

func TestNpyErrors(t *testing.T) {
	f4x2 := f32bytes(1, 2)
	hdr := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n"
	}
	good := hdr("<f4", "False", "(2,)")
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "x.npy: file is 0 bytes, too short"},
		{"bad-magic", append([]byte("\x93NUMPX\x01\x00\x00\x00"), good...), "x.npy: not an .npy file"},
		{"version-4", npyFile(4, good, f4x2), "unsupported format version 4.0"},
		{"version-1.1", append([]byte(npyMagic+"\x01\x01\x00\x00"), good...), "unsupported format version 1.1"},
		{"header-past-end", npyFile(1, good, nil)[:20], "header length 58 runs past the end of the file (20 bytes)"},
		{"v2-huge-header", npyFile(2, "", nil)[:8], "file is 8 bytes, too short"},
		{"truncated-data", npyFile(1, good, f4x2[:6]), "x.npy: shape [2] (<f4) needs 8 bytes of data, file has 6"},
		{"extra-data", npyFile(1, good, append(f4x2, 0, 0, 0, 0)), "needs 8 bytes of data, file has 12"},
		{"lying-shape", npyFile(1, hdr("<f4", "False", "(1000000000, 1000000000, 1000000000)"), f4x2), "needs 4e+27 bytes of data, file has 8"},
		{"fortran", npyFile(1, hdr("<f4", "True", "(2,)"), f4x2), "fortran_order is True"},
		{"big-endian-f8", npyFile(1, hdr(">f8", "False", "(1,)"), make([]byte, 8)), "big-endian data (>f8)"},
		{"f2", npyFile(1, hdr("<f2", "False", "(4,)"), f4x2), `unsupported dtype "<f2"`},
		{"negative-dim", npyFile(1, hdr("<f4", "False", "(-2,)"), f4x2), "negative dimension -2"},
		{"huge-dim", npyFile(1, hdr("<f4", "False", "(99999999999999999999,)"), f4x2), "bad dimension"},
		{"missing-key", npyFile(1, "{'descr': '<f4', 'shape': (2,), }", f4x2), `missing key "fortran_order"`},
		{"extra-key", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f4x2), `unexpected key "x"`},
		{"duplicate-key", npyFile(1, "{'descr': '<f4', 'descr': '<f4'}", f4x2), `duplicate key "descr"`},
		{"not-dict", npyFile(1, "[1, 2]", f4x2), "not a dict"},
		{"trailing", npyFile(1, good+"x", f4x2), "trailing data after the dict"},
		{"bad-bool", npyFile(1, hdr("<f4", "Falsey", "(2,)"), f4x2), "fortran_order is not True or False"},
		{"shape-not-tuple", npyFile(1, hdr("<f4", "False", "[2]"), f4x2), "shape: not a tuple"},
		{"non-ascii", npyFile(1, "{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': (2,), }", f4x2), "header is not ASCII"},
		{"v3-bad-utf8", npyFile(3, "{'descr': '\xff', 'fortran_order': False, 'shape': (2,), }", f4x2), "header is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeNpy("x.npy", tt.file)
			if err == nil {
				t.Fatalf("got %v and no error, want error containing %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "runtime: npy: x.npy: ") {
				t.Errorf("got error %q, want one starting with the file and containing %q", err, tt.want)
			}
		})
	}
	// Version 3.0 with a UTF-8 header reads.
	if _, err := DecodeNpy("v3.npy", npyFile(3, good, f4x2)); err != nil {
		t.Errorf("version 3.0: %v", err)
	}
	if _, err := LoadNpy(filepath.Join(t.TempDir(), "missing.npy")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: got %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestNpyZeroDimension: a shape with a zero dimension is empty however
// large the others (numpy accepts it): it reads as an empty tensor with
// that shape, round-trips, and data after it is an error that says 0
// bytes are wanted. (The product of the large dimensions was checked
// first and refused with "needs 0 bytes of data, file has 0".)
func TestNpyZeroDimension(t *testing.T) {
	for _, shape := range []string{"(100000, 100000, 0)", "(0, 2000000000, 2000000000)", "(2000000000, 0, 7)"} {
		data := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': "+shape+", }", nil)
		x, err := DecodeNpy("z.npy", data)
		if err != nil || len(x.Data) != 0 || len(x.Shape) != 3 {
			t.Errorf("%s: %v, %v", shape, x.Shape, err)
			continue
		}
		again, err := EncodeNpy(x)
		if err != nil {
			t.Errorf("%s: writing back: %v", shape, err)
			continue
		}
		if y, err := DecodeNpy("again.npy", again); err != nil || !SameShape(x.Shape, y.Shape) {
			t.Errorf("%s: round trip: %v, %v", shape, y.Shape, err)
		}
		if _, err := DecodeNpy("z.npy", append(data, 1, 2, 3, 4)); err == nil || !strings.Contains(err.Error(), "needs 0 bytes of data, file has 4") {
			t.Errorf("%s with data: %v", shape, err)
		}
	}
	if n, err := shapeLen([]int{100000, 100000, 0}); n != 0 || err != nil {
		t.Errorf("shapeLen with a zero after large dimensions: %d, %v", n, err)
	}
	if _, err := FromData(nil, 2000000000, 0, 2000000000); err != nil {
		t.Errorf("FromData: %v", err)
	}
}
