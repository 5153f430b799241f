package codegen

import (
	"fmt"

	"github.com/inccdev/incc/compiler/ir"
)

// PlanFeatures counts, in the plan of net, the decisions the differential
// test must see exercised: read from the plan, not from the prose of the
// generated doc comments.
func PlanFeatures(net *ir.Network) (map[string]int, error) {
	p, err := newPlan(net)
	if err != nil {
		return nil, err
	}
	net = p.net
	g := &gen{p: p, net: net}
	f := map[string]int{}
	f["average pool after its 1x1 convolution"] = len(p.moved) / 2
	for v := range net.Values {
		if p.place[v].root >= 0 {
			f["concat input written in place"]++
		}
	}
	for _, s := range p.steps {
		f["concat copy"] += len(s.copies)
		if s.bn != nil {
			f["batch norm folded"]++
		}
		if s.act != nil {
			f[s.act.Kind.Info().Name+" fused"]++
		}
		if s.scale != nil {
			f["scale folded"]++
		}
		if s.op.Head != "" {
			f["side head"]++
		}
		for _, v := range p.reads(s) {
			if p.loc[v].input {
				f["input slot"]++
			}
		}
		switch s.op.Kind {
		case ir.KindBatchNorm:
			f["batch norm alone"]++
		case ir.KindConv:
			switch {
			case s.winograd > 0:
				f[fmt.Sprintf("Winograd F(%dx%d)", s.winograd, s.winograd)]++
			case s.wino1d:
				f["Winograd 1-D 7x1"]++
			case s.grouped && s.op.Conv.Groups == g.net.Shape(s.op.In[0]).C:
				f["depthwise conv"]++
			case s.grouped:
				f["grouped conv"]++
			case s.direct:
				f["1x1 GEMM"]++
				if s.grid.byRows {
					f["1x1 GEMM by row halves"]++
				}
			default:
				f["im2col"]++
			}
			if s.res >= 0 {
				f["addition fused"]++
			}
			if s.pre != nil {
				f["pre-activation fused"]++
			}
			if s.inReLU != nil {
				f["ReLU into depthwise"]++
			}
		case ir.KindAvgPool:
			if s.op.Pool.ExcludePad {
				f["average without padding"]++
			}
		case ir.KindMul:
			f["multiplication"]++
		default:
			if s.op.Kind.Info().Act || s.op.Kind == ir.KindScale || s.op.Kind == ir.KindClamp {
				f[s.op.Kind.Info().Name+" alone"]++
			}
		case ir.KindLRN:
			f["LRN"]++
		case ir.KindAdaptiveAvgPool:
			f["adaptive pool"]++
		case ir.KindAdd:
			f["addition"]++
		}
	}
	return f, nil
}

// ValueAt says where the generated code holds value v of net once it is
// computed: after layer step (its index in the table layers; -1 for a value
// in the input), at off, n values long, of the arena (or of the input).
func ValueAt(net *ir.Network, v int) (step, off, n int, input bool, err error) {
	p, err := newPlan(net)
	if err != nil {
		return 0, 0, 0, false, err
	}
	if pr := net.Values[v].Producer; p.moved[pr] && net.Ops[pr].Kind == ir.KindAvgPool {
		return 0, 0, 0, false, fmt.Errorf("codegen: value %d (%s) is not computed: its pool was moved after the convolution that reads it", v, net.Ops[pr].Name)
	}
	net = p.net
	l := p.loc[v]
	n = net.Shape(v).Len()
	if l.input {
		return -1, l.off, n, true, nil
	}
	off = p.arena(v)
	step = -1
	for i, s := range p.steps {
		if _, w := p.regions(s); p.loc[s.out].root == l.root && w.overlaps(extent{off, off + n}) {
			step = i
		}
	}
	if step < 0 {
		return 0, 0, 0, false, fmt.Errorf("codegen: no layer writes value %d", v)
	}
	return step, off, n, false, nil
}

// DepthwiseMaxTaps is the largest depthwise kernel the generator gives to
// runtime.DepthwiseChannels.
const DepthwiseMaxTaps = dwMaxTaps
