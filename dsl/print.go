package dsl

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Format returns f in the canonical layout that `incc fmt` writes, as gofmt
// does for Go:
//
//   - one statement per line, indented by four spaces per level, except that
//     statements written on one line stay on one line, as "a; b";
//   - a body written on one line stays on one line, as "{ a; b }";
//     an empty body is "{}";
//   - blank lines between statements are kept, at most one in a row, but
//     never right after '{' or before '}'; top-level declarations are
//     separated by one blank line;
//   - tokens are separated by single spaces, with spaces around binary
//     operators, '>' and '='; a unary minus is attached; tuples are
//     written "(1, 2, 3)";
//   - numbers, dimensions, names and strings are printed as written;
//   - every comment is kept: a comment on its own line stays on its own
//     line, before what follows it and indented like it; a comment after a
//     statement stays at the end of that statement's line, after two spaces.
//
// Format places comments and blank lines by the positions that [Parse]
// sets. Its output parses to the same tree, and formatting it again changes
// nothing.
func Format(f *File) []byte {
	p := &printer{comments: f.Comments}
	items := make([]item, len(f.Decls))
	for i, d := range f.Decls {
		items[i] = p.declItem(d)
	}
	p.list(items, 0, 0, -1)
	return alignComments(p.buf.Bytes(), p.trailing)
}

