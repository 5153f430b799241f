package compiler

import (
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// joinOp checks a join (concat, add, mul): every branch reads x; the
// results are joined by an op of kind k, with a's flags (a fused
// activation).
//
// The join's own path is inner's; outer is where it sits. Branches of a
// labeled join are named under it. An unlabeled join adds no path
// component for labeled branches: they are named directly under the
// enclosing statement, as attributes of a PyTorch module are
// (inception3a.branch1), also through unlabeled joins nested directly in
// it. Its unlabeled branches are named under the join's index, so that
// they cannot collide with the join or its siblings. The bodies of for and
// if become branches, numbered on.
func (c *checker) joinOp(inner, outer scope, s *dsl.Stmt, k ir.Kind, a attrs, x val) val {
	l := s.Layer
	kind := l.Kind.Name
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(l.Kind.Pos, "%s needs branches (usage: %s)", kind, layers[kind].args.doc)
		return bad(x)
	}
	var outs []val
	var at []dsl.Pos // each branch's position
	ok := x.ok
	q := &seqState{}
	var branches func(sc scope, stmts []*dsl.Stmt)
	branches = func(sc scope, stmts []*dsl.Stmt) {
		for _, br := range stmts {
			if c.control(sc, br, branches) {
				continue
			}
			i := q.next
			q.next++
			bsc := sc
			if s.Label == nil {
				if br.Label != nil {
					bsc.path = outer.path
				} else if isJoin(br) {
					bsc.joinOuter = outer.path
				}
			}
			y, _ := c.stmt(bsc, br, i, x)
			ok = ok && y.ok
			outs = append(outs, y)
			at = append(at, br.Pos)
		}
	}
	branches(inner, l.Body.Stmts)
	if len(outs) == 0 {
		c.errorf(l.Kind.Pos, "%s: no branches (its for and if statements gave none)", kind)
		return bad(x)
	}
	if !ok {
		return bad(x)
	}
	op := ir.Op{Kind: k, Name: inner.name()}
	var in []ir.Shape
	for _, y := range outs {
		op.In = append(op.In, y.id)
		in = append(in, y.shape)
	}
	// A branch that does not fit is reported at the branch.
	pos := func(e *ir.ShapeError) dsl.Pos {
		if e.Input >= 0 {
			return at[e.Input]
		}
		return l.Kind.Pos
	}
	y := c.finish(inner, s, &op, in, pos, a.bad, x)
	return c.activation(inner, op.Name, a, y)
}

// isJoin reports whether s is an unlabeled join.
func isJoin(s *dsl.Stmt) bool {
	if s.Label != nil || s.Layer == nil {
		return false
	}
	lk := layers[s.Layer.Kind.Name]
	return lk != nil && lk.join != ir.KindInvalid
}
