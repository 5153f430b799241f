package ir

import (
	"fmt"
	"strconv"

	"github.com/inccdev/incc/internal/geom"
)

// KindInfo is the meaning of one kind of op, stated once: its name in the
// language, its arity, its attributes and their valid values, how its
// output shape follows from its inputs' (with the checks that need them),
// its weight tensors and its cost. The checker emits ops through it
// ([CheckAttrs], [Infer], [Weights]), [Validate] checks every op against
// it, and stats, the interpreter, the code generator and the exporter read
// the weights and costs it gives.
type KindInfo struct {
	// Name is the kind's name in the language and in messages ("conv").
	Name string
	// Join marks kinds that take any number (at least one) of inputs and
	// join them (concat, add, mul); the others take exactly one.
	Join bool
	// Act marks activations: element-wise kinds without attributes that the
	// language also writes as a flag of the layer before them (conv 3x3 8
	// relu6), and that backends may fuse into it.
	Act bool
	// attrs reports whether the op carries the kind's attribute struct;
	// nil for kinds without attributes.
	attrs func(op *Op) bool
	// check validates the attributes alone, independently of the inputs.
	check func(op *Op) []*AttrError
	// infer returns the output shape for the inputs' shapes, or the reason
	// the inputs do not fit the op.
	infer func(op *Op, in []Shape) (Shape, *ShapeError)
	// weights lists the op's weight tensors, in order; nil if it has none.
	weights func(op *Op, in []Shape) []WeightSpec
	// macs counts the multiply-accumulates for one image; nil means 0.
	macs func(op *Op, in []Shape, out Shape) int64
}

