package onnx

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/inccdev/incc/compiler/onnx/onnxpb"
)

func ints(shape []int, v ...int64) *tensor { return &tensor{shape: shape, i: v} }

func flts(shape []int, v ...float32) *tensor { return &tensor{shape: shape, float: true, f: v} }

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INTS
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: &t, Ints: v}
}

func show(t *tensor) string {
	if t.float {
		return fmt.Sprintf("%v f%v", t.shape, t.f)
	}
	return fmt.Sprintf("%v %v", t.shape, t.i)
}

// TestFold: constant folding, each op against values worked out by hand
// from the ONNX operator definitions.
func TestFold(t *testing.T) {
	m23 := ints([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, tt := range []struct {
		op    string
		a     attrs
		in    []*tensor
		opset int64
		want  string
	}{
		{"Shape", nil, []*tensor{m23}, 13, "[2] [2 3]"},
		{"Shape", attrs{"start": intAttr("start", -1)}, []*tensor{m23}, 15, "[1] [3]"},
		{"Gather", attrs{"axis": intAttr("axis", 1)}, []*tensor{m23, ints([]int{2}, 2, -3)}, 13, "[2 2] [3 1 6 4]"},
		{"Gather", nil, []*tensor{ints([]int{4}, 7, 8, 9, 10), ints(nil, 1)}, 13, "[] [8]"},
		{"Unsqueeze", nil, []*tensor{ints(nil, 5), ints([]int{1}, 0)}, 13, "[1] [5]"},
		{"Unsqueeze", attrs{"axes": intsAttr("axes", 0, 3)}, []*tensor{m23}, 11, "[1 2 3 1] [1 2 3 4 5 6]"},
		{"Squeeze", nil, []*tensor{ints([]int{1, 3, 1}, 1, 2, 3)}, 13, "[3] [1 2 3]"},
		{"Concat", attrs{"axis": intAttr("axis", 0)}, []*tensor{ints([]int{1}, batchSym), ints([]int{1}, -1)}, 13, "[2] [-1099511627776 -1]"},
		{"Concat", attrs{"axis": intAttr("axis", 1)}, []*tensor{m23, ints([]int{2, 1}, 0, 9)}, 13, "[2 4] [1 2 3 0 4 5 6 9]"},
		{"Reshape", nil, []*tensor{m23, ints([]int{2}, 0, -1)}, 13, "[2 3] [1 2 3 4 5 6]"},
		{"Reshape", nil, []*tensor{m23, ints([]int{2}, -1, 2)}, 13, "[3 2] [1 2 3 4 5 6]"},
		{"Transpose", nil, []*tensor{m23}, 13, "[3 2] [1 4 2 5 3 6]"},
		{"Slice", nil, []*tensor{ints([]int{5}, 0, 1, 2, 3, 4), ints([]int{1}, -1), ints([]int{1}, -9223372036854775807), ints([]int{1}, 0), ints([]int{1}, -2)}, 13, "[3] [4 2 0]"},
		{"Slice", nil, []*tensor{m23, ints([]int{1}, 1), ints([]int{1}, 100), ints([]int{1}, 1)}, 13, "[2 2] [2 3 5 6]"},
		{"Slice", attrs{"starts": intsAttr("starts", 1), "ends": intsAttr("ends", 2)}, []*tensor{m23}, 9, "[1 3] [4 5 6]"},
		{"Add", nil, []*tensor{m23, ints([]int{3}, 10, 20, 30)}, 13, "[2 3] [11 22 33 14 25 36]"},
		{"Mul", nil, []*tensor{flts([]int{2, 1}, 2, 3), flts([]int{1, 2}, 1, 10)}, 13, "[2 2] f[2 20 3 30]"},
		{"Div", nil, []*tensor{ints(nil, 7), ints(nil, 2)}, 13, "[] [3]"},
		{"Equal", nil, []*tensor{ints([]int{2}, 1, 2), ints(nil, 2)}, 13, "[2] [0 1]"},
		{"Where", nil, []*tensor{ints([]int{2}, 1, 0), ints([]int{2}, 5, 6), ints(nil, 0)}, 13, "[2] [5 0]"},
		{"Cast", attrs{"to": intAttr("to", 1)}, []*tensor{ints([]int{2}, 3, -1)}, 13, "[2] f[3 -1]"},
		{"Cast", attrs{"to": intAttr("to", 7)}, []*tensor{flts([]int{2}, 2.9, -2.9)}, 13, "[2] [2 -2]"},
		{"Range", nil, []*tensor{ints(nil, 1), ints(nil, 8), ints(nil, 3)}, 13, "[3] [1 4 7]"},
		{"Range", nil, []*tensor{ints(nil, 5), ints(nil, 0), ints(nil, -2)}, 13, "[3] [5 3 1]"},
		{"ConstantOfShape", nil, []*tensor{ints([]int{2}, 2, 2)}, 13, "[2 2] f[0 0 0 0]"},
		{"Expand", nil, []*tensor{ints([]int{2, 1}, 1, 2), ints([]int{2}, 2, 2)}, 13, "[2 2] [1 1 2 2]"},
		{"Flatten", attrs{"axis": intAttr("axis", 1)}, []*tensor{ints([]int{1, 2, 2}, 1, 2, 3, 4)}, 13, "[1 4] [1 2 3 4]"},
	} {
		out, err := fold(tt.op, tt.a, tt.in, tt.opset)
		if err != nil {
			t.Errorf("%s %v: %v", tt.op, tt.a.names(), err)
			continue
		}
		if got := show(out[0]); got != tt.want {
			t.Errorf("%s %v: got %s, want %s", tt.op, tt.a.names(), got, tt.want)
		}
	}
}

// TestFoldErrors: folding refuses arithmetic on the dynamic batch size and
// results far larger than its inputs.
func TestFoldErrors(t *testing.T) {
	for _, tt := range []struct {
		op   string
		in   []*tensor
		want string
	}{
		{"Mul", []*tensor{ints([]int{1}, batchSym), ints(nil, 2)}, "arithmetic on the batch size"},
		{"ConstantOfShape", []*tensor{ints([]int{2}, 1<<20, 1<<20)}, "has more than"},
		{"Range", []*tensor{ints(nil, 0), ints(nil, 1<<40), ints(nil, 1)}, "Range too long"},
		{"Expand", []*tensor{ints(nil, 1), ints([]int{3}, 1<<10, 1<<10, 1<<10)}, "has more than"},
		{"Gather", []*tensor{ints([]int{2}, 1, 2), ints(nil, 5)}, "index 5 out of range [0, 2)"},
		{"Div", []*tensor{ints(nil, 1), ints(nil, 0)}, "integer division by zero"},
		{"Reshape", []*tensor{ints([]int{2}, 1, 2), ints([]int{1}, 3)}, "cannot reshape"},
	} {
		_, err := fold(tt.op, nil, tt.in, 13)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ...%s", tt.op, err, tt.want)
		}
	}
}

// TestTorchScope: torch.onnx's node names give the full module path.
func TestTorchScope(t *testing.T) {
	for _, tt := range []struct {
		name string
		want []string
		ok   bool
	}{
		{"/inception3a/branch2/branch2.1/conv/Conv", []string{"inception3a", "branch2", "1", "conv"}, true},
		{"/layer1/layer1.0/downsample/downsample.0/Conv", []string{"layer1", "0", "downsample", "0"}, true},
		{"/features/features.0/features.0.0/Conv", []string{"features", "0", "0"}, true},
		{"/features/features.1/conv/conv.0/conv.0.0/Conv", []string{"features", "1", "conv", "0", "0"}, true},
		{"/a/b/b/Relu", []string{"a", "b", "b"}, true},
		{"/Flatten", []string{}, true},
		{"Conv_12", nil, false},
		{"conv1/7x7_s2", nil, false},
		{"/a//Conv", nil, false},
	} {
		got, ok := torchScope(tt.name)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q %v, want %q %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"inception3a.branch2.1.conv.weight", []string{"inception3a", "branch2", "1", "conv"}},
		{"fc.weight", []string{"fc"}},
		{"onnx::Conv_558", nil},
		{"conv1/7x7_s2_w_0", nil},
		{"layer1..weight", nil},
		{"fc.bias", nil},
	} {
		if got, _ := paramPath(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("paramPath(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
