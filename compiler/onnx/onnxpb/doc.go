// Package onnxpb holds the protocol buffer types of an ONNX model file,
// generated from onnx.proto (the messages incc reads, written from the
// ONNX specification). Only compiler/onnx imports it.
//
// The generated file is committed; regenerate it with `go generate` (needs
// protoc, Debian's protobuf-compiler; protoc-gen-go is the module's pinned
// tool, the same version as the google.golang.org/protobuf it links).
package onnxpb

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --go_out=. --go_opt=paths=source_relative onnx.proto"
