package onnx

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"google.golang.org/protobuf/proto"

	"github.com/inccdev/incc/compiler/onnx/onnxpb"
)

func readModel(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "models", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDecodeErrors: files that are not models are errors, never panics;
// every prefix of a real model fails cleanly or imports.
func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file: not an ONNX model"},
		{"text", []byte("network googlenet { input 3x224x224 }\n"), "not a valid ONNX model"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a valid ONNX model"},
		{"no graph", []byte{0x08, 0x08}, "not an ONNX model: no graph"},
	} {
		_, err := Decode(tt.data)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q...", tt.name, err, tt.want)
		}
	}
	data := readModel(t, "batchnorm")
	for n := 0; n < len(data); n++ {
		m, err := Decode(data[:n])
		if err != nil {
			continue
		}
		// A prefix that still decodes lacks part of the graph: it must be
		// reported, not crash.
		if _, err := Import(m, Options{}); err == nil && n < len(data)-1 {
			t.Errorf("prefix of %d of %d bytes imports without error", n, len(data))
		}
	}
}

// model builds a small model in Go: one conv whose weights are w.
func convModel(w *onnxpb.TensorProto) *onnxpb.ModelProto {
	s := proto.String
	i64 := proto.Int64
	dim := func(v int64) *onnxpb.TensorShapeProto_Dimension {
		return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	info := func(name string, dims ...int64) *onnxpb.ValueInfoProto {
		var ds []*onnxpb.TensorShapeProto_Dimension
		for _, d := range dims {
			ds = append(ds, dim(d))
		}
		return &onnxpb.ValueInfoProto{Name: s(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &onnxpb.TensorShapeProto{Dim: ds}}}}}
	}
	return &onnxpb.ModelProto{
		IrVersion:   i64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: i64(13)}},
		Graph: &onnxpb.GraphProto{
			Name:        s("g"),
			Node:        []*onnxpb.NodeProto{{OpType: s("Conv"), Name: s("/conv/Conv"), Input: []string{"x", w.GetName()}, Output: []string{"y"}}},
			Initializer: []*onnxpb.TensorProto{w},
			Input:       []*onnxpb.ValueInfoProto{info("x", 1, 2, 3, 3)},
			Output:      []*onnxpb.ValueInfoProto{info("y", 1, 1, 3, 3)},
		},
	}
}

func floats(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func externalTensor(location string, offset, length int) *onnxpb.TensorProto {
	kv := func(k, v string) *onnxpb.StringStringEntryProto {
		return &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(v)}
	}
	ext := []*onnxpb.StringStringEntryProto{kv("location", location)}
	if offset >= 0 {
		ext = append(ext, kv("offset", strconv.Itoa(offset)))
	}
	if length >= 0 {
		ext = append(ext, kv("length", strconv.Itoa(length)))
	}
	loc := onnxpb.TensorProto_EXTERNAL
	return &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, 2, 1, 1}, DataType: proto.Int32(1),
		DataLocation: &loc, ExternalData: ext}
}

// TestExternalData: tensors stored beside the model are read from the
// model's directory, with offset and length; a location outside it, a
// missing file or a short one is an error naming the initializer.
func TestExternalData(t *testing.T) {
	dir := fstest.MapFS{
		"weights.bin":     {Data: append(make([]byte, 8), floats(0.5, -2)...)},
		"sub/short.bin":   {Data: floats(1)},
		"sub/weights.bin": {Data: floats(3, 4)},
	}
	res, err := Import(convModel(externalTensor("weights.bin", 8, 8)), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Weights[0]; w.Name != "conv.weight" || w.Data[0] != 0.5 || w.Data[1] != -2 {
		t.Errorf("got %v", res.Weights)
	}
	if _, err := Import(convModel(externalTensor("sub/weights.bin", -1, -1)), Options{Dir: dir}); err != nil {
		t.Errorf("a file in a subdirectory: %v", err)
	}
	for _, tt := range []struct {
		tensor *onnxpb.TensorProto
		dir    bool
		want   string
	}{
		{externalTensor("../weights.bin", 0, 8), true, `external data location "../weights.bin" is outside the model's directory`},
		{externalTensor("/etc/passwd", 0, 8), true, `external data location "/etc/passwd" is outside the model's directory`},
		{externalTensor("sub/../../x.bin", 0, 8), true, "outside the model's directory"},
		{externalTensor("missing.bin", 0, 8), true, `external data file "missing.bin" not found beside the model`},
		{externalTensor("sub/short.bin", 0, -1), true, `external data "sub/short.bin": 8 bytes at offset 0, but the file has 4`},
		{externalTensor("weights.bin", 12, -1), true, `external data "weights.bin": 8 bytes at offset 12, but the file has 16`},
		{externalTensor("weights.bin", 0, 4), true, `external data "weights.bin": length 4, want 8 bytes`},
		{externalTensor("weights.bin", 0, 8), false, `external data in "weights.bin", but the model was not read from a file`},
	} {
		opt := Options{}
		if tt.dir {
			opt.Dir = dir
		}
		_, err := Import(convModel(tt.tensor), opt)
		if err == nil || !strings.Contains(err.Error(), `initializer "conv.weight": `+tt.want) && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v\nwant ...%s", err, tt.want)
		}
	}
}

