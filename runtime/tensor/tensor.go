package tensor

import (
	"fmt"
	"slices"
	"strings"
)

// Tensor is a dense float32 tensor in row-major (C) order. Activations are
// N×C×H×W; weights have the shapes of their [Spec].
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero tensor of the given shape. It panics on a negative
// dimension. A tensor with no dimensions is a scalar and holds one value.
func New(shape ...int) Tensor {
	n, err := shapeLen(shape)
	if err != nil {
		panic("runtime: " + err.Error())
	}
	return Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data as a tensor of the given shape without copying. It is
// an error if len(data) is not the product of the dimensions.
func FromData(data []float32, shape ...int) (Tensor, error) {
	n, err := shapeLen(shape)
	if err != nil {
		return Tensor{}, fmt.Errorf("runtime: %v", err)
	}
	if len(data) != n {
		return Tensor{}, fmt.Errorf("runtime: %d values for shape %v, want %d", len(data), shape, n)
	}
	return Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// shapeLen is the product of the dimensions, or an error for a negative one
// or an overflowing product.
func shapeLen(shape []int) (int, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil // however large the other dimensions
	}
	n := 1
	for _, d := range shape {
		if n > maxLen/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// maxLen bounds the number of elements of a tensor (2^31-1 keeps byte sizes
// far from overflow on 64-bit machines and within reach on 32-bit ones).
const maxLen = 1<<31 - 1

// Len is the number of elements, the product of the dimensions.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// offset is the row-major position of idx; it panics on a bad index.
func (t Tensor) offset(idx []int) int {
	if len(idx) != len(t.Shape) {
		panic(fmt.Sprintf("runtime: index %v for shape %v", idx, t.Shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.Shape[i] {
			panic(fmt.Sprintf("runtime: index %v out of range for shape %v", idx, t.Shape))
		}
		off = off*t.Shape[i] + x
	}
	return off
}

// At returns the element at idx (one index per dimension).
func (t Tensor) At(idx ...int) float32 { return t.Data[t.offset(idx)] }

// Set stores v at idx (one index per dimension).
func (t Tensor) Set(v float32, idx ...int) { t.Data[t.offset(idx)] = v }

// Clone returns a deep copy.
func (t Tensor) Clone() Tensor {
	return Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor sharing t's data with another shape of the same
// length; it panics if the lengths differ.
func (t Tensor) Reshape(shape ...int) Tensor {
	n, err := shapeLen(shape)
	if err != nil || n != len(t.Data) {
		panic(fmt.Sprintf("runtime: reshape %v to %v", t.Shape, shape))
	}
	return Tensor{Shape: append([]int(nil), shape...), Data: t.Data}
}

// SameShape reports whether a and b have the same dimensions.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String renders the shape and, for small tensors, the values.
func (t Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tensor%v", t.Shape)
	if len(t.Data) <= 16 {
		fmt.Fprintf(&b, " %v", t.Data)
	}
	return b.String()
}
