package ir

import (
	"fmt"
	"strings"
	"testing"
)

// TestKindsComplete: every Kind constant (as stringer lists them) has a
// definition with a name, and the names are distinct.
func TestKindsComplete(t *testing.T) {
	names := map[string]Kind{}
	n := 0
	for k := KindInvalid + 1; !strings.HasPrefix(k.String(), "Kind("); k++ {
		n++
		info := k.Info()
		if info == nil {
			t.Errorf("kind %v has no definition in kinds.go", k)
			continue
		}
		if info.infer == nil {
			t.Errorf("kind %v has no shape rule", k)
		}
		if prev, dup := names[info.Name]; dup {
			t.Errorf("kinds %v and %v are both called %q", prev, k, info.Name)
		}
		names[info.Name] = k
		if got, ok := KindByName(info.Name); !ok || got != k {
			t.Errorf("KindByName(%q) = %v, %v", info.Name, got, ok)
		}
	}
	if len(Kinds()) != n {
		t.Errorf("Kinds() has %d kinds, want %d", len(Kinds()), n)
	}
	if KindInvalid.Info() != nil {
		t.Error("KindInvalid has a definition")
	}
}

// net1 is input 3x8x8 -> op, for checking one op.
func net1(op Op, out Shape, in ...Shape) *Network {
	if len(in) == 0 {
		in = []Shape{{C: 3, H: 8, W: 8}}
	}
	n := &Network{Name: "t", Input: in[0], Values: []Value{{ID: 0, Shape: in[0], Producer: -1}}}
	op.Name = "op"
	op.Out = 1
	op.Src = Pos{File: "t.inc", Line: 2, Col: 5}
	for range in {
		op.In = append(op.In, 0)
	}
	n.Values = append(n.Values, Value{ID: 1, Shape: out, Producer: 0})
	n.Ops = []Op{op}
	n.Output = 1
	return n
}

func conv(out, k, s, pad int, bias bool) Op {
	return Op{Kind: KindConv, Conv: &Conv{Out: out, KH: k, KW: k, SH: s, SW: s, Pad: Pad{pad, pad, pad, pad}, Bias: bias, Groups: 1}}
}

func convParams(out, c, k int, bias bool) []Param {
	ps := []Param{{Name: "op.weight", Role: RoleWeight, Shape: []int{out, c, k, k}, FanIn: c * k * k}}
	if bias {
		ps = append(ps, Param{Name: "op.bias", Role: RoleBias, Shape: []int{out}, FanIn: c * k * k})
	}
	return ps
}