// kinds holds every kind's definition, indexed by Kind. To add a kind:
// declare its constant in ir.go (and run go generate for its String),
// add its attribute struct to Op if it has one, and add its row here;
// each backend's test then names what else it lacks.
var kinds = [...]KindInfo{
	KindConv: {
		Name:  "conv",
		attrs: func(op *Op) bool { return op.Conv != nil },
		check: func(op *Op) []*AttrError {
			c := op.Conv
			var errs []*AttrError
			errs = positive(errs, "conv", "kernel", "kernel", min(c.KH, c.KW))
			errs = positive(errs, "conv", "out", "output channels", c.Out)
			errs = positive(errs, "conv", "stride", "stride", min(c.SH, c.SW))
			errs = positive(errs, "conv", "groups", "groups", c.Groups)
			if c.Groups > 0 && c.Out > 0 && c.Out%c.Groups != 0 {
				errs = append(errs, &AttrError{Attrs: []string{"groups", "out"},
					Msg: fmt.Sprintf("conv: groups %d does not divide the %d output channels", c.Groups, c.Out)})
			}
			return nonNegative(errs, "conv", c.Pad)
		},
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			c := op.Conv
			s := in[0]
			if s.C%c.Groups != 0 {
				return Shape{}, attrErr("groups", "conv: groups %d does not divide the input's %d channels", c.Groups, s.C)
			}
			if ph, pw := s.H+c.Pad.Top+c.Pad.Bottom, s.W+c.Pad.Left+c.Pad.Right; ph < c.KH || pw < c.KW {
				return Shape{}, attrErr("kernel", "conv: kernel %dx%d is larger than the padded input %dx%d", c.KH, c.KW, ph, pw)
			}
			return Shape{
				C: c.Out,
				H: geom.Out(s.H, c.KH, c.SH, c.Pad.Top, c.Pad.Bottom, false),
				W: geom.Out(s.W, c.KW, c.SW, c.Pad.Left, c.Pad.Right, false),
			}, nil
		},
		weights: func(op *Op, in []Shape) []WeightSpec {
			c := op.Conv
			cin := in[0].C / max(c.Groups, 1)
			return linear([]int{c.Out, cin, c.KH, c.KW}, c.Out, cin*c.KH*c.KW, c.Bias)
		},
		macs: func(op *Op, in []Shape, out Shape) int64 {
			return mul(out.C, out.H, out.W, in[0].C/max(op.Conv.Groups, 1), op.Conv.KH, op.Conv.KW)
		},
	},
	KindMaxPool: poolKind("maxpool"),
	KindAvgPool: poolKind("avgpool"),
	KindAdaptiveAvgPool: {
		Name:  "adaptiveavgpool",
		attrs: func(op *Op) bool { return op.Adaptive != nil },
		check: func(op *Op) []*AttrError {
			return positive(nil, "adaptiveavgpool", "size", "size", min(op.Adaptive.H, op.Adaptive.W))
		},
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			return Shape{C: in[0].C, H: op.Adaptive.H, W: op.Adaptive.W}, nil
		},
	},
	KindLRN: {
		Name:  "lrn",
		attrs: func(op *Op) bool { return op.LRN != nil },
		check: func(op *Op) []*AttrError { return positive(nil, "lrn", "size", "size", op.LRN.Size) },
		infer: same,
	},
	KindBatchNorm: {
		Name:  "batchnorm",
		attrs: func(op *Op) bool { return op.BN != nil },
		check: func(op *Op) []*AttrError {
			if eps := op.BN.Eps; !(eps > 0) {
				return []*AttrError{{Attrs: []string{"eps"}, Msg: fmt.Sprintf("batchnorm: eps must be positive, got %g", eps)}}
			}
			return nil
		},
		infer: same,
		weights: func(op *Op, in []Shape) []WeightSpec {
			c := []int{in[0].C}
			return []WeightSpec{
				{Suffix: "weight", Role: RoleWeight, Shape: c, Init: InitBNWeight},
				{Suffix: "bias", Role: RoleBias, Shape: c, Init: InitBNBias},
				{Suffix: "running_mean", Role: RoleRunningMean, Shape: c, Init: InitRunningMean},
				{Suffix: "running_var", Role: RoleRunningVar, Shape: c, Init: InitRunningVar},
			}
		},
	},
	KindReLU: {Name: "relu", Act: true, infer: same},
	KindDropout: {
		Name:  "dropout",
		attrs: func(op *Op) bool { return op.Dropout != nil },
		check: func(op *Op) []*AttrError {
			if r := op.Dropout.Rate; !(r >= 0 && r < 1) {
				return []*AttrError{{Attrs: []string{"rate"}, Msg: fmt.Sprintf("dropout: rate must be in [0, 1), got %g", r)}}
			}
			return nil
		},
		infer: same,
	},
	KindFlatten: {
		Name: "flatten",
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			return Shape{C: in[0].Len(), H: 1, W: 1}, nil
		},
	},
	KindFC: {
		Name:  "fc",
		attrs: func(op *Op) bool { return op.FC != nil },
		check: func(op *Op) []*AttrError { return positive(nil, "fc", "out", "output size", op.FC.Out) },
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			return Shape{C: op.FC.Out, H: 1, W: 1}, nil
		},
		weights: func(op *Op, in []Shape) []WeightSpec {
			n := in[0].Len()
			return linear([]int{op.FC.Out, n}, op.FC.Out, n, op.FC.Bias)
		},
		macs: func(op *Op, in []Shape, out Shape) int64 { return mul(op.FC.Out, in[0].C, in[0].H, in[0].W) },
	},
	KindSoftmax: {
		Name: "softmax",
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			if s := in[0]; s.H != 1 || s.W != 1 {
				return Shape{}, attrErr("", "softmax: input must be Cx1x1, got %v (flatten or pool first)", s)
			}
			return in[0], nil
		},
	},
	KindConcat: {
		Name: "concat",
		Join: true,
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			out := Shape{H: in[0].H, W: in[0].W}
			for i, s := range in {
				if s.H != in[0].H || s.W != in[0].W {
					return Shape{}, &ShapeError{Input: i, Msg: fmt.Sprintf("concat: branch %d gives %v, but branch 1 gives %v (spatial sizes must match)", i+1, s, in[0])}
				}
				out.C += s.C
			}
			return out, nil
		},
	},
	KindAdd: {
		Name: "add",
		Join: true,
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			for i, s := range in[1:] {
				if s != in[0] {
					what := "shape"
					if s.H == in[0].H && s.W == in[0].W {
						what = "channel"
					}
					return Shape{}, &ShapeError{Input: i + 1, Msg: fmt.Sprintf("add: %s mismatch: branch %d gives %v, branch 1 gives %v", what, i+2, s, in[0])}
				}
			}
			return in[0], nil
		},
	},
	KindIdentity:    {Name: "identity", infer: same},
	KindReLU6:       {Name: "relu6", Act: true, infer: same},
	KindSigmoid:     {Name: "sigmoid", Act: true, infer: same},
	KindHardSigmoid: {Name: "hardsigmoid", Act: true, infer: same},
	KindHardSwish:   {Name: "hardswish", Act: true, infer: same},
	KindSiLU:        {Name: "silu", Act: true, infer: same},
	KindClamp: {
		Name:  "clamp",
		attrs: func(op *Op) bool { return op.Clamp != nil },
		check: func(op *Op) []*AttrError {
			if c := op.Clamp; !(c.Min <= c.Max) {
				return []*AttrError{{Attrs: []string{"max", "min"}, Msg: fmt.Sprintf("clamp: max %g is less than min %g", c.Max, c.Min)}}
			}
			return nil
		},
		infer: same,
	},
	KindScale: {
		Name:  "scale",
		attrs: func(op *Op) bool { return op.Scale != nil },
		infer: same,
	},
	KindMul: {
		Name: "mul",
		Join: true,
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			out := in[0]
			for i, s := range in {
				if s.C != in[0].C {
					return Shape{}, &ShapeError{Input: i, Msg: fmt.Sprintf("mul: channel mismatch: branch %d gives %v, branch 1 gives %v", i+1, s, in[0])}
				}
				if s.H*s.W > 1 && out.H*out.W == 1 {
					out = s // the first branch of full size
				}
			}
			for i, s := range in {
				if s.H*s.W > 1 && (s.H != out.H || s.W != out.W) {
					return Shape{}, &ShapeError{Input: i, Msg: fmt.Sprintf("mul: branch %d gives %v, but another gives %v (each branch must give the same size, or one value per channel: %dx1x1)", i+1, s, out, out.C)}
				}
			}
			return out, nil
		},
	},
}

