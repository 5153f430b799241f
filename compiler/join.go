package compiler

import (
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// joinOp checks a join (concat, add): every branch reads x; the results
// are joined by an op of kind k.
//
// The join's own path is inner's; outer is where it sits. Branches of a
// labeled join are named under it. An unlabeled join adds no path
// component for labeled branches: they are named directly under the
// enclosing statement, as attributes of a PyTorch module are
// (inception3a.branch1). Its unlabeled branches are named under the join's
// index, so that they cannot collide with the join or its siblings.
func (c *checker) joinOp(inner, outer scope, s *dsl.Stmt, k ir.Kind, x val) val {
	l := s.Layer
	kind := l.Kind.Name
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(l.Kind.Pos, "%s needs branches (usage: %s)", kind, layers[kind].args.doc)
		return bad(x)
	}
	var outs []val
	ok := x.ok
	for i, br := range l.Body.Stmts {
		bsc := inner
		if s.Label == nil && br.Label != nil {
			bsc.path = outer.path
		}
		y, _ := c.stmt(bsc, br, i, x)
		ok = ok && y.ok
		outs = append(outs, y)
	}
	if !ok {
		return bad(x)
	}
	op := ir.Op{Kind: k, Name: strings.Join(inner.path, ".")}
	var in []ir.Shape
	for _, y := range outs {
		op.In = append(op.In, y.id)
		in = append(in, y.shape)
	}
	// A branch that does not fit is reported at the branch.
	at := func(e *ir.ShapeError) dsl.Pos {
		if e.Input >= 0 {
			return l.Body.Stmts[e.Input].Pos
		}
		return l.Kind.Pos
	}
	return c.finish(inner, s, &op, in, at, false, x)
}