// alignComments lines up the trailing comments of consecutive lines in one
// column, two spaces after the longest code among them (as gofmt does);
// a line without a trailing comment ends the run. at holds the offsets in
// src where trailing comments start, in increasing order.
func alignComments(src []byte, at []int) []byte {
	type line struct {
		code, comment string
		has           bool
	}
	var lines []line
	off := 0
	for _, text := range strings.SplitAfter(string(src), "\n") {
		l := line{code: text}
		if len(at) > 0 && at[0] < off+len(text) {
			l = line{code: text[:at[0]-off], comment: text[at[0]-off:], has: true}
			at = at[1:]
		}
		off += len(text)
		lines = append(lines, l)
	}
	var b strings.Builder
	for i := 0; i < len(lines); {
		if !lines[i].has {
			b.WriteString(lines[i].code)
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(lines) && lines[j].has; j++ {
			width = max(width, utf8.RuneCountInString(lines[j].code))
		}
		for _, l := range lines[i:j] {
			b.WriteString(l.code + strings.Repeat(" ", width-utf8.RuneCountInString(l.code)+2) + l.comment)
		}
		i = j
	}
	return []byte(b.String())
}

type printer struct {
	trailing []int // offsets in buf where trailing comments start
	buf      bytes.Buffer
	comments []Comment // not yet printed, in source order
}

// An item is a declaration or a statement: where it starts, where it ends
// (just past its last token) and how to print it, from its first token to
// its last, at a given depth.
type item struct {
	pos, end Pos
	print    func(depth int)
}

func (p *printer) declItem(d *Decl) item {
	switch {
	case d.Block != nil:
		b := d.Block
		return item{b.Pos, bodyEnd(b.Body), func(depth int) { p.block(b, depth) }}
	case d.Network != nil:
		n := d.Network
		return item{n.Pos, bodyEnd(n.Body), func(depth int) { p.network(n, depth) }}
	}
	return item{d.Pos, d.Pos, func(int) {}}
}

func (p *printer) stmtItem(s *Stmt) item {
	return item{s.Pos, s.EndPos, func(depth int) { p.stmt(s, depth) }}
}

func bodyEnd(b *Body) Pos {
	if b == nil {
		return Pos{}
	}
	return b.EndPos
}

// list prints items one per line at depth, with the comments before them
// and at the end of their lines. Comments before close (a byte offset, or
// -1 for the end of the file) that follow the last item are printed after
// it. open is the source line the list starts on (the line of '{'), 0 at
// the top level, where declarations are separated by blank lines.
func (p *printer) list(items []item, depth, open, close int) {
	top := close < 0
	last := open  // source line of the last thing printed
	first := true // nothing printed yet
	sep := false  // a blank line must come next (between declarations)
	blank := func(line int) {
		if sep || (!first && line > last+1) {
			p.buf.WriteByte('\n')
		}
		sep, first = false, false
	}
	indent := strings.Repeat(indentUnit, depth)
	for i, it := range items {
		if i > 0 && !top && it.pos.Line > 0 && it.pos.Line == items[i-1].end.Line {
			// Statements written on one line stay on one line, so that a
			// comment after them stays with all of them.
			p.buf.WriteString("; ")
		} else {
			for p.commentBefore(it.pos.Offset) {
				c := p.next()
				blank(c.Pos.Line)
				p.buf.WriteString(indent + c.Text + "\n")
				last = c.Pos.Line
			}
			blank(it.pos.Line)
			p.buf.WriteString(indent)
		}
		it.print(depth)
		if i+1 < len(items) && !top && it.end.Line > 0 && items[i+1].pos.Line == it.end.Line {
			continue
		}
		limit := close
		if i+1 < len(items) {
			limit = items[i+1].pos.Offset
		}
		if len(p.comments) > 0 && p.comments[0].Pos.Line == it.end.Line && (limit < 0 || p.comments[0].Pos.Offset < limit) {
			p.trailing = append(p.trailing, p.buf.Len())
			p.buf.WriteString(p.next().Text)
		}
		p.buf.WriteByte('\n')
		last = it.end.Line
		sep = top && i+1 < len(items)
	}
	for len(p.comments) > 0 && (top || p.comments[0].Pos.Offset < close) {
		c := p.next()
		blank(c.Pos.Line)
		p.buf.WriteString(indent + c.Text + "\n")
		last = c.Pos.Line
	}
}

const indentUnit = "    "

// commentBefore reports whether the next comment comes before offset.
func (p *printer) commentBefore(offset int) bool {
	return len(p.comments) > 0 && p.comments[0].Pos.Offset < offset
}

func (p *printer) next() Comment {
	c := p.comments[0]
	p.comments = p.comments[1:]
	return c
}

func (p *printer) block(b *Block, depth int) {
	p.buf.WriteString("block " + b.Name.Name + "(")
	for i, prm := range b.Params {
		if i > 0 {
			p.buf.WriteString(", ")
		}
		p.buf.WriteString(prm.Name)
		if prm.Second != nil {
			p.buf.WriteString(" > " + prm.Second.Name)
		}
		if prm.Default != nil {
			p.buf.WriteString(" = ")
			p.expr(prm.Default)
		}
	}
	p.buf.WriteString(") ")
	p.body(b.Body, depth)
}

func (p *printer) network(n *Network, depth int) {
	p.buf.WriteString("network " + n.Name.Name + " ")
	p.body(n.Body, depth)
}

// body prints a body from '{' to '}'. A body written on one line stays on
// one line; otherwise its statements go one per line at depth+1.
func (p *printer) body(b *Body, depth int) {
	if len(b.Stmts) == 0 && !p.commentBefore(b.EndPos.Offset) {
		p.buf.WriteString("{}")
		return
	}
	if p.oneLine(b) {
		p.buf.WriteString("{ ")
		for i, s := range b.Stmts {
			if i > 0 {
				p.buf.WriteString("; ")
			}
			p.stmt(s, depth)
		}
		p.buf.WriteString(" }")
		return
	}
	p.buf.WriteString("{")
	// A comment on the line of '{', before any statement, stays there.
	if len(p.comments) > 0 {
		c := p.comments[0]
		if c.Pos.Line == b.Pos.Line && c.Pos.Offset < b.EndPos.Offset &&
			(len(b.Stmts) == 0 || c.Pos.Offset < b.Stmts[0].Pos.Offset) {
			p.buf.WriteString("  " + p.next().Text)
		}
	}
	p.buf.WriteByte('\n')
	items := make([]item, len(b.Stmts))
	for i, s := range b.Stmts {
		items[i] = p.stmtItem(s)
	}
	p.list(items, depth+1, b.Pos.Line, b.EndPos.Offset)
	p.buf.WriteString(strings.Repeat(indentUnit, depth) + "}")
}

// oneLine reports whether b is printed on one line: it was written on one
// line (so it holds no comment) and so were the bodies inside it.
func (p *printer) oneLine(b *Body) bool {
	if b.Pos.Line == 0 || !b.OneLine() || p.commentBefore(b.EndPos.Offset) {
		return false
	}
	for _, s := range b.Stmts {
		for _, inner := range s.bodies() {
			if !p.oneLine(inner) {
				return false
			}
		}
	}
	return true
}

// bodies returns the bodies directly inside s.
func (s *Stmt) bodies() []*Body {
	var bs []*Body
	switch {
	case s.For != nil:
		bs = append(bs, s.For.Body)
	case s.If != nil:
		for i := s.If; i != nil; i = i.ElseIf {
			bs = append(bs, i.Then)
			if i.Else != nil {
				bs = append(bs, i.Else)
			}
		}
	case s.Group != nil:
		bs = append(bs, s.Group)
	case s.Layer != nil && s.Layer.Body != nil:
		bs = append(bs, s.Layer.Body)
	}
	return bs
}

func (p *printer) stmt(s *Stmt, depth int) {
	if l := s.Label; l != nil {
		if l.Ident != "" {
			p.buf.WriteString(l.Ident)
		} else {
			p.buf.WriteString(l.Str)
		}
		p.buf.WriteString(": ")
	}
	switch {
	case s.For != nil:
		p.buf.WriteString("for " + s.For.Var.Name + " in ")
		p.expr(s.For.From)
		p.buf.WriteString("..")
		p.expr(s.For.To)
		p.buf.WriteByte(' ')
		p.body(s.For.Body, depth)
	case s.If != nil:
		p.ifStmt(s.If, depth)
	case s.Call != nil:
		p.call(s.Call)
	case s.Group != nil:
		p.body(s.Group, depth)
	case s.Layer != nil:
		p.layer(s.Layer, depth)
	}
}

// ifStmt prints an if, its else-ifs and its else, "} else {" on one line.
func (p *printer) ifStmt(i *If, depth int) {
	p.buf.WriteString("if ")
	p.cond(i.Cond)
	p.buf.WriteByte(' ')
	p.body(i.Then, depth)
	switch {
	case i.ElseIf != nil:
		p.buf.WriteString(" else ")
		p.ifStmt(i.ElseIf, depth)
	case i.Else != nil:
		p.buf.WriteString(" else ")
		p.body(i.Else, depth)
	}
}

func (p *printer) cond(c *Cond) {
	for i, a := range append([]*And{c.Left}, c.Right...) {
		if i > 0 {
			p.buf.WriteString(" || ")
		}
		for j, x := range append([]*Cmp{a.Left}, a.Right...) {
			if j > 0 {
				p.buf.WriteString(" && ")
			}
			if x.Not {
				p.buf.WriteByte('!')
			}
			p.expr(x.Left)
			if x.Op != "" {
				p.buf.WriteString(" " + x.Op + " ")
				p.expr(x.Right)
			}
		}
	}
}

func (p *printer) call(c *Call) {
	p.buf.WriteString(c.Name.Name + "(")
	for i, a := range c.Args {
		if i > 0 {
			p.buf.WriteString(", ")
		}
		if a.Key != nil {
			p.buf.WriteString(a.Key.Name + " = ")
		}
		p.expr(a.Value)
		if a.Second != nil {
			p.buf.WriteString(" > ")
			p.expr(a.Second)
		}
	}
	p.buf.WriteString(")")
}

func (p *printer) layer(l *Layer, depth int) {
	p.buf.WriteString(l.Kind.Name)
	for _, a := range l.Args {
		p.buf.WriteByte(' ')
		p.expr(a.Expr)
	}
	if l.Body != nil {
		p.buf.WriteByte(' ')
		p.body(l.Body, depth)
	}
}

func (p *printer) expr(e *Expr) {
	p.term(e.Left)
	for _, r := range e.Right {
		p.buf.WriteString(" " + r.Op + " ")
		p.term(r.Term)
	}
}

func (p *printer) term(t *Term) {
	p.unary(t.Left)
	for _, r := range t.Right {
		p.buf.WriteString(" " + r.Op + " ")
		p.unary(r.Unary)
	}
}

func (p *printer) unary(u *Unary) {
	if u.Neg {
		p.buf.WriteByte('-')
	}
	x := u.Primary
	switch {
	case x.Number != nil:
		p.buf.WriteString(x.Number.Raw)
	case x.Dims != nil:
		p.buf.WriteString(x.Dims.Raw)
	case x.Ident != nil:
		p.buf.WriteString(*x.Ident)
	case x.String != nil:
		p.buf.WriteString(*x.String)
	default:
		p.buf.WriteByte('(')
		for i, e := range x.Paren {
			if i > 0 {
				p.buf.WriteString(", ")
			}
			p.expr(e)
		}
		p.buf.WriteByte(')')
	}
}
