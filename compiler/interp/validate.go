package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/geom"
)

// Validate checks that net is well formed for execution: values are
// produced before they are read, trunk ops read no head values, every op has
// its attributes and inputs, its declared output shape is the one the
// output-size rules of package internal/geom give, and its
// weight tensors have the roles and shapes its kind needs. A network from
// the checker always passes; a failure is a checker bug or a hand-built
// network's mistake. All problems are reported, joined.
func Validate(net *ir.Network) error {
	if net == nil {
		return errors.New("interp: nil network")
	}
	var errs []error
	nv := len(net.Values)
	if nv == 0 {
		return errors.New("interp: network has no values")
	}
	for id, v := range net.Values {
		if v.ID != id {
			errs = append(errs, fmt.Errorf("interp: value %d has ID %d", id, v.ID))
		}
		if id > 0 && (v.Producer < 0 || v.Producer >= len(net.Ops) || net.Ops[v.Producer].Out != id) {
			errs = append(errs, fmt.Errorf("interp: value %d: producer %d does not produce it", id, v.Producer))
		}
		if s := v.Shape; s.C <= 0 || s.H <= 0 || s.W <= 0 {
			errs = append(errs, fmt.Errorf("interp: value %d has shape %v, want positive dimensions", id, s))
		}
	}
	if v := net.Values[0]; v.Shape != net.Input || v.Producer != -1 {
		errs = append(errs, fmt.Errorf("interp: value 0 is %v from op %d, want the input %v", v.Shape, v.Producer, net.Input))
	}
	for i := range net.Ops {
		op := &net.Ops[i]
		bad := func(format string, args ...any) {
			where := op.Name
			if op.Src.Line > 0 {
				where += " (" + op.Src.String() + ")"
			}
			errs = append(errs, fmt.Errorf("interp: op %s: "+format, append([]any{where}, args...)...))
		}
		if op.Out <= 0 || op.Out >= nv || net.Values[op.Out].Producer != i {
			bad("output value %d is not produced by this op", op.Out)
			continue
		}
		ok := true
		for _, in := range op.In {
			switch {
			case in < 0 || in >= nv:
				bad("input value %d does not exist", in)
				ok = false
			case in != 0 && net.Values[in].Producer < 0:
				bad("input value %d has no producer", in)
				ok = false
			case net.Values[in].Producer >= i:
				bad("input value %d is produced by a later op", in)
				ok = false
			case op.Head == "" && in != 0 && net.Ops[net.Values[in].Producer].Head != "":
				bad("trunk op reads value %d of head %s", in, net.Ops[net.Values[in].Producer].Head)
				ok = false
			}
		}
		if !ok {
			continue
		}
		want, params, err := expect(net, op)
		if err != nil {
			bad("%v", err)
			continue
		}
		if got := net.Shape(op.Out); got != want {
			bad("output shape %v, want %v", got, want)
		}
		if err := checkParams(op.Params, params); err != nil {
			bad("%v", err)
		}
	}
	if net.Output < 0 || net.Output >= nv {
		errs = append(errs, fmt.Errorf("interp: output value %d does not exist", net.Output))
	} else if p := net.Values[net.Output].Producer; p >= 0 && net.Ops[p].Head != "" {
		errs = append(errs, fmt.Errorf("interp: output value %d is produced by head %s", net.Output, net.Ops[p].Head))
	}
	for _, h := range net.Heads {
		if h.Output <= 0 || h.Output >= nv || net.Values[h.Output].Producer < 0 || net.Ops[net.Values[h.Output].Producer].Head != h.Name {
			errs = append(errs, fmt.Errorf("interp: head %s: output value %d is not produced by the head", h.Name, h.Output))
		}
	}
	return errors.Join(errs...)
}

// wantParam is a weight tensor an op's kind needs.
type wantParam struct {
	role  ir.Role
	shape []int
}

