// Package labels names the classes of a classifier's output: the label
// sets a spec's `labels` statement names (imagenet.txt, mnist.txt, one
// class a line, embedded), and [TopK], the classes an output ranks first.
// Model binaries, incc run and the server print predictions with them.
//
// It imports only the standard library.
package labels
