package tensor

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	want := []Spec{
		{Name: "inception3a.branch1.conv.weight", Shape: []int{64, 192, 3, 3}},
		{Name: "conv1.weight", Shape: []int{2, 3}},
		{Name: "conv1.bias", Shape: []int{2}},
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

// TestCheckValues: NaN and infinite weights, and negative running
// variances, are errors naming the tensor, the count and the first bad
// value with its coordinates; a negative value elsewhere is fine, and so
// are bad values in optional tensors (they do not run).
func TestCheckValues(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	want := []Spec{
		{Name: "conv.weight", Shape: []int{2, 1, 2, 2}},
		{Name: "bn.running_var", Shape: []int{3}, NonNegative: true},
		{Name: "bn.running_mean", Shape: []int{3}},
	}
	w := func(conv []float32, variance []float32) Weights {
		return Weights{
			"conv.weight":         {Shape: []int{2, 1, 2, 2}, Data: conv},
			"bn.running_var":      {Shape: []int{3}, Data: variance},
			"bn.running_mean":     {Shape: []int{3}, Data: []float32{-1, 0, 1}},
			"head.weight":         {Shape: []int{1}, Data: []float32{nan}},
			"num_batches_tracked": {Shape: []int{}, Data: []float32{inf}},
		}
	}
	optional := func(name string) bool { return name == "head.weight" || IsBatchesTracked(name) }
	conv := []float32{1, -2, 3, 4, 5, 6, 7, 8}
	for _, tt := range []struct {
		name           string
		conv, variance []float32
		want           []string
	}{
		{"ok", conv, []float32{0, 1, 2}, nil},
		{"nan", []float32{1, 2, 3, 4, 5, 6, nan, 8}, []float32{0, 1, 2},
			[]string{"runtime: weights: conv.weight: value NaN at [1 0 1 0] is not finite"}},
		{"infinities", []float32{1, float32(math.Inf(-1)), 3, 4, 5, inf, 7, nan}, []float32{0, 1, 2},
			[]string{"runtime: weights: conv.weight: 3 values are not finite, the first -Inf at [0 0 0 1]"}},
		{"negative variance", conv, []float32{0, -0.5, 2},
			[]string{"runtime: weights: bn.running_var: value -0.5 at [1] is negative (a variance cannot be negative)"}},
		{"both", []float32{inf, 2, 3, 4, 5, 6, 7, 8}, []float32{nan, -1, -2},
			[]string{"runtime: weights: conv.weight: value +Inf at [0 0 0 0] is not finite",
				"runtime: weights: bn.running_var: value NaN at [0] is not finite",
				"runtime: weights: bn.running_var: 2 values are negative, the first -1 at [1] (a variance cannot be negative)"}},
	} {
		err := Check(w(tt.conv, tt.variance), want, optional)
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestCheckCapped: a hundred thousand unexpected tensors give an error of
// 20 problems and a count of the others, not a hundred thousand lines;
// both from weights in memory and from a file's header.
func TestCheckCapped(t *testing.T) {
	const n = 100_000
	w := Weights{"a": New(1)}
	var hdr strings.Builder
	hdr.WriteString(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`)
	for i := range n {
		name := fmt.Sprintf("junk%06d", i)
		w[name] = New(1)
		fmt.Fprintf(&hdr, `,%q:{"dtype":"U8","shape":[0],"data_offsets":[4,4]}`, name)
	}
	hdr.WriteString("}")
	want := []Spec{{Name: "a", Shape: []int{1}}, {Name: "b", Shape: []int{2}}}
	_, fromFile := DecodeWeights("w", stFile(hdr.String(), f32bytes(1)), want, 2)
	for what, err := range map[string]error{"Check": Check(w, want, nil), "DecodeWeights": fromFile} {
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != 21 || lines[0] != "runtime: weights: b: missing, want shape [2]" ||
			lines[1] != "runtime: weights: junk000000: unexpected tensor (shape [1]), the network has no such weight" && what == "Check" ||
			lines[20] != "runtime: weights: and 99981 more problems" || !errors.Is(err, ErrWeights) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 21 {
			t.Errorf("%s: %d lines:\n%s\n...\n%s", what, len(lines), strings.Join(lines[:min(3, len(lines))], "\n"), lines[len(lines)-1])
		}
	}
}

func TestCheckRequired(t *testing.T) {
	want := []Spec{{Name: "a.weight", Shape: []int{2}}, {Name: "head.weight", Shape: []int{1}}}
	w := Weights{"a.weight": New(2), "a.bn.num_batches_tracked": New(), "head.weight": New(3)}
	if err := CheckRequired(w, want, 1); err != nil {
		t.Errorf("head tensor optional (even with a wrong shape): %v", err)
	}
	if err := CheckRequired(w, want, 2); err == nil || !strings.Contains(err.Error(), "head.weight") {
		t.Errorf("head tensor required: %v", err)
	}
	if err := CheckRequired(Weights{}, want, 1); err == nil || !strings.Contains(err.Error(), "a.weight: missing") {
		t.Errorf("missing: %v", err)
	}
	if err := CheckRequired(w, want, 3); err == nil {
		t.Error("required > len(want): no error")
	}
}
