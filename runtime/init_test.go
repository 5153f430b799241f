package runtime

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/inccdev/incc/runtime/tensor"
)

// TestInitVectors compares Init bit for bit with testdata/init_vectors.json,
// written by the Python twin of the initializer (tools/incc_init.py).
func TestInitVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/init_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Name   string    `json:"name"`
		Seed   uint64    `json:"seed"`
		Kind   string    `json:"kind"`
		FanIn  int       `json:"fan_in"`
		Values []float64 `json:"values"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vectors {
		t.Run(fmt.Sprintf("%s/%s/seed%d", v.Kind, v.Name, v.Seed), func(t *testing.T) {
			kind, err := parseInitKind(v.Kind)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(v.Values))
			Init(got, v.Seed, v.Name, kind, v.FanIn)
			for i, w := range v.Values {
				if want := float32(w); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Errorf("value %d: got %v (%#08x), want %v (%#08x)", i, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
		})
	}
}

// TestInitHand checks the first draw of the stream against a computation
// done step by step (see the comments), independent of splitMix.
func TestInitHand(t *testing.T) {
	// fnv1a64("a") = (14695981039346656037 ^ 0x61) * 1099511628211 mod 2^64.
	h, prime := uint64(14695981039346656037), uint64(1099511628211)
	h = (h ^ 0x61) * prime
	if h != 0xaf63dc4c8601ec8c { // the published FNV-1a 64 of "a"
		t.Fatalf("fnv1a64(a) = %#x, want 0xaf63dc4c8601ec8c", h)
	}
	// seed 0: state = h; first output = splitmix64 finaliser of h + golden.
	z := h + 0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	r := 2*float64(z>>40)/(1<<24) - 1
	got := make([]float32, 1)
	Init(got, 0, "a", InitInput, 0)
	if got[0] != float32(r) {
		t.Errorf("Init input a: got %v, want %v", got[0], float32(r))
	}
	Init(got, 0, "a", InitWeight, 6)
	if got[0] != float32(r) { // sqrt(6/6) = 1
		t.Errorf("Init weight a fan-in 6: got %v, want %v", got[0], float32(r))
	}
	Init(got, 0, "a", InitRunningVar, 0)
	if want := float32(1 + 0.5*r); got[0] != want {
		t.Errorf("Init running_var a: got %v, want %v", got[0], want)
	}
}

func TestInitKinds(t *testing.T) {
	for k := InitWeight; k <= InitInput; k++ {
		got, err := parseInitKind(k.String())
		if err != nil || got != k {
			t.Errorf("parseInitKind(%q) = %v, %v, want %v", k.String(), got, err, k)
		}
	}
	if _, err := parseInitKind("gamma"); err == nil {
		t.Errorf("parseInitKind(gamma): got no error, want one")
	}
	// Ranges: every kind stays within its documented interval.
	ranges := map[InitKind][2]float64{
		InitWeight: {-1, 1}, InitBias: {-0.1, 0.1}, InitBNWeight: {0.75, 1.25}, InitBNBias: {-0.1, 0.1},
		InitRunningMean: {-0.1, 0.1}, InitRunningVar: {0.5, 1.5}, InitInput: {-1, 1},
	}
	buf := make([]float32, 1000)
	for k, r := range ranges {
		Init(buf, 7, "x", k, 6)
		for _, v := range buf {
			if float64(v) < r[0] || float64(v) > r[1] {
				t.Fatalf("%v: value %v outside [%v, %v]", k, v, r[0], r[1])
			}
		}
	}
}

func TestSeededInput(t *testing.T) {
	in := SeededInput(3, 2, 3, 4, 5)
	if !tensor.SameShape(in.Shape, []int{2, 3, 4, 5}) {
		t.Fatalf("shape: got %v, want [2 3 4 5]", in.Shape)
	}
	want := make([]float32, 2*3*4*5)
	Init(want, 3, "input", InitInput, 0)
	for i := range want {
		if in.Data[i] != want[i] {
			t.Fatalf("value %d: got %v, want %v", i, in.Data[i], want[i])
		}
	}
}