// poolKind is max or average pooling.
func poolKind(name string) KindInfo {
	return KindInfo{
		Name:  name,
		attrs: func(op *Op) bool { return op.Pool != nil },
		check: func(op *Op) []*AttrError {
			p := op.Pool
			var errs []*AttrError
			errs = positive(errs, name, "kernel", "kernel", min(p.KH, p.KW))
			errs = positive(errs, name, "stride", "stride", min(p.SH, p.SW))
			errs = nonNegative(errs, name, p.Pad)
			if p.ExcludePad && name != "avgpool" {
				errs = append(errs, &AttrError{Attrs: []string{"excludepad"}, Msg: name + ": excludepad is for average pooling only (a max pool never counts the padding)"})
			}
			if len(errs) == 0 && (p.Pad.Top > p.KH/2 || p.Pad.Bottom > p.KH/2 || p.Pad.Left > p.KW/2 || p.Pad.Right > p.KW/2) {
				errs = append(errs, &AttrError{Attrs: []string{"pad", "kernel"},
					Msg: fmt.Sprintf("%s: pad %s is more than half the kernel %dx%d", name, PadString(p.Pad), p.KH, p.KW)})
			}
			return errs
		},
		infer: func(op *Op, in []Shape) (Shape, *ShapeError) {
			p := op.Pool
			s := in[0]
			if ph, pw := s.H+p.Pad.Top+p.Pad.Bottom, s.W+p.Pad.Left+p.Pad.Right; ph < p.KH || pw < p.KW {
				return Shape{}, attrErr("kernel", "%s: input %v pools to nothing: kernel %dx%d is larger than the padded input %dx%d", name, s, p.KH, p.KW, ph, pw)
			}
			return Shape{
				C: s.C,
				H: geom.Out(s.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom, p.Ceil),
				W: geom.Out(s.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right, p.Ceil),
			}, nil
		},
	}
}

// same is the shape rule of element-wise kinds: the output is the input's shape.
func same(_ *Op, in []Shape) (Shape, *ShapeError) { return in[0], nil }

