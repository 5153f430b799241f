// Package googlenet_torchvision is GoogLeNet as torchvision builds it
// (torchvision.models.googlenet: batch norm after every convolution, a 3×3
// kernel in the "5×5" branch, adaptive-pooling aux heads), compiled by incc
// from specs/googlenet_torchvision.inc. Its weight names are torchvision's
// state_dict keys, so a checkpoint converted by tools/convert_torchvision.py
// loads as is.
//
// The code is generated: edit the spec or the compiler, then run
// go generate ./generated/... (TestUpToDate fails until the committed file
// matches).
//
// It imports only package runtime. See [Net] for concurrency and [New],
// [Load] and [NewSeeded] for weights.
package googlenet_torchvision

//go:generate go run ../../cmd/incc gen -o . --pkg googlenet_torchvision ../../specs/googlenet_torchvision.inc
