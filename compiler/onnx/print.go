package onnx

import (
	"slices"
	"strconv"
	"strings"

	"github.com/inccdev/incc/dsl"
)

// The spec as a dsl AST. dsl.Format lays a file out from the positions
// the parser records (which bodies were on one line, where the comments
// and blank lines were), so the AST built here carries positions as if the
// spec had been written in the layout wanted: short sequences on one line,
// everything else one statement per line. Formatting it then gives the
// canonical text, which is what incc fmt would write.

// maxOneLine is the longest "{ a; b }" kept on one line.
const maxOneLine = 72

type astPrinter struct {
	line, off int
	comments  []dsl.Comment
}

func (p *astPrinter) pos() dsl.Pos {
	p.off++
	return dsl.Pos{Line: p.line, Column: 1, Offset: p.off}
}

// comment adds a comment on a line of its own.
func (p *astPrinter) comment(text string) {
	p.comments = append(p.comments, dsl.Comment{Pos: p.pos(), Text: text})
	p.line++
}

func ident(s string) *dsl.Ident { return &dsl.Ident{Name: s} }

func exprOf(u *dsl.Unary) *dsl.Expr {
	return &dsl.Expr{Left: &dsl.Term{Left: u}}
}

func primaryExpr(p *dsl.Primary) *dsl.Expr { return exprOf(&dsl.Unary{Primary: p}) }

func intAST(v int) *dsl.Expr {
	u := &dsl.Unary{Neg: v < 0, Primary: &dsl.Primary{Number: &dsl.Number{Raw: strconv.Itoa(abs(v)), Int: abs(v), Float: float64(abs(v))}}}
	return exprOf(u)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func nameAST(s string) *dsl.Expr { return primaryExpr(&dsl.Primary{Ident: &s}) }

func dimsAST(v []int) *dsl.Expr {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = strconv.Itoa(d)
	}
	return primaryExpr(&dsl.Primary{Dims: &dsl.Dims{Raw: strings.Join(parts, "x"), Vals: v}})
}

// exprAST converts an expression.
func exprAST(e *expr) *dsl.Expr {
	switch e.kind {
	case eInt:
		return intAST(e.i)
	case eDims:
		return dimsAST(e.dims)
	case eFloat:
		raw := e.f
		neg := strings.HasPrefix(raw, "-")
		raw = strings.TrimPrefix(raw, "-")
		f, _ := strconv.ParseFloat(raw, 64)
		return exprOf(&dsl.Unary{Neg: neg, Primary: &dsl.Primary{Number: &dsl.Number{Raw: raw, IsFloat: true, Float: f}}})
	case eName:
		return nameAST(e.name)
	case eMul:
		k := &dsl.Unary{Primary: &dsl.Primary{Number: &dsl.Number{Raw: strconv.Itoa(e.i), Int: e.i, Float: float64(e.i)}}}
		name := e.name
		prod := &dsl.Expr{Left: &dsl.Term{Left: k, Right: []*dsl.OpUnary{{Op: "*", Unary: &dsl.Unary{Primary: &dsl.Primary{Ident: &name}}}}}}
		return primaryExpr(&dsl.Primary{Paren: []*dsl.Expr{prod}})
	case eTuple:
		var elts []*dsl.Expr
		lit := true
		for _, x := range e.elts {
			elts = append(elts, exprAST(x))
			lit = lit && x.kind == eInt
		}
		if lit && len(e.elts) == 2 {
			return dimsAST([]int{e.elts[0].i, e.elts[1].i})
		}
		return primaryExpr(&dsl.Primary{Paren: elts})
	}
	panic("onnx: unknown expression kind")
}

func isLit(e *expr, v int) bool { return e != nil && e.kind == eInt && e.i == v }

// layerArgs writes a layer's arguments, leaving out defaults.
func layerArgs(s *stmt) []*dsl.Arg {
	var out []*dsl.Arg
	add := func(e *dsl.Expr) { out = append(out, &dsl.Arg{Expr: e}) }
	var kernel *expr
	for _, a := range s.args {
		switch {
		case a.val == nil:
			add(nameAST(a.key))
		case a.key == "kernel":
			kernel = a.val
			switch a.val.kind {
			case eInt:
				add(dimsAST([]int{a.val.i, a.val.i}))
			case eDims:
				add(dimsAST(a.val.dims))
			default:
				add(nameAST("kernel"))
				add(exprAST(a.val))
			}
		case a.key == "stride":
			pool := s.op == "maxpool" || s.op == "avgpool"
			if pool && kernel != nil && sameLiteral(kernel, a.val) || !pool && isLit(a.val, 1) {
				continue
			}
			add(nameAST("stride"))
			add(exprAST(a.val))
		case a.key == "pad" && isLit(a.val, 0):
		case a.key == "groups" && isLit(a.val, 1):
		case a.pos:
			add(exprAST(a.val))
		default:
			add(nameAST(a.key))
			add(exprAST(a.val))
		}
	}
	return out
}

// sameLiteral reports whether two literal pairs are equal (a pool's stride
// that is its kernel).
func sameLiteral(a, b *expr) bool {
	switch {
	case a.kind == eInt && b.kind == eInt:
		return a.i == b.i
	case a.kind == eDims && b.kind == eDims:
		return slices.Equal(a.dims, b.dims)
	}
	return false
}

