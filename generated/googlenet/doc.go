// Package googlenet is GoogLeNet as in the paper (Szegedy et al., "Going
// deeper with convolutions", 2014) and BVLC Caffe's bvlc_googlenet: biases
// and ReLU on every convolution, local response normalisation in the stem,
// a real 5×5 branch, ceil-mode pooling, a softmax output, and two auxiliary
// classifiers. It is compiled by incc from specs/googlenet.inc.
//
// The code is generated: edit the spec or the compiler, then run
// go generate ./generated/... (TestUpToDate fails until the committed file
// matches).
//
// It imports only package runtime. See [Net] for concurrency and [New],
// [Load] and [NewSeeded] for weights.
package googlenet

//go:generate go run ../../cmd/incc gen -o . --pkg googlenet ../../specs/googlenet.inc
