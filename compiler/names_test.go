package compiler

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// checkSrc checks a spec given as text, failing the test with the errors.
func checkSrc(t *testing.T, src string) *ir.Network {
	t.Helper()
	f, err := dsl.Parse("t.inc", []byte(src))
	if err == nil {
		var net *ir.Network
		if net, err = Check(f); err == nil {
			return net
		}
	}
	var b bytes.Buffer
	dsl.Print(&b, err, map[string][]byte{"t.inc": []byte(src)})
	t.Fatalf("does not check:\n%s\n%s", src, b.String())
	return nil
}

// weightNames lists the network's weight names without the suffix
// (.weight, .bias, …), once each, in op order.
func weightNames(net *ir.Network) []string {
	var names []string
	for _, p := range net.Params(true) {
		i := strings.LastIndexByte(p.Name, '.')
		if n := p.Name[:i]; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

func opNames(net *ir.Network) []string {
	var names []string
	for _, op := range net.Ops {
		names = append(names, op.Name)
	}
	return names
}

// TestNaming checks the naming rules of the README on small specs, each
// with the layers with weights it names and, where it matters, the names
// of the others.
func TestNaming(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		weights   []string
		ops       []string // nil: not checked
	}{{
		// The README's example.
		"readme", `network n {
    input 3x8x8
    stem: conv 3x3 8 pad 1 relu
    concat { conv 1x1 4; b: conv 1x1 4 }
    m: concat { conv 1x1 4; b: conv 1x1 4 }
    fc 10
}`, []string{"stem", "1.0", "b", "m.0", "m.b", "3"}, []string{"stem", "stem.relu", "1.0", "b", "1", "m.0", "m.b", "m", "3"},
	}, {
		// Bug: ops without weights claimed index names, so torchvision's
		// Inception pattern failed with duplicate name "m.0". The pool
		// is named after the concat, which came first, with #2.
		"weightless ops claim no names", `network n {
    input 8x8x8
    m: { concat { a: conv 1x1 8; _: { avgpool 3x3 stride 1 pad 1; b: conv 1x1 8 } } }
}`, []string{"m.a", "m.b"}, []string{"m.a", "m.0#2", "m.b", "m.0"},
	}, {
		// Bug: an unlabelled concat inside an unlabelled add added a
		// component (m.0.a); unlabelled joins add none, nested or not.
		"nested unlabelled joins", `network n {
    input 8x8x8
    m: { add { {}; concat { a: conv 1x1 4; b: conv 1x1 4 } } }
}`, []string{"m.a", "m.b"}, nil,
	}, {
		// An unlabelled branch of an unlabelled join is named under the
		// join's index, in a nested join too.
		"unlabelled branches", `network n {
    input 8x8x8
    m: { add { {}; concat { conv 1x1 4; b: conv 1x1 4 } } }
}`, []string{"m.0.1.0", "m.b"}, nil,
	}, {
		// Bug: a block parameter named like an attribute key was read as
		// the key (undefined: nobias).
		"parameter named like a key", `block proj(out) { conv 1x1 out nobias }
network n {
    input 8x8x8
    p: proj(4)
}`, []string{"p.0"}, nil,
	}, {
		// for and if splice their statements into the sequence; so does a
		// block call labelled _; a for's unlabelled statements continue
		// its numbering, as in nn.Sequential.
		"splicing", `block stage(n, c) {
    conv 1x1 c
    for i in 2..n { conv 1x1 c }
}
network n {
    input 4x8x8
    features: {
        conv 3x3 4 pad 1
        _: stage(2, 4)
        _: stage(1, 4)
        if 1 == 1 && !0 { conv 1x1 4 } else { conv 1x1 5 }
        _: { conv 1x1 4; last: conv 1x1 4 }
        conv 1x1 4
    }
    for i in 1..2 { "block{i}": conv 1x1 4 }
    for i in 3..2 { conv 1x1 4 }
}`, []string{"features.0", "features.1", "features.2", "features.3", "features.4", "features.5", "features.last", "features.7", "block1", "block2"}, nil,
	}, {
		// In a join, the bodies of for and if become branches, numbered on;
		// a _ group is one branch.
		"joins", `network n {
    input 4x8x8
    j: concat {
        conv 1x1 4
        for i in 1..2 { conv 1x1 4; "b{i}": conv 1x1 4 }
        if 0 { conv 1x1 4 }
        _: { maxpool 3x3 stride 1 pad 1; proj: conv 1x1 4 }
    }
}`, []string{"j.0", "j.1", "j.b1", "j.3", "j.b2", "j.proj"}, nil,
	}, {
		// Pair- and float-valued parameters (torchvision's BasicConv2d,
		// Inception-ResNet's scaled residual); an integer where a pair is
		// wanted is a square.
		"values", `block basic(c, k = 1, s = 1, p = 0) { conv: conv kernel k c stride s pad p nobias }
block res(s) { add relu { {}; _: { conv2d: conv 1x1 8; scale s } } }
network n {
    input 8x9x9
    a: basic(8, 1x7, p = 0x3)
    b: basic(8, 3, 2, 1)
    r: res(0.17)
}`, []string{"a.conv", "b.conv", "r.conv2d"}, nil,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			net := checkSrc(t, tt.src)
			if got := weightNames(net); !slices.Equal(got, tt.weights) {
				t.Errorf("weights %v, want %v", got, tt.weights)
			}
			if got := opNames(net); tt.ops != nil && !slices.Equal(got, tt.ops) {
				t.Errorf("ops %v, want %v", got, tt.ops)
			}
		})
	}
}

