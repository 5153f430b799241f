package runtime

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	want := []Spec{
		{"inception3a.branch1.conv.weight", []int{64, 192, 3, 3}},
		{"conv1.weight", []int{2, 3}},
		{"conv1.bias", []int{2}},
	}
	good := Weights{
		"inception3a.branch1.conv.weight": New(64, 192, 3, 3),
		"conv1.weight":                    New(2, 3),
		"conv1.bias":                      New(2),
	}
	aux := func(name string) bool { return strings.HasPrefix(name, "aux1.") || IsBatchesTracked(name) }
	with := func(extra Weights) Weights {
		w := Weights{}
		for k, v := range good {
			w[k] = v
		}
		for k, v := range extra {
			if v.Shape == nil {
				delete(w, k)
			} else {
				w[k] = v
			}
		}
		return w
	}
	tests := []struct {
		name     string
		w        Weights
		optional func(string) bool
		want     []string // one line per problem, in order
	}{
		{"ok", good, nil, nil},
		{"optional-extras-ignored", with(Weights{"aux1.fc.weight": New(3), "conv1.bn.num_batches_tracked": New()}), aux, nil},
		{"shape", with(Weights{"inception3a.branch1.conv.weight": New(64, 192, 1, 1)}), nil,
			[]string{"runtime: weights: inception3a.branch1.conv.weight: shape [64 192 1 1], want [64 192 3 3]"}},
		{"missing", with(Weights{"conv1.bias": {}}), nil,
			[]string{"runtime: weights: conv1.bias: missing, want shape [2]"}},
		{"extra", with(Weights{"aux1.fc.weight": New(3)}), nil,
			[]string{"runtime: weights: aux1.fc.weight: unexpected tensor (shape [3]), the network has no such weight"}},
		{"bad-length", with(Weights{"conv1.bias": {Shape: []int{2}, Data: []float32{1}}}), nil,
			[]string{"runtime: weights: conv1.bias: got 1 values, want 2 for shape [2]"}},
		{"all-problems", with(Weights{"conv1.bias": {}, "conv1.weight": New(3, 2), "zz": New(1), "aa": New(1), "aux1.x": New(1)}), aux,
			[]string{
				"runtime: weights: conv1.weight: shape [3 2], want [2 3]",
				"runtime: weights: conv1.bias: missing, want shape [2]",
				"runtime: weights: aa: unexpected tensor (shape [1]), the network has no such weight",
				"runtime: weights: zz: unexpected tensor (shape [1]), the network has no such weight",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.w, want, tt.optional)
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestTensor(t *testing.T) {
	x := New(2, 3)
	x.Set(5, 1, 2)
	if got := x.At(1, 2); got != 5 || x.Data[5] != 5 {
		t.Errorf("At(1, 2): got %v, want 5", got)
	}
	if got := x.Len(); got != 6 {
		t.Errorf("Len: got %d, want 6", got)
	}
	y := x.Reshape(3, 2)
	if y.At(2, 1) != 5 {
		t.Errorf("Reshape: got %v, want 5", y.At(2, 1))
	}
	c := x.Clone()
	c.Data[0] = 1
	if x.Data[0] != 0 {
		t.Errorf("Clone shares data")
	}
	if _, err := FromData(make([]float32, 5), 2, 3); err == nil {
		t.Errorf("FromData(5 values, 2x3): got no error, want one")
	}
	if s := New().Len(); s != 1 {
		t.Errorf("scalar Len: got %d, want 1", s)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("At out of range: got no panic, want one")
		}
	}()
	x.At(2, 0)
}
