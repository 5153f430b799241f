// Package inference is the Go code protoc generates from inference.proto,
// the Open Inference Protocol's gRPC service (package inference, service
// GRPCInferenceService). The generators are the module's tools, so the
// generated code matches the protobuf and gRPC libraries the module links.
package inference

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative inference.proto"
