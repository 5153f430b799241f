package serve

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/inccdev/incc/runtime/serve/inference"
)

// grpcService is inference.GRPCInferenceService.
type grpcService struct {
	inference.UnimplementedGRPCInferenceServiceServer
	s *Server
}

func (g *grpcService) ServerLive(context.Context, *inference.ServerLiveRequest) (*inference.ServerLiveResponse, error) {
	return &inference.ServerLiveResponse{Live: true}, nil
}

func (g *grpcService) ServerReady(context.Context, *inference.ServerReadyRequest) (*inference.ServerReadyResponse, error) {
	return &inference.ServerReadyResponse{Ready: g.s.ready()}, nil
}

func (g *grpcService) ModelReady(_ context.Context, r *inference.ModelReadyRequest) (*inference.ModelReadyResponse, error) {
	if err := g.s.checkModel(r.GetName(), r.GetVersion()); err != nil {
		return nil, grpcError(err)
	}
	return &inference.ModelReadyResponse{Ready: g.s.ready()}, nil
}

func (g *grpcService) ServerMetadata(context.Context, *inference.ServerMetadataRequest) (*inference.ServerMetadataResponse, error) {
	return &inference.ServerMetadataResponse{Name: "incc", Version: g.s.version, Extensions: extensions}, nil
}

func (g *grpcService) ModelMetadata(_ context.Context, r *inference.ModelMetadataRequest) (*inference.ModelMetadataResponse, error) {
	if err := g.s.checkModel(r.GetName(), r.GetVersion()); err != nil {
		return nil, grpcError(err)
	}
	m := g.s.metadata()
	res := &inference.ModelMetadataResponse{Name: m.Name, Versions: m.Versions, Platform: m.Platform}
	for _, t := range m.Inputs {
		res.Inputs = append(res.Inputs, &inference.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape})
	}
	for _, t := range m.Outputs {
		res.Outputs = append(res.Outputs, &inference.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape})
	}
	return res, nil
}

// ModelInfer runs an inference. Inputs come as raw_input_contents or as
// typed contents; outputs go back the same way (raw_output_contents when
// the input was raw).
func (g *grpcService) ModelInfer(ctx context.Context, r *inference.ModelInferRequest) (*inference.ModelInferResponse, error) {
	s := g.s
	start := time.Now()
	defer func() { s.met.infer("grpc", time.Since(start)) }()
	if err := s.checkModel(r.GetModelName(), r.GetModelVersion()); err != nil {
		return nil, grpcError(err)
	}
	// The message is read already (bounded by MaxRecvMsgSize); the slot
	// bounds the memory of what follows.
	if err := s.admit(); err != nil {
		if errors.Is(err, errFull) {
			s.met.rejected.Add(1)
		}
		return nil, grpcError(err)
	}
	defer s.batch.release()
	req, raw, err := s.decodeGRPC(r)
	if err != nil {
		return nil, grpcError(err)
	}
	outs, err := s.infer(ctx, req)
	if err != nil {
		return nil, grpcError(err)
	}
	res := &inference.ModelInferResponse{ModelName: s.model.Name, ModelVersion: modelVersion, Id: r.GetId()}
	for _, t := range outs {
		o := &inference.ModelInferResponse_InferOutputTensor{Name: t.name, Datatype: t.datatype(), Shape: t.shape}
		switch {
		case raw:
			res.RawOutputContents = append(res.RawOutputContents, appendRaw(nil, &t))
		case t.strs != nil:
			o.Contents = &inference.InferTensorContents{BytesContents: t.strs}
		default:
			o.Contents = &inference.InferTensorContents{Fp32Contents: t.fp32}
		}
		res.Outputs = append(res.Outputs, o)
	}
	return res, nil
}

