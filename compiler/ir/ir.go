// Package ir is the checked form of an incc network: plain data that code
// generation, the interpreter, stats and graph drawing consume.
//
// A [Network] is a DAG of [Op]s over [Value]s, listed in execution order: every
// op's inputs are produced by earlier ops (or are the network input, value 0).
// Every shape is known and every weight tensor is named. Trunk ops come first;
// the ops of side heads follow, marked with [Op.Head].
//
// What each kind of op means (its attributes, shape rule, weights and cost)
// is stated once, in [KindInfo] (kinds.go); [Validate] checks a network
// against it.
//
// Package ir imports nothing of incc but the geometry rules of
// internal/geom: positions are carried as [Pos] values copied from the
// source, so that the runtime side never links the parser.
package ir

import (
	"fmt"
	"strings"
)

// Pos is a position in a spec file. Line and Col are 1-based; Col counts runes.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Shape is the shape of one image's activation, channels × height × width.
// The batch dimension is dynamic and not part of it.
type Shape struct{ C, H, W int }

// Len is C·H·W.
func (s Shape) Len() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W) }

// Kind is the operation an [Op] performs.
type Kind int

//go:generate go tool stringer -type=Kind -trimprefix=Kind

const (
	KindInvalid Kind = iota
	// KindConv is a 2-D convolution (cross-correlation, as in every framework);
	// attributes in [Op.Conv]. Weights: weight [Out, In/Groups, KH, KW], bias
	// [Out] if Bias. With Groups G, input and output channels are cut into G
	// groups, and output group g reads input group g only (depthwise: G = In).
	KindConv
	// KindMaxPool is max pooling; attributes in [Op.Pool]. Padded cells are -Inf.
	KindMaxPool
	// KindAvgPool is average pooling; attributes in [Op.Pool]. The divisor is the
	// window clipped to the padded input (padding counts, the part of a ceil-mode
	// window beyond the padding does not): PyTorch's count_include_pad=True and Caffe's AVE;
	// with ExcludePad, the window clipped to the input (count_include_pad=False).
	KindAvgPool
	// KindAdaptiveAvgPool averages to a fixed output size: output cell i covers
	// input rows floor(i·H/OH) .. ceil((i+1)·H/OH)-1, likewise for columns
	// (PyTorch's AdaptiveAvgPool2d). Global average pooling is OH = OW = 1.
	KindAdaptiveAvgPool
	// KindLRN is local response normalisation across channels; attributes in [Op.LRN]:
	// y = x / (K + Alpha/Size · Σ x²)^Beta over Size channels centred on the channel,
	// zero-padded (Caffe ACROSS_CHANNELS, PyTorch LocalResponseNorm).
	KindLRN
	// KindBatchNorm is inference batch normalisation; attributes in [Op.BN]:
	// y = (x - running_mean) / sqrt(running_var + Eps) · weight + bias.
	// Weights: weight, bias, running_mean, running_var, each [C].
	KindBatchNorm
	// KindReLU is max(x, 0).
	KindReLU
	// KindDropout is the identity at inference; its rate is kept in [Op.Dropout].
	KindDropout
	// KindFlatten reshapes C×H×W to (C·H·W)×1×1 in C, H, W order (row-major).
	KindFlatten
	// KindFC is a fully connected layer on the flattened input; attributes in [Op.FC].
	// y = W·x + b. Weights: weight [Out, In], bias [Out] if Bias.
	KindFC
	// KindSoftmax is softmax over channels (the input must be C×1×1).
	KindSoftmax
	// KindConcat joins its inputs along channels, in input order.
	KindConcat
	// KindAdd sums its inputs element-wise; all shapes are equal.
	KindAdd
	// KindIdentity copies its input; it stands for an empty branch.
	KindIdentity
	// KindReLU6 is min(max(x, 0), 6).
	KindReLU6
	// KindClamp is min(max(x, Min), Max); attributes in [Op.Clamp].
	KindClamp
	// KindSigmoid is 1 / (1 + exp(-x)).
	KindSigmoid
	// KindHardSigmoid is PyTorch's: min(max(x + 3, 0), 6) / 6.
	KindHardSigmoid
	// KindHardSwish is PyTorch's: x · min(max(x + 3, 0), 6) / 6.
	KindHardSwish
	// KindSiLU is x · sigmoid(x), computed as x / (1 + exp(-x)).
	KindSiLU
	// KindScale multiplies by a constant: y = Factor · x; attributes in
	// [Op.Scale].
	KindScale
	// KindMul multiplies its inputs element-wise, with channel
	// broadcasting: every input has the same channels and is either
	// C×H×W or C×1×1 (one value per channel, used over the whole image,
	// as in squeeze-and-excitation); the output is C×H×W.
	KindMul
)