// callArgs writes a call's arguments: parameters without a default
// positionally, the others by name when they differ from their default.
func callArgs(s *stmt) []*dsl.CallArg {
	var out []*dsl.CallArg
	for i, p := range s.blk.params {
		v := s.args[i].val
		if p.def != nil && isLit(v, *p.def) {
			continue
		}
		e := exprAST(v)
		if v.kind == eMul {
			e = e.Left.Left.Primary.Paren[0] // no parentheses needed
		}
		if p.second {
			out[len(out)-1].Second = e
			continue
		}
		ca := &dsl.CallArg{Value: e}
		if p.def != nil {
			ca.Key = ident(p.name)
		}
		out = append(out, ca)
	}
	return out
}

// text is a rough single-line rendering, to decide what fits on a line.
func text(s *stmt) string {
	var b strings.Builder
	if s.label != "" {
		b.WriteString(labelText(s.label) + ": ")
	}
	switch s.kind {
	case sLayer:
		b.WriteString(s.op)
		for _, a := range layerArgs(s) {
			b.WriteString(" " + exprString(a.Expr))
		}
	case sCall:
		b.WriteString(s.blk.name + "(")
		for i, a := range callArgs(s) {
			if i > 0 {
				b.WriteString(", ")
			}
			if a.Key != nil {
				b.WriteString(a.Key.Name + " = ")
			}
			b.WriteString(exprString(a.Value))
			if a.Second != nil {
				b.WriteString(" > " + exprString(a.Second))
			}
		}
		b.WriteString(")")
	case sGroup, sJoin:
		if s.kind == sJoin {
			b.WriteString(s.op + " ")
		}
		b.WriteString("{ ")
		for i, x := range s.body {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(text(x))
		}
		b.WriteString(" }")
	}
	return b.String()
}

func exprString(e *dsl.Expr) string {
	f := &dsl.File{Decls: []*dsl.Decl{{Network: &dsl.Network{Name: ident("x"), Body: &dsl.Body{Stmts: []*dsl.Stmt{{Layer: &dsl.Layer{Kind: ident("x"), Args: []*dsl.Arg{{Expr: e}}}}}}}}}}
	s := string(dsl.Format(f))
	s = strings.TrimPrefix(s, "network x {\n    x ")
	return strings.TrimSuffix(s, "\n}\n")
}

// oneLine reports whether a group's statements go on one line: a few
// layers and calls, short enough.
func oneLine(s *stmt) bool {
	if s.kind != sGroup || len(s.body) > 3 {
		return false
	}
	for _, x := range s.body {
		if x.kind != sLayer && x.kind != sCall && !(x.kind == sGroup && len(x.body) == 0) {
			return false
		}
	}
	return len(text(s)) <= maxOneLine
}

func (p *astPrinter) label(s *stmt) *dsl.Label {
	if s.label == "" {
		return nil
	}
	if isIdent(s.label) {
		return &dsl.Label{Pos: p.pos(), Ident: s.label}
	}
	return &dsl.Label{Pos: p.pos(), Str: strconv.Quote(s.label)}
}

func (p *astPrinter) stmt(s *stmt, one bool) *dsl.Stmt {
	ds := &dsl.Stmt{Pos: p.pos()}
	ds.Label = p.label(s)
	switch s.kind {
	case sLayer:
		ds.Layer = &dsl.Layer{Pos: p.pos(), Kind: ident(s.op), Args: layerArgs(s)}
	case sCall:
		ds.Call = &dsl.Call{Pos: p.pos(), Name: &dsl.CallName{Name: s.blk.name}, Args: callArgs(s)}
	case sGroup:
		ds.Group = p.body(s.body, one || oneLine(s))
	case sJoin:
		ds.Layer = &dsl.Layer{Pos: p.pos(), Kind: ident(s.op)}
		ds.Layer.Body = p.body(s.body, one)
	}
	ds.EndPos = p.pos()
	return ds
}

// body writes statements in braces, on the current line or one per line.
func (p *astPrinter) body(list []*stmt, one bool) *dsl.Body {
	b := &dsl.Body{Pos: p.pos()}
	if !one {
		p.line++
	}
	for _, s := range list {
		b.Stmts = append(b.Stmts, p.stmt(s, one))
		if !one {
			p.line++
		}
	}
	b.EndPos = p.pos()
	return b
}

// file builds the spec: comments, blocks, the network.
func (p *astPrinter) file(header []string, blocks []*block, netName string, pre []*stmt, top []*stmt) *dsl.File {
	p.line = 1
	f := &dsl.File{}
	for _, c := range header {
		p.comment(c)
	}
	p.line++ // a blank line after the header
	for _, b := range blocks {
		d := &dsl.Block{Pos: p.pos(), Name: &dsl.CallName{Name: b.name}}
		for _, prm := range b.params {
			if prm.second {
				d.Params[len(d.Params)-1].Second = ident(prm.name)
				continue
			}
			dp := &dsl.Param{Name: prm.name}
			if prm.def != nil {
				dp.Default = intAST(*prm.def)
			}
			d.Params = append(d.Params, dp)
		}
		d.Body = p.body(b.body, false)
		f.Decls = append(f.Decls, &dsl.Decl{Block: d})
		p.line += 2
	}
	n := &dsl.Network{Pos: p.pos(), Name: ident(netName)}
	n.Body = &dsl.Body{Pos: p.pos()}
	p.line++
	for _, s := range pre {
		n.Body.Stmts = append(n.Body.Stmts, p.stmt(s, false))
		p.line++
	}
	p.line++ // a blank line between the declarations and the layers
	for _, s := range top {
		n.Body.Stmts = append(n.Body.Stmts, p.stmt(s, false))
		p.line++
	}
	n.Body.EndPos = p.pos()
	f.Decls = append(f.Decls, &dsl.Decl{Network: n})
	f.Comments = p.comments
	return f
}