// TestValues checks what pair- and float-valued parameters become.
func TestValues(t *testing.T) {
	net := checkSrc(t, `block basic(c, k = 1, s = 1, p = 0) { conv: conv kernel k c stride s pad p nobias }
block res(s) { add { {}; { conv2d: conv 1x1 8; scale s } } }
network n {
    input 8x9x9
    a: basic(8, 1x7, p = 0x3)
    b: basic(8, 3, 2, 1)
    r: res(0.17)
}`)
	a, b := net.Ops[0].Conv, net.Ops[1].Conv
	if a.KH != 1 || a.KW != 7 || a.Pad != (ir.Pad{Top: 0, Left: 3, Bottom: 0, Right: 3}) || a.SH != 1 {
		t.Errorf("a: %+v", *a)
	}
	if b.KH != 3 || b.KW != 3 || b.SH != 2 || b.SW != 2 || b.Pad != (ir.Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}) {
		t.Errorf("b: %+v", *b)
	}
	var scale *ir.Op
	for i := range net.Ops {
		if net.Ops[i].Kind == ir.KindScale {
			scale = &net.Ops[i]
		}
	}
	if scale == nil || scale.Scale.Factor != 0.17 {
		t.Errorf("scale: %+v", scale)
	}
	if m := net.Modules[0]; !slices.Equal(m.Args, []string{"8", "1x7", "1", "0x3"}) {
		t.Errorf("args of a: %v", m.Args)
	}
	if m := net.Modules[2]; !slices.Equal(m.Args, []string{"0.17"}) {
		t.Errorf("args of r: %v", m.Args)
	}
}

// TestNamingSpecs checks names the README cites from the shipped specs.
func TestNamingSpecs(t *testing.T) {
	for _, tt := range []struct{ spec, name string }{
		{"inception_v3.inc", "Mixed_5b.0#2"}, // the pool of a _ branch, after the module's concat
		{"inception_v3.inc", "Mixed_5b.0"},
		{"resnet50.inc", "layer1.0.downsample.0"},
		{"resnet50.inc", "layer1.2.bn3"},
		{"mobilenet_v2.inc", "features.17.conv.3"},
	} {
		net := checkFile(t, "../specs/"+tt.spec)
		if !slices.Contains(opNames(net), tt.name) {
			t.Errorf("%s: no op %s", tt.spec, tt.name)
		}
	}
}