// Op is one operation of the network.
type Op struct {
	Kind Kind
	// Name is the op's full path in the spec, e.g. "inception3a.branch2.1.conv".
	// It is unique in the network and is the prefix of its weights' names.
	Name string
	// In are the IDs of the input values, Out the ID of the output value.
	In  []int
	Out int
	// Head is the name of the side head the op belongs to, "" for the trunk.
	Head string
	// Src is where the op was written; Trail lists the block instantiations
	// it came through, innermost first (empty at the top level).
	Src   Pos
	Trail []Pos

	// Attributes; exactly the one of the op's kind is set.
	Conv    *Conv
	Pool    *Pool
	LRN     *LRN
	BN      *BatchNorm
	FC      *FC
	Dropout *Dropout
	// Adaptive pooling output size (KindAdaptiveAvgPool).
	Adaptive *Adaptive
	Clamp    *Clamp
	Scale    *Scale

	// Params are the op's weight tensors, in the order of its kind's
	// [Weights].
	Params []Param
}

// Pad is padding on each side of an image.
type Pad struct{ Top, Left, Bottom, Right int }

// Conv holds convolution attributes.
type Conv struct {
	Out    int // output channels
	KH, KW int
	SH, SW int
	Pad    Pad
	Bias   bool
	// Groups is the number of groups (1 for an ordinary convolution); it
	// divides the input and output channels.
	Groups int
}

// Pool holds max/avg pooling attributes.
type Pool struct {
	KH, KW int
	SH, SW int
	Pad    Pad
	// Ceil rounds the output size up; the last window must still start inside
	// the image or the left/top padding (Caffe and PyTorch rule).
	Ceil bool
	// ExcludePad leaves the padding out of an average's divisor (average
	// pooling only).
	ExcludePad bool
}

// Clamp holds the bounds of clamping (KindClamp).
type Clamp struct{ Min, Max float64 }

// Scale holds the factor of scaling (KindScale).
type Scale struct{ Factor float64 }

// Adaptive holds the output size of adaptive average pooling.
type Adaptive struct{ H, W int }

// LRN holds local response normalisation attributes.
type LRN struct {
	Size           int
	Alpha, Beta, K float64
}

// BatchNorm holds batch normalisation attributes.
type BatchNorm struct{ Eps float64 }

// FC holds fully connected attributes.
type FC struct {
	Out  int
	Bias bool
}

// Dropout holds the training-time drop rate (informational).
type Dropout struct{ Rate float64 }

// Role says what a weight tensor is.
type Role int

const (
	RoleWeight      Role = iota // conv kernel, fc matrix, batch norm scale (gamma)
	RoleBias                    // conv/fc bias, batch norm shift (beta)
	RoleRunningMean             // batch norm running mean (a buffer, not trained)
	RoleRunningVar              // batch norm running variance (a buffer, not trained)
)

// Param is one named weight tensor.
type Param struct {
	Name  string // full name, e.g. "inception3a.branch2.1.conv.weight"
	Role  Role
	Shape []int
	// FanIn is the number of inputs each output of the op sums over
	// (In·KH·KW for conv, In for fc, 0 otherwise); initialisers use it.
	FanIn int
}

