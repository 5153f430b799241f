package export

import "github.com/inccdev/incc/compiler/ir"

// PyOpInfo describes a row of pyOps for the external tests.
type PyOpInfo struct{ HasExpr, HasModule, HasWeights bool }

// PyOpFor returns what pyOps has for kind k, nil if nothing.
func PyOpFor(k ir.Kind) *PyOpInfo {
	po := pyOps[k]
	if po == nil {
		return nil
	}
	return &PyOpInfo{HasExpr: po.expr != nil, HasModule: po.module != nil, HasWeights: hasWeights(k)}
}

// hasWeights reports whether ops of kind k have weights, trying a valid op
// of every kind with attributes that need them.
func hasWeights(k ir.Kind) bool {
	op := &ir.Op{Kind: k, Conv: &ir.Conv{Out: 1, KH: 1, KW: 1, SH: 1, SW: 1, Groups: 1}, FC: &ir.FC{Out: 1},
		BN: &ir.BatchNorm{Eps: 1}, Pool: &ir.Pool{KH: 1, KW: 1, SH: 1, SW: 1}, LRN: &ir.LRN{Size: 1},
		Adaptive: &ir.Adaptive{H: 1, W: 1}, Dropout: &ir.Dropout{}}
	return len(ir.Weights(op, []ir.Shape{{C: 1, H: 1, W: 1}})) > 0
}
