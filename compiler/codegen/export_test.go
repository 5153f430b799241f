package codegen

import "github.com/inccdev/incc/compiler/ir"

// PlanFeatures counts, in the plan of net, the decisions the differential
// test must see exercised: read from the plan, not from the prose of the
// generated doc comments.
func PlanFeatures(net *ir.Network) (map[string]int, error) {
	p, err := newPlan(net)
	if err != nil {
		return nil, err
	}
	g := &gen{p: p, net: net}
	f := map[string]int{}
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
		if s.relu != nil {
			f["ReLU fused"]++
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
			if s.direct {
				f["1x1 GEMM"]++
			} else {
				f["im2col"]++
			}
		case ir.KindAvgPool:
			if _, _, _, _, unroll := g.unrolled(s); unroll {
				f["unrolled pool window"]++
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
