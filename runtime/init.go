package runtime

import (
	"fmt"
	"math"

	"github.com/inccdev/incc/runtime/tensor"
)

// InitKind says how [Init] turns uniform numbers into a tensor's values. The
// caller maps a network's weight roles to it (runtime does not know the IR).
type InitKind int

const (
	InitWeight      InitKind = iota // conv/fc weight: r·sqrt(6/fanIn)
	InitBias                        // conv/fc bias: 0.1·r
	InitBNWeight                    // batch norm weight (gamma): 1 + 0.25·r
	InitBNBias                      // batch norm bias (beta): 0.1·r
	InitRunningMean                 // batch norm running mean: 0.1·r
	InitRunningVar                  // batch norm running variance: 1 + 0.5·r
	InitInput                       // network input: r
)

var initKindNames = [...]string{"weight", "bias", "bn_weight", "bn_bias", "running_mean", "running_var", "input"}

// String returns the kind's name as used in test vectors ("weight", "bias",
// "bn_weight", "bn_bias", "running_mean", "running_var", "input").
func (k InitKind) String() string {
	if k >= 0 && int(k) < len(initKindNames) {
		return initKindNames[k]
	}
	return fmt.Sprintf("InitKind(%d)", int(k))
}

// parseInitKind is the inverse of [InitKind.String].
func parseInitKind(s string) (InitKind, error) {
	for i, n := range initKindNames {
		if n == s {
			return InitKind(i), nil
		}
	}
	return 0, fmt.Errorf("runtime: unknown init kind %q", s)
}

// splitMix is the SplitMix64 generator.
type splitMix struct{ state uint64 }

const golden = 0x9E3779B97F4A7C15

// newStream seeds a stream for one named tensor:
//
//	state = fnv1a64(name) XOR (seed · 0x9E3779B97F4A7C15)   (mod 2^64)
//
// where fnv1a64 starts from 14695981039346656037 and for each byte b does
// h ^= b; h *= 1099511628211.
func newStream(seed uint64, name string) splitMix {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return splitMix{h ^ seed*golden}
}

// next is SplitMix64's step.
func (s *splitMix) next() uint64 {
	s.state += golden
	z := s.state
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// uniform returns r in [-1, 1): u = float64(next() >> 40) / 2^24, r = 2u - 1,
// both exact in float64.
func (s *splitMix) uniform() float64 {
	u := float64(s.next()>>40) / 16777216.0
	return float64(2*u) - 1
}

// Init fills dst, a tensor named name in C (row-major) order, with the
// deterministic initializer: a SplitMix64 stream seeded from the name and
// seed (see the package tests and tools/ for the Python twin) draws r in
// [-1, 1) per element, and the value is computed from r in float64 by kind,
// then rounded to float32:
//
//	InitWeight       r · sqrt(6 / fanIn)
//	InitBias         0.1 · r
//	InitBNWeight     1 + 0.25 · r
//	InitBNBias       0.1 · r
//	InitRunningMean  0.1 · r
//	InitRunningVar   1 + 0.5 · r
//	InitInput        r
//
// fanIn is used by InitWeight only and must be positive there; Init panics
// otherwise, and on an unknown kind.
func Init(dst []float32, seed uint64, name string, kind InitKind, fanIn int) {
	var scale, offset float64
	switch kind {
	case InitWeight:
		if fanIn <= 0 {
			panic(fmt.Sprintf("runtime: init %s: fan-in %d, want > 0", name, fanIn))
		}
		scale = math.Sqrt(6 / float64(fanIn))
	case InitBias, InitBNBias, InitRunningMean:
		scale = 0.1
	case InitBNWeight:
		scale, offset = 0.25, 1
	case InitRunningVar:
		scale, offset = 0.5, 1
	case InitInput:
		scale = 1
	default:
		panic(fmt.Sprintf("runtime: init %s: unknown kind %v", name, kind))
	}
	s := newStream(seed, name)
	for i := range dst {
		// The explicit float64 conversion forbids fusing into an FMA, so the
		// rounding is the same on every architecture and in Python.
		dst[i] = float32(offset + float64(scale*s.uniform()))
	}
}

// SeededInput returns the deterministic network input for seed: an
// n×c×h×w tensor named "input" filled by [Init] with [InitInput].
func SeededInput(seed uint64, n, c, h, w int) tensor.Tensor {
	t := New(n, c, h, w)
	Init(t.Data, seed, "input", InitInput, 0)
	return t
}
