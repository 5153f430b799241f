package tensor

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// sparseWeights writes a safetensors file holding conv.weight (F32 [2 3]),
// then a U8 tensor named big of size bytes whose data is a hole in the
// file (sparse, so the file is quick to write), then conv.bias (F32 [2]).
func sparseWeights(t *testing.T, big string, size int64) string {
	t.Helper()
	w := f32bytes(1, 2, 3, 4, 5, 6)
	hdr := fmt.Sprintf(`{"conv.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},`+
		`%q:{"dtype":"U8","shape":[%d],"data_offsets":[24,%d]},`+
		`"conv.bias":{"dtype":"F32","shape":[2],"data_offsets":[%d,%d]}}`, big, size, 24+size, 24+size, 32+size)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := stFile(hdr, w)
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(f32bytes(-1, 1), int64(len(head))+size); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadWeightsSkipsUnused: of a file whose 64 MB U8 tensor the network
// does not read, ReadWeights reads only the network's tensors (ReadSafetensors
// widened the U8 tensor to 256 MB of float32): when the tensor is optional (a
// side head's, or a num_batches_tracked counter) its data is skipped; when
// the network has no such tensor, the header is refused before any data is
// read. Through a file, bytes in memory and a plain reader.
func TestReadWeightsSkipsUnused(t *testing.T) {
	const size = 64 << 20
	want := []Spec{{Name: "conv.weight", Shape: []int{2, 3}}, {Name: "conv.bias", Shape: []int{2}}, {Name: "head.weight", Shape: []int{size}}}
	for _, tt := range []struct {
		big     string
		wantErr string
	}{
		{"head.weight", ""},
		{"bn.num_batches_tracked", ""},
		{"junk", "runtime: weights: junk: unexpected tensor (shape [67108864]), the network has no such weight"},
	} {
		path := sparseWeights(t, tt.big, size)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, how := range []string{"LoadWeights", "DecodeWeights", "ReadWeights", "ReadWeights (not seekable)"} {
			var w Weights
			var err error
			a := allocated(func() {
				switch how {
				case "LoadWeights":
					w, err = LoadWeights(path, want, 2)
				case "DecodeWeights":
					w, err = DecodeWeights("w", data, want, 2)
				case "ReadWeights":
					w, err = ReadWeights("w", bytes.NewReader(data), int64(len(data)), want, 2)
				default:
					w, err = ReadWeights("w", struct{ io.Reader }{bytes.NewReader(data)}, int64(len(data)), want, 2)
				}
			})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("%s, %s: error %v, want %q", how, tt.big, err, tt.wantErr)
				}
			} else if err != nil || len(w) != 2 || w["conv.bias"].Data[0] != -1 || w["conv.weight"].Data[5] != 6 {
				t.Errorf("%s, %s: %v, %v", how, tt.big, err, w)
			}
			if a > 4<<20 {
				t.Errorf("%s, %s: allocated %d bytes, want a few kB: the unused tensor was read", how, tt.big, a)
			}
		}
	}
}

// TestReadWeightsErrors: a required tensor missing or of another shape is
// found from the header; values that are not finite after reading; every
// problem is reported, naming the tensor.
func TestReadWeightsErrors(t *testing.T) {
	data := stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[1],"data_offsets":[8,10]}}`,
		append(f32bytes(1, 2), 0, 0x7c)) // b is +Inf
	for _, tt := range []struct {
		want     []Spec
		required int
		errs     []string
	}{
		{[]Spec{{Name: "a", Shape: []int{2}}, {Name: "b", Shape: []int{1}}}, 2, []string{"runtime: weights: b: value +Inf at [0] is not finite"}},
		{[]Spec{{Name: "a", Shape: []int{2}}, {Name: "b", Shape: []int{1}}}, 1, nil},
		{[]Spec{{Name: "a", Shape: []int{3}}, {Name: "c", Shape: []int{1}}}, 2, []string{
			"runtime: weights: a: shape [2], want [3]",
			"runtime: weights: c: missing, want shape [1]",
			"runtime: weights: b: unexpected tensor (shape [1]), the network has no such weight"}},
	} {
		_, err := DecodeWeights("w", data, tt.want, tt.required)
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
		}
		if strings.Join(got, "\n") != strings.Join(tt.errs, "\n") {
			t.Errorf("%v (%d required): got\n%s\nwant\n%s", tt.want, tt.required, strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
		}
	}
	if _, err := DecodeWeights("w", data[:20], nil, 0); err == nil || !strings.Contains(err.Error(), "runtime: safetensors: w:") {
		t.Errorf("a malformed file: %v", err)
	}
}
