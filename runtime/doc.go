// Package runtime is what generated incc networks and model binaries link:
// float32 tensors, weight and tensor file I/O (safetensors, .npy), the
// deterministic weight initializer, plain reference kernels, and what
// generated layers run on: the engine (a worker pool running images, or one
// image's layers as a task graph), weights packed for the GEMM of package
// runtime/gemm with the tiling of its work ([Grid]), SIMD max pooling
// ([MaxPoolChannels]), per-layer profiles and [Bench].
//
// It imports only the standard library, runtime/gemm and internal/geom
// (gonum in tests).
// It must never import dsl/
// or compiler/ (nor participle or jennifer): a model binary must not link the
// compiler. The package name shadows the standard library's runtime; code that
// needs both imports one of them under an alias (the style guide suggests
// "rt" for this one).
//
// # Layout and shapes
//
// Activations are float32 in NCHW order, row-major, with a dynamic batch N.
// Kernels work on raw []float32 slices plus shape integers so that generated
// code can call them directly. Each kernel's doc comment gives its reference
// formula. A slice whose length does not match the shapes passed is a
// programmer error (a checked network cannot produce it): kernels panic with
// an error wrapping [ErrShape]. Anything that comes from a file or a caller
// (weights, tensors, input shapes) is reported as a returned error instead.
//
// # Output sizes
//
// Output sizes follow package internal/geom, the one statement of the
// sliding-window rules (floor and ceil rounding, SAME padding) that the
// checker, the interpreter, the exporter and the code generator share.
package runtime
