// Package tensor holds float32 tensors ([Tensor], row-major) and their
// files: safetensors (the weights of a network, [Weights], read and
// written as the PyTorch ecosystem does) and NumPy's .npy (inputs and
// outputs), with the checks of a set of weights against what a network
// expects ([Spec], [Check], [CheckRequired]).
//
// Every reader takes untrusted input: sizes are checked against the file
// before anything is allocated for them, and a malformed file is an error
// naming the file and the tensor, never a panic. Writers replace a file
// only once it is complete.
//
// It imports only the standard library and two of incc's leaf packages
// (internal/regular, internal/atomicfile). Generated code names what it
// needs of it through package runtime (runtime.Weights, runtime.Spec,
// runtime.LoadWeights, ...), so that one package and one version stand
// between generated code and everything it calls.
package tensor
