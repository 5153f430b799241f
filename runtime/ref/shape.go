package ref

import (
	"errors"
	"fmt"
)

// ErrShape is wrapped by the panics of kernels called with slices that do
// not match their shape arguments: a programmer error, not a data error.
var ErrShape = errors.New("runtime: shape mismatch")

// shapePanic panics with an error wrapping ErrShape.
func shapePanic(format string, args ...any) {
	panic(fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...))
}

// checkLen panics unless len(s) == want.
func checkLen(kernel, what string, s []float32, want int) {
	if len(s) != want {
		shapePanic("%s: %s has %d values, want %d", kernel, what, len(s), want)
	}
}
