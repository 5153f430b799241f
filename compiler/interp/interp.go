// Package interp executes a checked [ir.Network] with the plain reference
// kernels of package runtime/ref. It is the oracle that generated code is
// tested against, and it validates what it is given: the network with
// [ir.Validate], the weights against the network's tensors, the input
// against the network's input shape.
//
// It imports compiler/ir and the runtime (runtime/ref for the kernels,
// runtime/tensor for tensors and weights, runtime for the initializer)
// only: never dsl/ (the parser) nor the code generator's dependencies such
// as jennifer.
package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/ref"
	"github.com/inccdev/incc/runtime/tensor"
)

// Options configure an [Interp].
type Options struct {
	// Heads runs the side heads too. Their weights are then required;
	// without Heads they are optional and ignored.
	Heads bool
	// Keep names ops whose outputs Run returns in [Result.Values].
	Keep []string
	// KeepAll keeps every op's output (memory grows with the network).
	KeepAll bool
}

// Result is the outcome of [Interp.Run]. Every tensor is N×C×H×W, with
// C×H×W the value's [ir.Shape] (an fc output is N×Out×1×1).
type Result struct {
	Output tensor.Tensor            // the trunk's output
	Heads  map[string]tensor.Tensor // each head's output by head name (Options.Heads)
	Values map[string]tensor.Tensor // kept op outputs by op name
}

// Interp runs one network with one set of weights. It holds no state
// between runs, so Run may be called concurrently.
type Interp struct {
	net  *ir.Network
	w    tensor.Weights
	ops  []int       // indices in net.Ops of the ops that run, in order
	last map[int]int // value ID → position in ops of its last reader
	keep map[int]string
}

