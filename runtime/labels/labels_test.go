package labels

import (
	"reflect"
	"testing"
)

func TestLabels(t *testing.T) {
	in, err := Labels("imagenet")
	if err != nil || len(in) != 1000 || in[0] != "tench" || in[999] != "toilet tissue" {
		t.Fatalf("imagenet: %d labels, first %q, err %v", len(in), in[0], err)
	}
	m, err := Labels("mnist")
	if err != nil || len(m) != 10 || m[7] != "7" {
		t.Fatalf("mnist: %v %v", m, err)
	}
	if _, err := Labels("nope"); err == nil {
		t.Error("unknown set: no error")
	}
}

func TestTopK(t *testing.T) {
	v := []float32{0.1, 3, -1, 3, 7, 0}
	for _, tt := range []struct {
		k    int
		want []int
	}{{1, []int{4}}, {3, []int{4, 1, 3}}, {10, []int{4, 1, 3, 0, 5, 2}}, {0, []int{}}} {
		if got := TopK(v, tt.k); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("TopK(%d) = %v, want %v", tt.k, got, tt.want)
		}
	}
}