// TestLyingSizes: a tensor whose header claims more data than the file
// holds is an error before anything that size is allocated.
func TestLyingSizes(t *testing.T) {
	for _, tt := range []struct {
		name string
		t    *onnxpb.TensorProto
		want string
	}{
		{"raw", &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, 2, 1, 1 << 20}, DataType: proto.Int32(1), RawData: floats(1, 2)},
			"8 bytes of data for 2097152 elements of FLOAT (want 8388608)"},
		{"huge", &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1 << 40, 1 << 40}, DataType: proto.Int32(1), RawData: floats(1)},
			"has more than 268435456 elements"},
		{"typed", &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, 2, 1, 1}, DataType: proto.Int32(1), FloatData: []float32{1}},
			"1 values for shape [1 2 1 1] (2 elements)"},
		{"negative", &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, -2, 1, 1}, DataType: proto.Int32(1)},
			"negative dimension -2"},
		{"string", &onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, 2, 1, 1}, DataType: proto.Int32(8), RawData: floats(1, 2)},
			"element type STRING is not supported"},
	} {
		_, err := Import(convModel(tt.t), Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v\nwant ...%s", tt.name, err, tt.want)
		}
	}
}

// TestHalf: float16 and bfloat16 weights become float32.
func TestHalf(t *testing.T) {
	for _, tt := range []struct {
		bits uint16
		dt   dtype
		want float32
	}{
		{0x3c00, dtFloat16, 1}, {0xc000, dtFloat16, -2}, {0x0001, dtFloat16, 1.0 / (1 << 24)},
		{0x7bff, dtFloat16, 65504}, {0x3f80, dtBFloat16, 1}, {0xc040, dtBFloat16, -3},
	} {
		if got := halfToFloat(tt.bits, tt.dt); got != tt.want {
			t.Errorf("%#04x %v: got %g, want %g", tt.bits, tt.dt, got, tt.want)
		}
	}
}

// FuzzImport: any bytes decode and import to a result or an error, never a
// panic; whatever imports is a spec that parses back.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"batchnorm", "residual", "classifier", "function_if", "lrn_torch", "densenet_like", "mobile_ops", "hostile", "unsupported_ops"} {
		f.Add(readModel(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		res, err := Import(m, Options{Dir: fstest.MapFS{}})
		if err != nil {
			return
		}
		if len(res.Spec) == 0 {
			t.Fatal("empty spec without an error")
		}
	})
}

// TestArity: nodes with too few inputs are reported (found by FuzzImport:
// a Shape without inputs used to index past the end).
func TestArity(t *testing.T) {
	m := convModel(&onnxpb.TensorProto{Name: proto.String("conv.weight"), Dims: []int64{1, 2, 1, 1}, DataType: proto.Int32(1), RawData: floats(1, 2)})
	g := m.Graph
	g.Node = append(g.Node,
		&onnxpb.NodeProto{OpType: proto.String("Shape"), Name: proto.String("s"), Output: []string{"shape"}},
		&onnxpb.NodeProto{OpType: proto.String("BatchNormalization"), Name: proto.String("bn"), Input: []string{"y", "conv.weight"}, Output: []string{"z"}},
		&onnxpb.NodeProto{OpType: proto.String("Relu"), Name: proto.String("r"), Input: []string{""}, Output: []string{"q"}})
	_, err := Import(m, Options{})
	want := "cannot import: 3 problems:\n\tShape \"s\": 0 inputs given, it needs 1\n\tBatchNormalization \"bn\": 2 inputs given, it needs 5\n\tRelu \"r\": 0 inputs given, it needs 1"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestIdentityModel: a model whose output is its input is an error.
func TestIdentityModel(t *testing.T) {
	m := convModel(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1, 2, 1, 1}, DataType: proto.Int32(1), RawData: floats(1, 2)})
	m.Graph.Node = []*onnxpb.NodeProto{{OpType: proto.String("Identity"), Input: []string{"x"}, Output: []string{"y"}}}
	m.Graph.Output[0].Type.GetTensorType().Shape.Dim[1].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 2}
	_, err := Import(m, Options{})
	if want := "cannot import: the model computes nothing: its output is its input"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