// linear is the weights of a convolution or fully connected layer: weight
// of the given shape, and a bias of out values if bias is set.
func linear(shape []int, out, fanIn int, bias bool) []WeightSpec {
	ws := []WeightSpec{{Suffix: "weight", Role: RoleWeight, Shape: shape, FanIn: fanIn, Init: InitWeight}}
	if bias {
		ws = append(ws, WeightSpec{Suffix: "bias", Role: RoleBias, Shape: []int{out}, FanIn: fanIn, Init: InitBias})
	}
	return ws
}

func positive(errs []*AttrError, kind, attr, what string, v int) []*AttrError {
	if v < 1 {
		errs = append(errs, &AttrError{Attrs: []string{attr}, Msg: fmt.Sprintf("%s: %s must be positive, got %d", kind, what, v)})
	}
	return errs
}

func nonNegative(errs []*AttrError, kind string, p Pad) []*AttrError {
	if p.Top < 0 || p.Left < 0 || p.Bottom < 0 || p.Right < 0 {
		errs = append(errs, &AttrError{Attrs: []string{"pad"}, Msg: fmt.Sprintf("%s: pad must not be negative, got %s", kind, PadString(p))})
	}
	return errs
}

func attrErr(attr, format string, args ...any) *ShapeError {
	return &ShapeError{Input: -1, Attr: attr, Msg: fmt.Sprintf(format, args...)}
}

// mul multiplies non-negative sizes, saturating at the largest int64 (a
// checked network stays far below: every size is at most 2^24 and a
// layer's weights at most 2^28, so one op's count is at most 2^52).
func mul(xs ...int) int64 {
	p := int64(1)
	for _, x := range xs {
		if x <= 0 {
			return 0
		}
		if p > (1<<63-1)/int64(x) {
			return 1<<63 - 1
		}
		p *= int64(x)
	}
	return p
}

// PadString renders padding as the language writes it: N, HxW, or
// (top, left, bottom, right).
func PadString(p Pad) string {
	switch {
	case p.Top == p.Bottom && p.Left == p.Right && p.Top == p.Left:
		return strconv.Itoa(p.Top)
	case p.Top == p.Bottom && p.Left == p.Right:
		return fmt.Sprintf("%dx%d", p.Top, p.Left)
	}
	return fmt.Sprintf("(%d, %d, %d, %d)", p.Top, p.Left, p.Bottom, p.Right)
}

// Info returns the definition of kind k, nil if k is not a kind.
func (k Kind) Info() *KindInfo {
	if k <= KindInvalid || int(k) >= len(kinds) || kinds[k].Name == "" {
		return nil
	}
	return &kinds[k]
}

// Kinds returns every kind, in declaration order. Backends' tests iterate
// over it to check that each has a row for every kind.
func Kinds() []Kind {
	var ks []Kind
	for k := range kinds {
		if Kind(k).Info() != nil {
			ks = append(ks, Kind(k))
		}
	}
	return ks
}

// KindByName returns the kind the language calls name.
func KindByName(name string) (Kind, bool) {
	for _, k := range Kinds() {
		if kinds[k].Name == name {
			return k, true
		}
	}
	return KindInvalid, false
}

// An AttrError is an attribute value an op's kind does not allow. Attrs
// names, as the language does ("kernel", "stride", "pad", "out", "size",
// "eps", "rate", "groups", "min", "max", "excludepad"), the attribute at
// fault first, then any others the check read.
type AttrError struct {
	Attrs []string
	Msg   string
}

func (e *AttrError) Error() string { return e.Msg }

// A ShapeError is an op whose inputs do not fit it. Input is the index of
// the input at fault (a join's branch), or -1 if the op as a whole is;
// then Attr names the attribute at fault, if one is.
type ShapeError struct {
	Input int
	Attr  string
	Msg   string
}

func (e *ShapeError) Error() string { return e.Msg }