// decodeGRPC decodes a ModelInferRequest; raw reports whether its input
// came as raw_input_contents.
func (s *Server) decodeGRPC(r *inference.ModelInferRequest) (req *inferRequest, raw bool, err error) {
	if len(r.GetInputs()) != 1 {
		return nil, false, badf("the request has %d inputs, want 1: %q (FP32) or %q (BYTES)", len(r.GetInputs()), inputName, imageName)
	}
	in := r.GetInputs()[0]
	n, err := s.checkInput(in.GetName(), in.GetDatatype(), in.GetShape())
	if err != nil {
		return nil, false, err
	}
	req = &inferRequest{id: r.GetId(), n: n}
	c := in.GetContents()
	raw = len(r.GetRawInputContents()) > 0
	switch {
	case raw && len(r.GetRawInputContents()) != 1:
		return nil, false, badf("raw_input_contents has %d entries, want 1 (one per input)", len(r.GetRawInputContents()))
	case raw && c != nil:
		return nil, false, badf("input %q has contents and raw_input_contents: use one", in.GetName())
	case raw && in.GetName() == inputName:
		req.input, err = rawFP32(r.GetRawInputContents()[0], n*s.model.inLen())
	case raw:
		req.images, err = rawBytes(r.GetRawInputContents()[0], n)
	case in.GetName() == inputName:
		v := c.GetFp32Contents()
		if len(v) != n*s.model.inLen() {
			return nil, false, badf("input %q: contents.fp32_contents holds %d values, the shape %d", in.GetName(), len(v), n*s.model.inLen())
		}
		req.input, err = v, checkFinite(v)
	default:
		v := c.GetBytesContents()
		if len(v) != n {
			return nil, false, badf("input %q: contents.bytes_contents holds %d elements, the shape %d", in.GetName(), len(v), n)
		}
		req.images = v
	}
	if err != nil {
		return nil, false, badf("input %q: %v", in.GetName(), err)
	}
	for _, o := range r.GetOutputs() {
		or := outputRequest{name: o.GetName()}
		if p, ok := o.GetParameters()["classification"]; ok {
			var k int64
			switch v := p.GetParameterChoice().(type) {
			case *inference.InferParameter_Int64Param:
				k = v.Int64Param
			case *inference.InferParameter_Uint64Param:
				k = int64(min(v.Uint64Param, math.MaxInt32))
			default:
				return nil, false, badf("output %q: parameter classification must be an integer", o.GetName())
			}
			if k < 1 || k > math.MaxInt32 {
				return nil, false, badf("output %q: classification %d, want at least 1", o.GetName(), k)
			}
			or.classes = int(k)
		}
		req.outputs = append(req.outputs, or)
	}
	return req, raw, s.checkOutputs(req.outputs)
}

// grpcError maps an error to its gRPC status.
func grpcError(err error) error {
	code := codes.Internal
	switch statusOf(err) {
	case http.StatusBadRequest:
		code = codes.InvalidArgument
	case http.StatusNotFound:
		code = codes.NotFound
	case 499:
		code = codes.Canceled
	case http.StatusServiceUnavailable:
		switch {
		case errors.Is(err, errFull):
			code = codes.ResourceExhausted
		case errors.Is(err, errTimeout):
			code = codes.DeadlineExceeded
		default:
			code = codes.Unavailable
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		code = codes.DeadlineExceeded
	}
	return status.Error(code, err.Error())
}

// grpcLog counts every call in the metrics and, if enabled, logs it.
func (s *Server) grpcLog(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	start := time.Now()
	res, err := h(ctx, req)
	code := status.Code(err)
	s.met.request("grpc", code.String())
	if s.opts.AccessLog {
		remote := ""
		if p, ok := peer.FromContext(ctx); ok {
			remote = p.Addr.String()
		}
		attrs := []any{"protocol", "grpc", "method", info.FullMethod, "code", code.String(),
			"seconds", time.Since(start).Seconds(), "remote", remote}
		if err != nil {
			attrs = append(attrs, "error", status.Convert(err).Message())
		}
		s.opts.Log.Info("request", attrs...)
	}
	return res, err
}