func TestValidate(t *testing.T) {
	s := func(c, h, w int) Shape { return Shape{C: c, H: h, W: w} }
	withParams := func(op Op, ps []Param) Op { op.Params = ps; return op }
	pool := func(k Kind, kk, st, pad int, ceil bool) Op {
		return Op{Kind: k, Pool: &Pool{KH: kk, KW: kk, SH: st, SW: st, Pad: Pad{pad, pad, pad, pad}, Ceil: ceil}}
	}
	tests := []struct {
		name string
		net  *Network
		want string // "" for a valid network
	}{
		{"conv", net1(withParams(conv(4, 3, 1, 1, true), convParams(4, 3, 3, true)), s(4, 8, 8)), ""},
		{"conv-shape", net1(withParams(conv(4, 3, 2, 1, true), convParams(4, 3, 3, true)), s(4, 8, 8)), "ir: op op (t.inc:2:5): output shape 4x8x8, want 4x4x4"},
		{"conv-kernel", net1(withParams(conv(4, 0, 1, 0, false), convParams(4, 3, 0, false)), s(4, 8, 8)), "ir: op op (t.inc:2:5): conv: kernel must be positive, got 0"},
		{"conv-stride", net1(withParams(conv(4, 1, 0, 0, false), convParams(4, 3, 1, false)), s(4, 8, 8)), "conv: stride must be positive, got 0"},
		{"conv-pad", net1(withParams(conv(4, 1, 1, -1, false), convParams(4, 3, 1, false)), s(4, 6, 6)), "conv: pad must not be negative, got -1"},
		{"conv-too-large", net1(withParams(conv(4, 11, 1, 1, false), convParams(4, 3, 11, false)), s(4, 1, 1)), "conv: kernel 11x11 is larger than the padded input 10x10"},
		{"conv-fan-in", net1(withParams(conv(4, 3, 1, 1, false), []Param{{Name: "op.weight", Role: RoleWeight, Shape: []int{4, 3, 3, 3}, FanIn: 9}}), s(4, 8, 8)), "weight op.weight: fan-in 9, want 27"},
		{"conv-no-bias", net1(withParams(conv(4, 3, 1, 1, true), convParams(4, 3, 3, false)), s(4, 8, 8)), "1 weight tensors, want 2"},
		{"maxpool-ceil", net1(pool(KindMaxPool, 3, 2, 0, true), s(3, 4, 4)), ""},
		{"avgpool-pad", net1(pool(KindAvgPool, 2, 2, 2, false), s(3, 6, 6)), "avgpool: pad 2 is more than half the kernel 2x2"},
		{"maxpool-nothing", net1(pool(KindMaxPool, 9, 1, 0, false), s(3, 1, 1)), "maxpool: input 3x8x8 pools to nothing: kernel 9x9 is larger than the padded input 8x8"},
		{"adaptive", net1(Op{Kind: KindAdaptiveAvgPool, Adaptive: &Adaptive{H: 0, W: 2}}, s(3, 1, 2)), "adaptiveavgpool: size must be positive, got 0"},
		{"lrn", net1(Op{Kind: KindLRN, LRN: &LRN{Size: 0}}, s(3, 8, 8)), "lrn: size must be positive, got 0"},
		{"bn-eps", net1(Op{Kind: KindBatchNorm, BN: &BatchNorm{Eps: 0}}, s(3, 8, 8)), "batchnorm: eps must be positive, got 0"},
		{"bn-weights", net1(Op{Kind: KindBatchNorm, BN: &BatchNorm{Eps: 1e-5}}, s(3, 8, 8)), "0 weight tensors, want 4"},
		{"dropout", net1(Op{Kind: KindDropout, Dropout: &Dropout{Rate: 1}}, s(3, 8, 8)), "dropout: rate must be in [0, 1), got 1"},
		{"fc-out", net1(Op{Kind: KindFC, FC: &FC{Out: 0}}, s(0, 1, 1)), "fc: output size must be positive, got 0"},
		{"flatten", net1(Op{Kind: KindFlatten}, s(192, 1, 1)), ""},
		{"softmax", net1(Op{Kind: KindSoftmax}, s(3, 8, 8)), "softmax: input must be Cx1x1, got 3x8x8 (flatten or pool first)"},
		{"relu-arity", net1(Op{Kind: KindReLU}, s(3, 8, 8), s(3, 8, 8), s(3, 8, 8)), "relu has 2 inputs, want 1"},
		{"no-kind", net1(Op{Kind: KindInvalid}, s(3, 8, 8)), "unknown kind Invalid"},
		{"no-attrs", net1(Op{Kind: KindLRN}, s(3, 8, 8)), "ir: op op (t.inc:2:5): lrn without its attributes"},
		{"add", net1(Op{Kind: KindAdd}, s(3, 8, 8), s(3, 8, 8), s(3, 8, 8)), ""},
		{"concat", net1(Op{Kind: KindConcat}, s(6, 8, 8), s(3, 8, 8), s(3, 8, 8)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.net)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestValidateCapped: a network with many problems lists MaxReported of
// them, then how many more there are.
func TestValidateCapped(t *testing.T) {
	n := net1(Op{Kind: KindReLU}, Shape{C: 3, H: 8, W: 8})
	for i := 2; i <= 100; i++ {
		n.Values = append(n.Values, Value{ID: i, Shape: Shape{C: 3, H: 8, W: 8}, Producer: -1})
	}
	err := Validate(n)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxReported+1 || lines[MaxReported] != fmt.Sprintf("ir: and %d more problems", 99-MaxReported) {
		t.Errorf("got %d lines ending %q, want %d and the count of the rest", len(lines), lines[len(lines)-1], MaxReported+1)
	}
}

func TestMACs(t *testing.T) {
	n := net1(withConv(), Shape{C: 4, H: 8, W: 8})
	if got, want := n.MACs(&n.Ops[0]), int64(4*8*8*3*3*3); got != want {
		t.Errorf("conv MACs %d, want %d", got, want)
	}
	if got := mul(1<<30, 1<<30, 1<<30); got != 1<<63-1 {
		t.Errorf("mul saturates at %d, got %d", int64(1<<63-1), got)
	}
}

func withConv() Op {
	op := conv(4, 3, 1, 1, false)
	op.Params = convParams(4, 3, 3, false)
	return op
}

// TestRenameFile: positions in the spec move to the new name, those in
// other files (the prelude) stay.
func TestRenameFile(t *testing.T) {
	n := net1(withConv(), Shape{C: 4, H: 8, W: 8})
	n.File = "../../specs/x.inc"
	trail := []Pos{{File: "../../specs/x.inc", Line: 7, Col: 3}}
	n.Ops[0].Src = Pos{File: "<prelude>", Line: 9, Col: 9}
	n.Ops[0].Trail = trail
	n.Modules = []Module{{Src: Pos{File: "../../specs/x.inc", Line: 7}}}
	n.Heads = []Head{{Src: Pos{File: "../../specs/x.inc", Line: 8}}}
	n.RenameFile("specs/x.inc")
	if n.File != "specs/x.inc" || n.Ops[0].Src.File != "<prelude>" || trail[0].File != "specs/x.inc" ||
		n.Modules[0].Src.File != "specs/x.inc" || n.Heads[0].Src.File != "specs/x.inc" {
		t.Errorf("after RenameFile: %+v", n)
	}
}

// TestGroupedConv: a grouped convolution's weights are [Out, In/G, KH, KW]
// with fan-in (In/G)·KH·KW, as PyTorch's, and its MACs are divided by G;
// groups must divide both channel counts.
func TestGroupedConv(t *testing.T) {
	op := conv(12, 3, 1, 1, true)
	op.Conv.Groups = 6 // input 6 channels: depthwise with two filters a channel
	in := []Shape{{C: 6, H: 8, W: 8}}
	ws := Weights(&op, in)
	if len(ws) != 2 || fmt.Sprint(ws[0].Shape) != "[12 1 3 3]" || ws[0].FanIn != 9 || fmt.Sprint(ws[1].Shape) != "[12]" {
		t.Errorf("weights %+v", ws)
	}
	out, err := Infer(&op, in)
	if err != nil || out != (Shape{C: 12, H: 8, W: 8}) {
		t.Errorf("infer: %v, %v", out, err)
	}
	op.Params = []Param{{Name: "op.weight", Role: RoleWeight, Shape: []int{12, 1, 3, 3}, FanIn: 9}, {Name: "op.bias", Role: RoleBias, Shape: []int{12}, FanIn: 9}}
	n := net1(op, out, in...)
	if err := Validate(n); err != nil {
		t.Fatal(err)
	}
	if got, want := n.MACs(&n.Ops[0]), int64(12*8*8*1*3*3); got != want {
		t.Errorf("MACs %d, want %d", got, want)
	}
	op.Conv.Groups = 4
	if _, err := Infer(&op, in); err == nil || !strings.Contains(err.Error(), "groups 4 does not divide the input's 6 channels") {
		t.Errorf("groups 4 on 6 channels: %v", err)
	}
	op.Conv.Groups, op.Conv.Out = 3, 10
	if errs := CheckAttrs(&op); len(errs) != 1 || errs[0].Attrs[0] != "groups" || !strings.Contains(errs[0].Msg, "does not divide the 10 output channels") {
		t.Errorf("groups 3, 10 outputs: %v", errs)
	}
}

// TestMul: the product's branches have the channels of the first, and
// each either its size or one value per channel.
func TestMul(t *testing.T) {
	op := Op{Kind: KindMul}
	full, gate := Shape{C: 4, H: 5, W: 6}, Shape{C: 4, H: 1, W: 1}
	for _, tt := range []struct {
		in   []Shape
		want Shape
		err  string
	}{
		{[]Shape{full, gate}, full, ""},
		{[]Shape{gate, full, gate}, full, ""},
		{[]Shape{gate, gate}, gate, ""},
		{[]Shape{full, full}, full, ""},
		{[]Shape{full, {C: 3, H: 1, W: 1}}, Shape{}, "channel mismatch: branch 2 gives 3x1x1"},
		{[]Shape{gate, full, {C: 4, H: 5, W: 5}}, Shape{}, "branch 3 gives 4x5x5, but another gives 4x5x6"},
	} {
		got, err := Infer(&op, tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%v: got %v, %v, want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v: got error %v, want %q", tt.in, err, tt.err)
		}
	}
}

// TestActivations: the activation kinds are marked (the checker makes
// them flags), clamp's bounds are checked, excludepad is for average
// pooling only.
func TestActivations(t *testing.T) {
	var acts []string
	for _, k := range Kinds() {
		if k.Info().Act {
			acts = append(acts, k.Info().Name)
		}
	}
	if got := strings.Join(acts, " "); got != "relu relu6 sigmoid hardsigmoid hardswish silu" {
		t.Errorf("activations: %s", got)
	}
	if errs := CheckAttrs(&Op{Kind: KindClamp, Clamp: &Clamp{Min: 1, Max: 0}}); len(errs) != 1 {
		t.Errorf("clamp 1 0: %v", errs)
	}
	if errs := CheckAttrs(&Op{Kind: KindClamp, Clamp: &Clamp{Min: -1, Max: -1}}); len(errs) != 0 {
		t.Errorf("clamp -1 -1: %v", errs)
	}
	pool := func(k Kind) []*AttrError {
		return CheckAttrs(&Op{Kind: k, Pool: &Pool{KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}, ExcludePad: true}})
	}
	if errs := pool(KindMaxPool); len(errs) != 1 || errs[0].Attrs[0] != "excludepad" {
		t.Errorf("maxpool excludepad: %v", errs)
	}
	if errs := pool(KindAvgPool); len(errs) != 0 {
		t.Errorf("avgpool excludepad: %v", errs)
	}
}