// Len is the number of elements.
func (p Param) Len() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Trainable reports whether the tensor counts as a parameter (buffers such as
// batch norm running statistics do not).
func (p Param) Trainable() bool { return p.Role == RoleWeight || p.Role == RoleBias }

// Value is a tensor flowing between ops.
type Value struct {
	ID    int
	Shape Shape
	// Producer is the index in Network.Ops of the op that computes it, -1 for the input.
	Producer int
}

// Head is a side head (an auxiliary classifier): ops that branch off the trunk.
type Head struct {
	Name string
	// At is the trunk value the head reads; AtName the spec name it was attached to.
	At     int
	AtName string
	// Weight is the loss weight used in training (metadata).
	Weight float64
	// Output is the head's output value.
	Output int
	Src    Pos
}

// Preprocess says how an image becomes the network input. Steps run in order:
// decode to RGB in [0,1], resize the shorter side to Resize (with Interpolation,
// antialiased; 0 = none), center-crop to CropH×CropW (0 = none), multiply by Scale, convert
// channel order, then (x - Mean[c]) / Std[c]. Grayscale inputs (C = 1) are
// converted to luminance first.
type Preprocess struct {
	Resize int
	// Interpolation is the resize filter: "bilinear" (Pillow's BILINEAR,
	// as torchvision's default) or "bicubic" (Pillow's BICUBIC, as timm's
	// Inception presets).
	Interpolation string
	CropH, CropW  int
	Scale         float64
	Order         string // "rgb" or "bgr"
	Mean, Std     []float64
}

// Network is a checked network.
type Network struct {
	Name string
	File string // spec file name as given
	// Input is value 0's shape.
	Input  Shape
	Values []Value
	Ops    []Op
	// Output is the trunk's output value.
	Output int
	Heads  []Head
	Pre    *Preprocess // nil if the spec declares none
	Labels string      // name of the label set ("imagenet", "mnist", …), "" if none
	// Modules lists the top-level items of the trunk in order, for per-module reports.
	Modules []Module
}

// Module is a top-level item of a spec: one layer, or a block instance, a join,
// or a sequence; or a side head. Ops[First:End] are its ops.
type Module struct {
	Name  string
	Kind  string // the layer kind ("conv", …) or the block name ("inception", …), or "head"
	Block bool   // a block instance
	// Args are the block's flattened arguments with their parameter names,
	// for reports, as the language writes them ("64", "1x7", "0.17").
	ArgNames []string
	Args     []string
	// Pairs marks parameters declared as a pair (r3>n3): ArgNames[i] and [i+1] form one.
	Pairs      []bool
	First, End int
	Head       string
	Src        Pos
}

// Producer returns the op that produces value id, or nil for the input.
func (n *Network) Producer(id int) *Op {
	if p := n.Values[id].Producer; p >= 0 {
		return &n.Ops[p]
	}
	return nil
}

// Shape returns the shape of value id.
func (n *Network) Shape(id int) Shape { return n.Values[id].Shape }

// Params returns every weight tensor of the network, trunk first, in op order.
// With heads false the ops of side heads are left out.
func (n *Network) Params(heads bool) []Param {
	var ps []Param
	for i := range n.Ops {
		if n.Ops[i].Head != "" && !heads {
			continue
		}
		ps = append(ps, n.Ops[i].Params...)
	}
	return ps
}

// RenameFile names the spec file name instead of n.File in n and in every
// position that points into it (ops, their block trails, modules, heads):
// so that generated files can name the spec by its path from the module
// root, whatever directory the compiler ran in. Positions in other files
// (the prelude) are kept.
func (n *Network) RenameFile(name string) {
	old := n.File
	fix := func(p *Pos) {
		if p.File == old {
			p.File = name
		}
	}
	for i := range n.Ops {
		op := &n.Ops[i]
		fix(&op.Src)
		for j := range op.Trail {
			fix(&op.Trail[j])
		}
	}
	for i := range n.Modules {
		fix(&n.Modules[i].Src)
	}
	for i := range n.Heads {
		fix(&n.Heads[i].Src)
	}
	n.File = name
}

// String renders the network one op per line, for debugging and tests.
func (n *Network) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "network %s input %v\n", n.Name, n.Input)
	for i := range n.Ops {
		op := &n.Ops[i]
		fmt.Fprintf(&b, "v%d = %v %s(", op.Out, op.Kind, op.Name)
		for j, in := range op.In {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "v%d", in)
		}
		fmt.Fprintf(&b, ") %v", n.Shape(op.Out))
		if op.Head != "" {
			fmt.Fprintf(&b, " head=%s", op.Head)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// GoName turns an op name into the identifier generated code uses for it:
// every character that is not a letter or digit becomes '_', and a leading
// digit gets an 'l' (layer) prefix. The checker rejects specs in which two
// op names map to the same identifier.
func GoName(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('l')
			}
		default:
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}