// expect returns the output shape and the weights of op given its inputs'
// shapes, or an error if the op is malformed.
func expect(net *ir.Network, op *ir.Op) (ir.Shape, []wantParam, error) {
	arity := 1
	if op.Kind == ir.KindConcat || op.Kind == ir.KindAdd {
		arity = -1
	}
	switch {
	case arity == 1 && len(op.In) != 1:
		return ir.Shape{}, nil, fmt.Errorf("%v has %d inputs, want 1", op.Kind, len(op.In))
	case len(op.In) == 0:
		return ir.Shape{}, nil, fmt.Errorf("%v has no inputs", op.Kind)
	}
	s := net.Shape(op.In[0])
	missing := func(attr string) (ir.Shape, []wantParam, error) {
		return ir.Shape{}, nil, fmt.Errorf("%v without %s attributes", op.Kind, attr)
	}
	switch op.Kind {
	case ir.KindConv:
		c := op.Conv
		if c == nil {
			return missing("Conv")
		}
		out := ir.Shape{C: c.Out, H: geom.Out(s.H, c.KH, c.SH, c.Pad.Top, c.Pad.Bottom, false), W: geom.Out(s.W, c.KW, c.SW, c.Pad.Left, c.Pad.Right, false)}
		ps := []wantParam{{ir.RoleWeight, []int{c.Out, s.C, c.KH, c.KW}}}
		if c.Bias {
			ps = append(ps, wantParam{ir.RoleBias, []int{c.Out}})
		}
		return out, ps, nil
	case ir.KindMaxPool, ir.KindAvgPool:
		p := op.Pool
		if p == nil {
			return missing("Pool")
		}
		return ir.Shape{C: s.C, H: geom.Out(s.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom, p.Ceil), W: geom.Out(s.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right, p.Ceil)}, nil, nil
	case ir.KindAdaptiveAvgPool:
		if op.Adaptive == nil {
			return missing("Adaptive")
		}
		return ir.Shape{C: s.C, H: op.Adaptive.H, W: op.Adaptive.W}, nil, nil
	case ir.KindLRN:
		if op.LRN == nil {
			return missing("LRN")
		}
		if op.LRN.Size <= 0 {
			return ir.Shape{}, nil, fmt.Errorf("LRN size %d, want > 0", op.LRN.Size)
		}
		return s, nil, nil
	case ir.KindBatchNorm:
		if op.BN == nil {
			return missing("BN")
		}
		c := []int{s.C}
		return s, []wantParam{{ir.RoleWeight, c}, {ir.RoleBias, c}, {ir.RoleRunningMean, c}, {ir.RoleRunningVar, c}}, nil
	case ir.KindReLU, ir.KindDropout, ir.KindIdentity:
		return s, nil, nil
	case ir.KindFlatten:
		return ir.Shape{C: s.Len(), H: 1, W: 1}, nil, nil
	case ir.KindFC:
		f := op.FC
		if f == nil {
			return missing("FC")
		}
		ps := []wantParam{{ir.RoleWeight, []int{f.Out, s.Len()}}}
		if f.Bias {
			ps = append(ps, wantParam{ir.RoleBias, []int{f.Out}})
		}
		return ir.Shape{C: f.Out, H: 1, W: 1}, ps, nil
	case ir.KindSoftmax:
		if s.H != 1 || s.W != 1 {
			return ir.Shape{}, nil, fmt.Errorf("softmax of %v, want C×1×1", s)
		}
		return s, nil, nil
	case ir.KindConcat:
		out := ir.Shape{H: s.H, W: s.W}
		for _, in := range op.In {
			t := net.Shape(in)
			if t.H != s.H || t.W != s.W {
				return ir.Shape{}, nil, fmt.Errorf("concat of %v and %v: spatial sizes differ", s, t)
			}
			out.C += t.C
		}
		return out, nil, nil
	case ir.KindAdd:
		for _, in := range op.In {
			if t := net.Shape(in); t != s {
				return ir.Shape{}, nil, fmt.Errorf("add of %v and %v: shapes differ", s, t)
			}
		}
		return s, nil, nil
	}
	return ir.Shape{}, nil, fmt.Errorf("unknown kind %v", op.Kind)
}

// checkParams compares an op's weights with what its kind needs.
func checkParams(got []ir.Param, want []wantParam) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d weight tensors, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.Role != want[i].role || !slices.Equal(p.Shape, want[i].shape) {
			return fmt.Errorf("weight %s: role %d shape %v, want role %d shape %v", p.Name, p.Role, p.Shape, want[i].role, want[i].shape)
		}
	}
	return nil
}
