package numtest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Logf(string, ...any)   {}

func TestClose(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		got  []float32
		want []float64
		tol  float64
		fail bool
	}{
		{[]float32{1, 2}, []float64{1, 2}, 0, false},
		{[]float32{1, 2.001}, []float64{1, 2}, 1e-4, true},
		{[]float32{1000.05}, []float64{1000}, 1e-4, false}, // relative to |want|
		{[]float32{0.00005}, []float64{0}, 1e-4, false},    // absolute below 1
		{[]float32{float32(inf)}, []float64{inf}, 0, false},
		{[]float32{float32(math.NaN())}, []float64{0}, 1, true},
		{[]float32{1}, []float64{1, 2}, 1, true},
	} {
		r := &recorder{}
		Close(r, "x", c.got, c.want, c.tol)
		if r.failed != c.fail {
			t.Errorf("Close(%v, %v, %g): failed %v, want %v", c.got, c.want, c.tol, r.failed, c.fail)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		got, want []float32
		fail      bool
	}{
		{[]float32{10, -20}, []float32{10, -20}, false},
		{[]float32{10.001, -20}, []float32{10, -20}, false}, // 1e-3 of max |want| 20: 5e-5
		{[]float32{10.1, -20}, []float32{10, -20}, true},
		{[]float32{float32(math.NaN())}, []float32{1}, true},
		{nil, nil, true},
	} {
		r := &recorder{}
		Compare(r, "x", c.got, c.want, 1e-4)
		if r.failed != c.fail {
			t.Errorf("Compare(%v, %v): failed %v, want %v", c.got, c.want, r.failed, c.fail)
		}
	}
}

func TestBitsEqual(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	if !BitsEqual([]float32{1, nan}, []float32{1, nan}) || BitsEqual([]float32{0}, []float32{negZero}) || BitsEqual([]float32{1}, nil) {
		t.Error("BitsEqual")
	}
}

func TestRand(t *testing.T) {
	a, b := Rand(rand.New(rand.NewPCG(1, 2)), 1000), Rand(rand.New(rand.NewPCG(1, 2)), 1000)
	if !BitsEqual(a, b) {
		t.Error("not deterministic")
	}
	for _, v := range a {
		if v < -1 || v >= 1 {
			t.Fatalf("%v out of [-1, 1)", v)
		}
	}
	if d := Float64s([]float32{0.5, -2}); len(d) != 2 || d[0] != 0.5 || d[1] != -2 {
		t.Errorf("Float64s: %v", d)
	}
}
