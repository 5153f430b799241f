// Package ref holds incc's reference kernels: plain loops, one per kind of
// layer (Conv2D, grouped too, Linear, MaxPool2D, AvgPool2D,
// AdaptiveAvgPool2D, BatchNorm, LRN, ReLU, ReLU6, Clamp, Sigmoid,
// HardSigmoid, HardSwish, SiLU, Scale, Add, Mul, Concat, Flatten, Dropout,
// Softmax), each with its formula in its doc comment, and checked against
// PyTorch. The interpreter (compiler/interp) runs a network with them,
// which makes it the oracle that generated code is tested against;
// generated code itself runs the faster kernels of package runtime, some
// of which share pieces of these (MaxNaN, SumCell, ConvCell,
// FoldBatchNorm, FoldScale, Softmax, SigmoidOf and the other activations
// of one value) so that both give the same bits.
//
// It imports only the standard library and internal/geom: adding a kernel
// for a new kind of layer touches this package alone.
//
// # Layout and shapes
//
// Activations are float32 in NCHW order, row-major, with a dynamic batch N.
// Kernels work on raw []float32 slices plus shape integers. A slice whose
// length does not match the shapes passed is a programmer error (a checked
// network cannot produce it): kernels panic with an error wrapping
// [ErrShape].
//
// # Output sizes
//
// Output sizes follow package internal/geom, the one statement of the
// sliding-window rules (floor and ceil rounding, SAME padding) that the
// checker, the interpreter, the exporter and the code generator share.
package ref
