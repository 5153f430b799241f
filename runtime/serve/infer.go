package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/inccdev/incc/runtime/labels"
)

// inferRequest is an inference request, decoded from either protocol.
// Exactly one of input and images is set.
type inferRequest struct {
	id      string
	n       int       // images in the request (the batch dimension)
	input   []float32 // "input": n·C·H·W values
	images  [][]byte  // "image": n encoded images
	outputs []outputRequest
}

// outputRequest is a requested output: classes > 0 asks for the top
// classes (the classification extension); binary asks for the binary
// tensor form (REST).
type outputRequest struct {
	name    string
	classes int
	binary  bool
}

// badRequest is an error in a request (400, INVALID_ARGUMENT).
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

// notFound is an unknown model or version (404, NOT_FOUND).
type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }

// tensorOut is an output tensor of a response: FP32 values or, for a
// classification, BYTES strings.
type tensorOut struct {
	name   string
	shape  []int64
	fp32   []float32
	strs   [][]byte
	binary bool
}

func (t *tensorOut) datatype() string {
	if t.strs != nil {
		return typeBytes
	}
	return typeFP32
}

// checkShape checks a request input's name, datatype and shape against the
// model and returns the batch size.
func (s *Server) checkInput(name, datatype string, shape []int64) (n int, err error) {
	m := s.model
	switch name {
	case inputName:
		if datatype != typeFP32 {
			return 0, badf("input %q: datatype %s, want FP32", name, datatype)
		}
		want := []int64{-1, int64(m.Input[0]), int64(m.Input[1]), int64(m.Input[2])}
		if len(shape) != 4 || shape[1] != want[1] || shape[2] != want[2] || shape[3] != want[3] || shape[0] < 1 {
			return 0, badf("input %q: shape %v, want [N %d %d %d] with N ≥ 1", name, shape, m.Input[0], m.Input[1], m.Input[2])
		}
	case imageName:
		if datatype != typeBytes {
			return 0, badf("input %q: datatype %s, want BYTES (encoded images)", name, datatype)
		}
		if !(len(shape) == 1 && shape[0] >= 1 || len(shape) == 2 && shape[0] >= 1 && shape[1] == 1) {
			return 0, badf("input %q: shape %v, want [N] or [N 1] with N ≥ 1", name, shape)
		}
	default:
		return 0, badf("unknown input %q: the model's inputs are %q (FP32 [N %d %d %d]) or %q (BYTES [N], encoded images)",
			name, inputName, m.Input[0], m.Input[1], m.Input[2], imageName)
	}
	if shape[0] > int64(s.opts.MaxBatch) {
		return 0, badf("input %q: batch of %d, more than the server's maximum batch size %d", name, shape[0], s.opts.MaxBatch)
	}
	return int(shape[0]), nil
}

// checkOutputs checks the requested outputs against the model's.
func (s *Server) checkOutputs(outs []outputRequest) error {
	seen := map[string]bool{}
	for _, o := range outs {
		if !s.hasOutput(o.name) {
			names := []string{}
			for _, mo := range s.outs {
				names = append(names, strconv.Quote(mo.name))
			}
			return badf("unknown output %q: the model's outputs are %s", o.name, strings.Join(names, ", "))
		}
		if seen[o.name] {
			return badf("output %q requested twice", o.name)
		}
		seen[o.name] = true
		if o.classes < 0 {
			return badf("output %q: classification %d, want at least 1", o.name, o.classes)
		}
	}
	return nil
}

func (s *Server) hasOutput(name string) bool {
	for _, o := range s.outs {
		if o.name == name {
			return true
		}
	}
	return false
}

// infer runs a decoded request under an admitted slot and returns its
// output tensors in the order requested (all outputs if none were).
func (s *Server) infer(ctx context.Context, req *inferRequest) ([]tensorOut, error) {
	if err := s.checkOutputs(req.outputs); err != nil {
		return nil, err
	}
	src := req.input
	if req.images != nil {
		var err error
		if src, err = s.preprocess(req.images); err != nil {
			return nil, err
		}
	}
	if len(src) != req.n*s.model.inLen() {
		return nil, badf("input holds %d values, want %d", len(src), req.n*s.model.inLen())
	}
	ctx, cancel := context.WithTimeoutCause(ctx, s.opts.Timeout, errTimeout)
	defer cancel()
	res, err := s.batch.do(ctx, src, req.n)
	if err != nil {
		return nil, err
	}
	outs := req.outputs
	if len(outs) == 0 {
		for _, o := range s.outs {
			outs = append(outs, outputRequest{name: o.name})
		}
	}
	var tensors []tensorOut
	for _, o := range outs {
		i := s.outputIndex(o.name)
		per := s.outs[i].len
		vals := res[i]
		if o.classes > 0 {
			tensors = append(tensors, s.classify(o, vals, req.n, per))
			continue
		}
		for _, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("output %q holds %v", o.name, v)
			}
		}
		tensors = append(tensors, tensorOut{name: o.name, shape: []int64{int64(req.n), int64(per)}, fp32: vals, binary: o.binary})
	}
	return tensors, nil
}

// errTimeout ends a request that waited longer than Options.Timeout.
var errTimeout = errors.New("the request timed out waiting for the model")

func (s *Server) outputIndex(name string) int {
	for i, o := range s.outs {
		if o.name == name {
			return i
		}
	}
	return -1
}

// classify is the classification extension: the top K classes of each
// image as "score:index[:label]" strings, BYTES [n, K]. The score is the
// output value, written in the shortest form that reads back as the same
// float32.
func (s *Server) classify(o outputRequest, vals []float32, n, per int) tensorOut {
	k := min(o.classes, per)
	t := tensorOut{name: o.name, shape: []int64{int64(n), int64(k)}, strs: make([][]byte, 0, n*k), binary: o.binary}
	for b := range n {
		out := vals[b*per : (b+1)*per]
		for _, i := range labels.TopK(out, k) {
			str := strconv.AppendFloat(nil, float64(out[i]), 'g', -1, 32)
			str = append(str, ':')
			str = strconv.AppendInt(str, int64(i), 10)
			if l := s.model.label(i); l != "" {
				str = append(append(str, ':'), l...)
			}
			t.strs = append(t.strs, str)
		}
	}
	return t
}

// preprocess decodes encoded images into network inputs exactly as
// classify does (preproc.Config.Read is Load without the file), under the
// Memory budget of the model's preprocessing if it has one.
func (s *Server) preprocess(images [][]byte) ([]float32, error) {
	inLen := s.model.inLen()
	src := make([]float32, len(images)*inLen)
	for i, data := range images {
		if err := s.model.Preprocess.Read(bytes.NewReader(data), src[i*inLen:(i+1)*inLen]); err != nil {
			msg := strings.TrimPrefix(err.Error(), "preproc: ")
			if len(images) > 1 {
				return nil, badf("image %d: %s", i, msg)
			}
			return nil, badf("image: %s", msg)
		}
	}
	return src, nil
}
