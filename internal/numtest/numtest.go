// Package numtest holds what the numeric tests of the runtime, the
// interpreter, the generated packages and incc's commands share: seeded
// random inputs and comparisons of float32 results with an independent
// reference. Only tests import it; it imports only the standard library.
package numtest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Rand returns n values uniform in [-1, 1) from rng.
func Rand(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

// Float64s returns s converted to float64, for [Close].
func Float64s(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

// Close compares got with want (computed independently, often in
// float64) element by element, failing t where |got-want| >
// tol·max(1, |want|); equal infinities pass. It lists the first five
// values that differ and counts the others.
func Close(t testing.TB, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		g, w := float64(got[i]), want[i]
		if math.IsInf(w, 0) && g == w {
			continue
		}
		if !(math.Abs(g-w) <= tol*math.Max(1, math.Abs(w))) {
			if bad < 5 {
				t.Errorf("%s[%d]: got %v, want %v", what, i, g, w)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}

// Compare fails t unless max|got-want| <= tol·max|want| (a relative error
// over the whole output, as for a network's logits), and logs the error.
func Compare(t testing.TB, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	var maxRef, maxDiff float64
	for i := range want {
		maxRef = math.Max(maxRef, math.Abs(float64(want[i])))
		maxDiff = math.Max(maxDiff, math.Abs(float64(got[i]-want[i])))
	}
	rel := maxDiff / maxRef
	t.Logf("%-9s max |diff| %.3g, relative to max |ref| %.3g: %.3g", name, maxDiff, maxRef, rel)
	if !(rel <= tol) {
		t.Errorf("%s: max |got - want| = %.3g, %.3g of max |want| %.3g (want <= %g)", name, maxDiff, rel, maxRef, tol)
	}
}

// BitsEqual reports whether a and b hold the same float32 bits (NaN
// payloads and signed zeros included).
func BitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
