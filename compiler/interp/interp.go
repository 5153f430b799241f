// Package interp executes a checked [ir.Network] with the runtime package's
// plain reference kernels. It is the oracle that generated code is tested
// against, and it validates what it is given: the network's shapes against
// the runtime's output-size rules, the weights against the network's
// tensors, the input against the network's input shape.
//
// It imports compiler/ir and runtime only: never dsl/ (the parser) nor the
// code generator's dependencies such as jennifer.
package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime"
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
	Output runtime.Tensor            // the trunk's output
	Heads  map[string]runtime.Tensor // each head's output by head name (Options.Heads)
	Values map[string]runtime.Tensor // kept op outputs by op name
}

// Interp runs one network with one set of weights. It holds no state
// between runs, so Run may be called concurrently.
type Interp struct {
	net  *ir.Network
	w    runtime.Weights
	ops  []int       // indices in net.Ops of the ops that run, in order
	last map[int]int // value ID → position in ops of its last reader
	keep map[int]string
}

// New validates net and w and returns an interpreter. The errors, all
// reported at once, name the op (with its spec position) or the tensor.
func New(net *ir.Network, w runtime.Weights, opts Options) (*Interp, error) {
	if err := Validate(net); err != nil {
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
	optional := func(name string) bool { return heads[name] || runtime.IsBatchesTracked(name) }
	if err := runtime.Check(w, WeightSpecs(net, opts.Heads), optional); err != nil {
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
func (it *Interp) Run(input runtime.Tensor) (Result, error) {
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
	tensor := func(id int) runtime.Tensor {
		s := net.Shape(id)
		return runtime.Tensor{Shape: []int{n, s.C, s.H, s.W}, Data: vals[id]}
	}
	res := Result{Output: tensor(net.Output), Heads: map[string]runtime.Tensor{}, Values: map[string]runtime.Tensor{}}
	for _, h := range net.Heads {
		if heads[h.Name] {
			res.Heads[h.Name] = tensor(h.Output)
		}
	}
	for id, name := range it.keep {
		res.Values[name] = tensor(id)
	}
	return res, nil
}

// param returns the data of op's weight with the given role, nil if none.
func (it *Interp) param(op *ir.Op, role ir.Role) []float32 {
	for _, p := range op.Params {
		if p.Role == role {
			return it.w[p.Name].Data
		}
	}
	return nil
}

// exec computes one op for a batch of n images and returns its output.
func (it *Interp) exec(op *ir.Op, n int, vals [][]float32) []float32 {
	net := it.net
	s, o := net.Shape(op.In[0]), net.Shape(op.Out)
	src := vals[op.In[0]]
	dst := make([]float32, n*o.Len())
	switch op.Kind {
	case ir.KindConv:
		c := op.Conv
		runtime.Conv2D(dst, src, it.param(op, ir.RoleWeight), it.param(op, ir.RoleBias), n, runtime.Conv2DParams{
			C: s.C, H: s.H, W: s.W, OutC: c.Out, KH: c.KH, KW: c.KW, SH: c.SH, SW: c.SW, Pad: runtime.Pad(c.Pad)})
	case ir.KindMaxPool:
		runtime.MaxPool2D(dst, src, n, poolParams(s, op.Pool))
	case ir.KindAvgPool:
		runtime.AvgPool2D(dst, src, n, poolParams(s, op.Pool))
	case ir.KindAdaptiveAvgPool:
		runtime.AdaptiveAvgPool2D(dst, src, n, s.C, s.H, s.W, op.Adaptive.H, op.Adaptive.W)
	case ir.KindLRN:
		l := op.LRN
		runtime.LRN(dst, src, n, s.C, s.H*s.W, l.Size, l.Alpha, l.Beta, l.K)
	case ir.KindBatchNorm:
		runtime.BatchNorm(dst, src, it.param(op, ir.RoleWeight), it.param(op, ir.RoleBias),
			it.param(op, ir.RoleRunningMean), it.param(op, ir.RoleRunningVar), n, s.C, s.H*s.W, op.BN.Eps)
	case ir.KindReLU:
		runtime.ReLU(dst, src)
	case ir.KindDropout:
		runtime.Dropout(dst, src)
	case ir.KindFlatten:
		runtime.Flatten(dst, src)
	case ir.KindIdentity:
		copy(dst, src)
	case ir.KindFC:
		runtime.Linear(dst, src, it.param(op, ir.RoleWeight), it.param(op, ir.RoleBias), n, s.Len(), op.FC.Out)
	case ir.KindSoftmax:
		runtime.Softmax(dst, src, n, s.C)
	case ir.KindConcat:
		srcs := make([][]float32, len(op.In))
		for k, id := range op.In {
			srcs[k] = vals[id]
		}
		runtime.Concat(dst, n, o.H*o.W, srcs...)
	case ir.KindAdd:
		srcs := make([][]float32, len(op.In))
		for k, id := range op.In {
			srcs[k] = vals[id]
		}
		runtime.Add(dst, srcs...)
	default:
		panic(fmt.Sprintf("interp: op %s: kind %v", op.Name, op.Kind)) // Validate rejects it
	}
	return dst
}

func poolParams(s ir.Shape, p *ir.Pool) runtime.Pool2DParams {
	return runtime.Pool2DParams{C: s.C, H: s.H, W: s.W, KH: p.KH, KW: p.KW, SH: p.SH, SW: p.SW, Pad: runtime.Pad(p.Pad), Ceil: p.Ceil}
}

// WeightSpecs lists the weight tensors the network needs, trunk first, in
// op order; with heads false the side heads' tensors are left out.
func WeightSpecs(net *ir.Network, heads bool) []runtime.Spec {
	var specs []runtime.Spec
	for _, p := range net.Params(heads) {
		specs = append(specs, runtime.Spec{Name: p.Name, Shape: slices.Clone(p.Shape), NonNegative: p.Role == ir.RoleRunningVar})
	}
	return specs
}

// ParamInitKind maps a weight of op to the deterministic initializer's kind:
// a weight with FanIn > 0 (conv, fc) is [runtime.InitWeight], one without
// (batch norm gamma) [runtime.InitBNWeight]; a bias is [runtime.InitBias]
// if its op's weight has FanIn > 0, else [runtime.InitBNBias]; running
// statistics map to their kinds.
func ParamInitKind(op *ir.Op, p ir.Param) runtime.InitKind {
	switch p.Role {
	case ir.RoleWeight:
		if p.FanIn > 0 {
			return runtime.InitWeight
		}
		return runtime.InitBNWeight
	case ir.RoleBias:
		for _, q := range op.Params {
			if q.Role == ir.RoleWeight && q.FanIn > 0 {
				return runtime.InitBias
			}
		}
		return runtime.InitBNBias
	case ir.RoleRunningMean:
		return runtime.InitRunningMean
	case ir.RoleRunningVar:
		return runtime.InitRunningVar
	}
	panic(fmt.Sprintf("interp: weight %s: unknown role %d", p.Name, p.Role))
}

// InitWeights fills every weight of net (with heads, the side heads' too)
// with [runtime.Init] for seed, choosing the kind with [ParamInitKind].
func InitWeights(net *ir.Network, seed uint64, heads bool) runtime.Weights {
	w := runtime.Weights{}
	for i := range net.Ops {
		op := &net.Ops[i]
		if op.Head != "" && !heads {
			continue
		}
		for _, p := range op.Params {
			t := runtime.New(p.Shape...)
			runtime.Init(t.Data, seed, p.Name, ParamInitKind(op, p), p.FanIn)
			w[p.Name] = t
		}
	}
	return w
}