// CheckAttrs reports the op's attributes that its kind does not allow
// (a kernel or stride that is not positive, negative padding, …). An op
// without its kind's attributes, or of no kind, is one error.
func CheckAttrs(op *Op) []*AttrError {
	info := op.Kind.Info()
	switch {
	case info == nil:
		return []*AttrError{{Msg: fmt.Sprintf("unknown kind %v", op.Kind)}}
	case info.attrs != nil && !info.attrs(op):
		return []*AttrError{{Msg: fmt.Sprintf("%s without its attributes", info.Name)}}
	case info.check == nil:
		return nil
	}
	return info.check(op)
}

// Infer returns the shape of op's output for inputs of the given shapes,
// or a *ShapeError if they do not fit it (a kernel larger than the padded
// input, joined branches that disagree, …) or their number is wrong. The
// attributes must have passed [CheckAttrs].
func Infer(op *Op, in []Shape) (Shape, error) {
	info := op.Kind.Info()
	if info == nil || info.attrs != nil && !info.attrs(op) {
		return Shape{}, attrErr("", "%v: no attributes to infer from", op.Kind)
	}
	switch {
	case len(in) == 0:
		return Shape{}, attrErr("", "%s has no inputs", info.Name)
	case !info.Join && len(in) != 1:
		return Shape{}, attrErr("", "%s has %d inputs, want 1", info.Name, len(in))
	}
	out, err := info.infer(op, in)
	if err != nil {
		return Shape{}, err
	}
	return out, nil
}

// WeightSpec is one weight tensor an op's kind needs.
type WeightSpec struct {
	// Suffix is the last component of the tensor's name (the op's name,
	// a dot, then this), as PyTorch names the module's attribute:
	// "weight", "bias", "running_mean", "running_var".
	Suffix string
	Role   Role
	Shape  []int
	// FanIn is the number of inputs each output sums over (see [Param.FanIn]).
	FanIn int
	// Init is the tensor's deterministic initializer.
	Init Init
}

// HasWeights reports whether ops of kind k have weight tensors.
func HasWeights(k Kind) bool { return k.Info() != nil && k.Info().weights != nil }

// Weights returns the weight tensors of op for inputs of the given shapes,
// in the order of [Op.Params]; nil for kinds without weights. The op must
// be valid ([CheckAttrs], [Infer]).
func Weights(op *Op, in []Shape) []WeightSpec {
	info := op.Kind.Info()
	if info == nil || info.weights == nil {
		return nil
	}
	return info.weights(op, in)
}

// Init names the deterministic initializer of a weight tensor, by the name
// of the runtime's kind (runtime.InitWeight is InitWeight's).
type Init int

//go:generate go tool stringer -type=Init -output=init_string.go

const (
	InitWeight      Init = iota // conv/fc weight: uniform, scaled by sqrt(6/FanIn)
	InitBias                    // conv/fc bias
	InitBNWeight                // batch norm weight (gamma)
	InitBNBias                  // batch norm bias (beta)
	InitRunningMean             // batch norm running mean
	InitRunningVar              // batch norm running variance
)

// ParamInit returns the initializer of the i-th weight of op in net.
func (n *Network) ParamInit(op *Op, i int) Init {
	ws := Weights(op, n.InputShapes(op))
	if i < len(ws) {
		return ws[i].Init
	}
	// Validate rejects such an op; keep a sensible answer for one that
	// did not go through it.
	switch op.Params[i].Role {
	case RoleBias:
		return InitBias
	case RoleRunningMean:
		return InitRunningMean
	case RoleRunningVar:
		return InitRunningVar
	}
	return InitWeight
}

// InputShapes returns the shapes of op's inputs.
func (n *Network) InputShapes(op *Op) []Shape {
	in := make([]Shape, len(op.In))
	for i, v := range op.In {
		in[i] = n.Shape(v)
	}
	return in
}

// MACs returns the multiply-accumulates of one op for one image:
// conv Out·OH·OW·(In/Groups)·KH·KW, fc Out·In, and 0 for every other
// kind. It
// saturates at the largest int64, which a checked network never reaches
// (one op is at most 2^52); sums over many ops can exceed int64 and must
// be taken with care (package stats uses math/big).
func (n *Network) MACs(op *Op) int64 {
	info := op.Kind.Info()
	if info == nil || info.macs == nil {
		return 0
	}
	return info.macs(op, n.InputShapes(op), n.Shape(op.Out))
}
