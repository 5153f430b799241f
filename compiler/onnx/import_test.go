package onnx

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/onnx/onnxpb"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/golden"
	rtensor "github.com/inccdev/incc/runtime/tensor"
)

// The models in testdata/models are made by tools/make_onnx_testdata.py
// with onnx.helper; the expected outputs (NAME.out.npy) by PyTorch.

func load(t *testing.T, name string) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "models", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(m, Options{Source: name + ".onnx", Dir: os.DirFS(filepath.Join("testdata", "models"))})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// TestModels imports each tiny model: the spec is a golden file (checked
// by a person), is in canonical form, and where PyTorch computed the
// expected output the interpreter gives it.
func TestModels(t *testing.T) {
	for _, name := range []string{
		"conv_pads", "conv_same_upper", "conv_same_lower", "batchnorm", "clip_relu", "clip_attrs",
		"maxpool_ceil", "maxpool_same", "maxpool_asym", "avgpool_pads", "avgpool_ceil", "pad_avgpool",
		"lrn", "lrn_torch", "classifier", "gemm_alpha", "shape_reshape", "squeeze_concat",
		"residual", "function_if", "caffe_names", "mobile_ops",
	} {
		t.Run(name, func(t *testing.T) {
			res := load(t, name)
			golden.Check(t, filepath.Join("testdata", "golden", name+".inc"), res.Spec)
			f, err := dsl.Parse(name+".inc", res.Spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := dsl.Format(f); string(got) != string(res.Spec) {
				t.Errorf("incc fmt changes the spec:\n%s", got)
			}
			out := filepath.Join("testdata", "models", name+".out.npy")
			if _, err := os.Stat(out); err != nil {
				t.Fatalf("no expected output: %v", err)
			}
			x, err := rtensor.LoadNpy(filepath.Join("testdata", "models", name+".in.npy"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := rtensor.LoadNpy(out)
			if err != nil {
				t.Fatal(err)
			}
			w := rtensor.Weights{}
			for _, wt := range res.Weights {
				w[wt.Name] = rtensor.Tensor{Shape: wt.Shape, Data: wt.Data}
			}
			ip, err := interp.New(res.Network, w, interp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := ip.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Output.Data) != len(want.Data) {
				t.Fatalf("output shape %v, want %v", got.Output.Shape, want.Shape)
			}
			if r := relDiff(got.Output.Data, want.Data); r > 1e-5 {
				t.Errorf("output differs from PyTorch's by %.2g of its largest value", r)
			}
		})
	}
}

func relDiff(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

// TestWeightNames: weights keep their state_dict names, or take the module
// scope of their node; the fc of a MatMul without names gets a made-up one.
func TestWeightNames(t *testing.T) {
	for _, tt := range []struct {
		model string
		want  []string
	}{
		{"batchnorm", []string{"features.0.weight", "features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var"}},
		{"conv_pads", []string{"conv.weight", "conv.bias"}},
		{"conv_same_upper", []string{"conv1.weight"}},
		{"residual", []string{"block.conv1.weight", "block.conv2.weight"}},
		{"gemm_alpha", []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
		{"function_if", []string{"unit1.conv.weight", "unit2.conv.weight"}},
	} {
		res := load(t, tt.model)
		var got []string
		for _, w := range res.Weights {
			got = append(got, w.Name)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: weights %v, want %v", tt.model, got, tt.want)
		}
	}
}

// TestProblems: every construct incc cannot express is reported, all at
// once, with its op and node.
func TestProblems(t *testing.T) {
	for _, tt := range []struct {
		model string
		want  []string
	}{
		{"unsupported_ops", []string{
			`LeakyRelu "/act/LeakyRelu": not supported: incc would need a leaky ReLU layer kind`,
			`Resize "/up/Resize": not supported: incc would need an upsampling (resize) layer kind`,
			`GlobalMaxPool "/pool/GlobalMaxPool": not supported: incc would need a global max pooling layer kind`,
		}},
		{"densenet_like", []string{`Conv "/f/Conv": its output is used by branches of different joins`}},
		{"elementwise_consts", []string{
			`Reshape "/Reshape": reshape to [2 16] changes the batch dimension`,
		}},
		{"two_inputs", []string{`the model has 2 inputs ("x", "z"); incc networks have one image input`}},
		{"hostile", []string{
			`Twice "/t/a/Twice": function Twice calls itself`,
			`ConstantOfShape "/c/ConstantOfShape": constant folding: shape [1048576 1048576] has more than`,
		}},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "models", tt.model+".onnx"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Import(m, Options{Source: tt.model})
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: got %v, want an *Error", tt.model, err)
			continue
		}
		if len(e.Problems) != len(tt.want) {
			t.Errorf("%s: %d problems, want %d:\n%v", tt.model, len(e.Problems), len(tt.want), err)
			continue
		}
		for i, p := range e.Problems {
			if !strings.HasPrefix(p.String(), tt.want[i]) {
				t.Errorf("%s: problem %d:\n got %s\nwant %s...", tt.model, i+1, p, tt.want[i])
			}
		}
	}
}

// TestLoweringErrors: constructs that the graph reads but incc cannot
// express, reported together.
func TestLoweringErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "models", "unsupported_ops.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// Without the ops incc has no kind for, the dilated conv is what is
	// left to report.
	var keep []*onnxpb.NodeProto
	for _, n := range m.Graph.Node {
		switch n.GetOpType() {
		case "LeakyRelu", "Resize", "GlobalMaxPool":
		default:
			keep = append(keep, n)
		}
	}
	m.Graph.Node = keep
	m.Graph.Node[0].Input[0] = "x"
	m.Graph.Output[0].Name = &m.Graph.Node[0].Output[0]
	_, err = Import(m, Options{})
	want := `Conv "/conv/Conv": dilated convolution (dilations [2 2]) is not supported: incc's conv has no dilation`
	if err == nil || err.Error() != "cannot import: "+want {
		t.Errorf("got %v\nwant cannot import: %s", err, want)
	}
}