// New validates net and w and returns an interpreter. The errors, all
// reported at once, name the op (with its spec position) or the tensor.
func New(net *ir.Network, w tensor.Weights, opts Options) (*Interp, error) {
	if err := ir.Validate(net); err != nil {
		return nil, err
	}
	heads := map[string]bool{} // names of head weights, optional without Heads
	if !opts.Heads {
		for _, p := range net.Params(true) {
			heads[p.Name] = true
		}
		for _, p := range net.Params(false) {
			delete(heads, p.Name)
		}
	}
	optional := func(name string) bool { return heads[name] || tensor.IsBatchesTracked(name) }
	if err := tensor.Check(w, WeightSpecs(net, opts.Heads), optional); err != nil {
		return nil, err
	}
	it := &Interp{net: net, w: w, last: map[int]int{}, keep: map[int]string{}}
	for i := range net.Ops {
		if net.Ops[i].Head == "" || opts.Heads {
			it.ops = append(it.ops, i)
		}
	}
	for pos, i := range it.ops {
		for _, in := range net.Ops[i].In {
			it.last[in] = pos
		}
	}
	byName := map[string]*ir.Op{}
	for i := range net.Ops {
		byName[net.Ops[i].Name] = &net.Ops[i]
	}
	var errs []error
	for _, name := range opts.Keep {
		op, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("interp: keep %q: no such op", name))
		case op.Head != "" && !opts.Heads:
			errs = append(errs, fmt.Errorf("interp: keep %q: op of head %s, which does not run without Options.Heads", name, op.Head))
		default:
			it.keep[op.Out] = name
		}
	}
	if opts.KeepAll {
		for _, i := range it.ops {
			it.keep[net.Ops[i].Out] = net.Ops[i].Name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return it, nil
}

// Run executes the network on input, a batch of N ≥ 1 images of the
// network's input shape (N×C×H×W). A wrong input shape is an error.
func (it *Interp) Run(input tensor.Tensor) (Result, error) {
	net := it.net
	in := net.Input
	if len(input.Shape) != 4 || input.Shape[0] < 1 || input.Shape[1] != in.C || input.Shape[2] != in.H || input.Shape[3] != in.W {
		return Result{}, fmt.Errorf("interp: input shape %v, want [N %d %d %d] with N >= 1", input.Shape, in.C, in.H, in.W)
	}
	n := input.Shape[0]
	if len(input.Data) != n*in.Len() {
		return Result{}, fmt.Errorf("interp: input has %d values, want %d for shape %v", len(input.Data), n*in.Len(), input.Shape)
	}
	outputs := map[int]bool{net.Output: true}
	heads := map[string]bool{}
	for _, i := range it.ops {
		heads[net.Ops[i].Head] = true
	}
	for _, h := range net.Heads {
		if heads[h.Name] {
			outputs[h.Output] = true
		}
	}
	vals := make([][]float32, len(net.Values))
	vals[0] = input.Data
	for pos, i := range it.ops {
		op := &net.Ops[i]
		vals[op.Out] = it.exec(op, n, vals)
		for _, v := range op.In {
			if it.last[v] == pos && v != 0 && !outputs[v] && it.keep[v] == "" {
				vals[v] = nil // let the collector have it
			}
		}
	}
	value := func(id int) tensor.Tensor {
		s := net.Shape(id)
		return tensor.Tensor{Shape: []int{n, s.C, s.H, s.W}, Data: vals[id]}
	}
	res := Result{Output: value(net.Output), Heads: map[string]tensor.Tensor{}, Values: map[string]tensor.Tensor{}}
	for _, h := range net.Heads {
		if heads[h.Name] {
			res.Heads[h.Name] = value(h.Output)
		}
	}
	for id, name := range it.keep {
		res.Values[name] = value(id)
	}
	return res, nil
}

// exec computes one op for a batch of n images and returns its output.
func (it *Interp) exec(op *ir.Op, n int, vals [][]float32) []float32 {
	x := &call{it: it, op: op, n: n, in: it.net.Shape(op.In[0]), out: it.net.Shape(op.Out)}
	for _, id := range op.In {
		x.src = append(x.src, vals[id])
	}
	x.dst = make([]float32, n*x.out.Len())
	kernels[op.Kind](x) // ir.Validate checked the kind
	return x.dst
}

// call is one op to compute: its batch of n images of the input shape in
// (its first input's) from src into dst, of shape out.
type call struct {
	it      *Interp
	op      *ir.Op
	n       int
	in, out ir.Shape
	src     [][]float32
	dst     []float32
}

// param returns the data of the op's weight with the given role, nil if none.
func (x *call) param(role ir.Role) []float32 {
	for _, p := range x.op.Params {
		if p.Role == role {
			return x.it.w[p.Name].Data
		}
	}
	return nil
}

// kernels computes each kind of op with its reference kernel (runtime/ref).
var kernels = map[ir.Kind]func(x *call){
	ir.KindConv: func(x *call) {
		c, s := x.op.Conv, x.in
		ref.Conv2D(x.dst, x.src[0], x.param(ir.RoleWeight), x.param(ir.RoleBias), x.n, ref.Conv2DParams{
			C: s.C, H: s.H, W: s.W, OutC: c.Out, KH: c.KH, KW: c.KW, SH: c.SH, SW: c.SW, Pad: ref.Pad(c.Pad), Groups: c.Groups})
	},
	ir.KindMaxPool: func(x *call) { ref.MaxPool2D(x.dst, x.src[0], x.n, poolParams(x.in, x.op.Pool)) },
	ir.KindAvgPool: func(x *call) { ref.AvgPool2D(x.dst, x.src[0], x.n, poolParams(x.in, x.op.Pool)) },
	ir.KindAdaptiveAvgPool: func(x *call) {
		s := x.in
		ref.AdaptiveAvgPool2D(x.dst, x.src[0], x.n, s.C, s.H, s.W, x.op.Adaptive.H, x.op.Adaptive.W)
	},
	ir.KindLRN: func(x *call) {
		l, s := x.op.LRN, x.in
		ref.LRN(x.dst, x.src[0], x.n, s.C, s.H*s.W, l.Size, l.Alpha, l.Beta, l.K)
	},
	ir.KindBatchNorm: func(x *call) {
		s := x.in
		ref.BatchNorm(x.dst, x.src[0], x.param(ir.RoleWeight), x.param(ir.RoleBias),
			x.param(ir.RoleRunningMean), x.param(ir.RoleRunningVar), x.n, s.C, s.H*s.W, x.op.BN.Eps)
	},
	ir.KindReLU:     func(x *call) { ref.ReLU(x.dst, x.src[0]) },
	ir.KindDropout:  func(x *call) { ref.Dropout(x.dst, x.src[0]) },
	ir.KindFlatten:  func(x *call) { ref.Flatten(x.dst, x.src[0]) },
	ir.KindIdentity: func(x *call) { copy(x.dst, x.src[0]) },
	ir.KindFC: func(x *call) {
		ref.Linear(x.dst, x.src[0], x.param(ir.RoleWeight), x.param(ir.RoleBias), x.n, x.in.Len(), x.op.FC.Out)
	},
	ir.KindSoftmax: func(x *call) { ref.Softmax(x.dst, x.src[0], x.n, x.in.C) },
	ir.KindConcat:  func(x *call) { ref.Concat(x.dst, x.n, x.out.H*x.out.W, x.src...) },
	ir.KindAdd:     func(x *call) { ref.Add(x.dst, x.src...) },
	ir.KindMul: func(x *call) {
		ref.Mul(x.dst, x.n, x.out.C, x.out.H*x.out.W, x.src...)
	},
	ir.KindReLU6:       func(x *call) { ref.ReLU6(x.dst, x.src[0]) },
	ir.KindSigmoid:     func(x *call) { ref.Sigmoid(x.dst, x.src[0]) },
	ir.KindHardSigmoid: func(x *call) { ref.HardSigmoid(x.dst, x.src[0]) },
	ir.KindHardSwish:   func(x *call) { ref.HardSwish(x.dst, x.src[0]) },
	ir.KindSiLU:        func(x *call) { ref.SiLU(x.dst, x.src[0]) },
	ir.KindClamp: func(x *call) {
		ref.Clamp(x.dst, x.src[0], float32(x.op.Clamp.Min), float32(x.op.Clamp.Max))
	},
	ir.KindScale: func(x *call) { ref.Scale(x.dst, x.src[0], float32(x.op.Scale.Factor)) },
}

func poolParams(s ir.Shape, p *ir.Pool) ref.Pool2DParams {
	return ref.Pool2DParams{C: s.C, H: s.H, W: s.W, KH: p.KH, KW: p.KW, SH: p.SH, SW: p.SW, Pad: ref.Pad(p.Pad), Ceil: p.Ceil, ExcludePad: p.ExcludePad}
}

// WeightSpecs lists the weight tensors the network needs, trunk first, in
// op order; with heads false the side heads' tensors are left out.
func WeightSpecs(net *ir.Network, heads bool) []tensor.Spec {
	var specs []tensor.Spec
	for _, p := range net.Params(heads) {
		specs = append(specs, tensor.Spec{Name: p.Name, Shape: slices.Clone(p.Shape), NonNegative: p.Role == ir.RoleRunningVar})
	}
	return specs
}

// initKinds maps the IR's initializers to the runtime's (the same names).
var initKinds = map[ir.Init]runtime.InitKind{
	ir.InitWeight:      runtime.InitWeight,
	ir.InitBias:        runtime.InitBias,
	ir.InitBNWeight:    runtime.InitBNWeight,
	ir.InitBNBias:      runtime.InitBNBias,
	ir.InitRunningMean: runtime.InitRunningMean,
	ir.InitRunningVar:  runtime.InitRunningVar,
}

// InitKind returns the runtime's initializer kind for the IR's init.
func InitKind(init ir.Init) runtime.InitKind {
	k, ok := initKinds[init]
	if !ok {
		panic(fmt.Sprintf("interp: no runtime initializer for %v", init))
	}
	return k
}

// InitWeights fills every weight of net (with heads, the side heads' too)
// with [runtime.Init] for seed, with the initializer its op's kind gives it
// ([ir.Network.ParamInit]).
func InitWeights(net *ir.Network, seed uint64, heads bool) tensor.Weights {
	w := tensor.Weights{}
	for i := range net.Ops {
		op := &net.Ops[i]
		if op.Head != "" && !heads {
			continue
		}
		for j, p := range op.Params {
			t := tensor.New(p.Shape...)
			runtime.Init(t.Data, seed, p.Name, InitKind(net.ParamInit(op, j)), p.FanIn)
			w[p.Name] = t
		}
	}
	return w
}
