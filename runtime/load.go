package runtime

import (
	"io"

	"github.com/inccdev/incc/runtime/tensor"
)

// This file holds what generated networks name of package tensor: the
// weights they take, the manifest they check them against (Params), and
// the safetensors readers of their Load, Read and Decode.

// Weights maps a weight tensor's full name to its values
// ([tensor.Weights]): what a generated New takes.
type Weights = tensor.Weights

// Spec is a weight tensor a network expects ([tensor.Spec]): a generated
// package's Params lists them.
type Spec = tensor.Spec

// New returns a zero tensor of the given shape ([tensor.New]).
func New(shape ...int) tensor.Tensor { return tensor.New(shape...) }

// CheckRequired validates w against a network's weight manifest: the
// first required tensors of want must be there ([tensor.CheckRequired]).
func CheckRequired(w Weights, want []Spec, required int) error {
	return tensor.CheckRequired(w, want, required)
}

// LoadWeights reads the tensors of want[:required] from a safetensors file
// ([tensor.LoadWeights]).
func LoadWeights(path string, want []Spec, required int) (Weights, error) {
	return tensor.LoadWeights(path, want, required)
}

// ReadWeights reads the tensors of want[:required] from a safetensors file
// of size bytes ([tensor.ReadWeights]).
func ReadWeights(name string, r io.Reader, size int64, want []Spec, required int) (Weights, error) {
	return tensor.ReadWeights(name, r, size, want, required)
}

// DecodeWeights reads the tensors of want[:required] from a safetensors
// file held in data ([tensor.DecodeWeights]).
func DecodeWeights(name string, data []byte, want []Spec, required int) (Weights, error) {
	return tensor.DecodeWeights(name, data, want, required)
}

// ViewWeights is [DecodeWeights] reading float32 tensors from data in
// place ([tensor.ViewWeights]): data must not change while the weights are
// in use.
func ViewWeights(name string, data []byte, want []Spec, required int) (Weights, error) {
	return tensor.ViewWeights(name, data, want, required)
}
