package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/safetext"
)

// maxIterations bounds one for loop's range, so that a typo such as
// 1..100000 is reported at the range (the statements it would make are
// bounded by maxStmts anyway).
const maxIterations = maxStmts

// seqState numbers the statements of one sequence, or the branches of one
// join: spliced statements (the bodies of for and if, and, in a sequence,
// the statements of a group or block call labelled _) continue the
// numbering of the sequence they join.
type seqState struct {
	next int  // the index the next unlabeled statement is named by
	top  bool // the network's top level: statements are modules
}

// seq checks statements in sequence, numbered from 0. At the top level it
// also records modules and labels.
func (c *checker) seq(sc scope, stmts []*dsl.Stmt, x val, top bool) val {
	return c.items(sc, stmts, x, &seqState{top: top})
}

// items checks statements that join the sequence q.
func (c *checker) items(sc scope, stmts []*dsl.Stmt, x val, q *seqState) val {
	for _, s := range stmts {
		x = c.item(sc, s, x, q)
	}
	return x
}

// item checks one statement of the sequence q: it splices the bodies of
// for, if and the blank label into q, or checks a statement under its
// label or its index in q.
func (c *checker) item(sc scope, s *dsl.Stmt, x val, q *seqState) val {
	if c.control(sc, s, func(sc scope, body []*dsl.Stmt) { x = c.items(sc, body, x, q) }) {
		return x
	}
	if blank(s) {
		switch {
		case s.Group != nil:
			if c.countStmt(s) {
				return bad(x)
			}
			return c.items(sc, s.Group.Stmts, x, q)
		case s.Call != nil:
			if c.countStmt(s) {
				return bad(x)
			}
			y, _ := c.call(sc, s, x, q)
			return y
		}
	}
	index := q.next
	q.next++
	first := len(c.net.Ops)
	y, args := c.stmt(sc, s, index, x)
	if !q.top {
		return y
	}
	name := strconv.Itoa(index)
	if s.Label != nil {
		if n, ok := c.labelText(s.Label, sc.env, false); ok && n != "_" {
			name = n
			c.labels[n] = y
			c.labelPos[n] = append(c.labelPos[n], s.Label.Pos)
		}
	}
	m := ir.Module{Name: name, First: first, End: len(c.net.Ops), Src: irPos(s.Pos), Head: sc.head}
	switch {
	case s.Call != nil:
		m.Kind, m.Block = s.Call.Name.Name, true
		if b := c.blocks[s.Call.Name.Name]; b != nil && args != nil {
			for _, p := range b.Params {
				m.ArgNames = append(m.ArgNames, p.Name)
				m.Pairs = append(m.Pairs, p.Second != nil)
				if p.Second != nil {
					m.ArgNames = append(m.ArgNames, p.Second.Name)
					m.Pairs = append(m.Pairs, false)
				}
			}
			m.Args = args
		}
	case s.Layer != nil:
		m.Kind = s.Layer.Kind.Name
	default:
		m.Kind = "sequence"
	}
	c.net.Modules = append(c.net.Modules, m)
	return y
}

// blank reports whether s is labelled _ (as an identifier or a string).
func blank(s *dsl.Stmt) bool { return s.Label != nil && s.Label.Parts == nil && s.Label.Name() == "_" }

// control checks a for or an if (reporting what is wrong with it) and
// calls each for every body to splice, in order, with the scope to check
// it in. It reports false for any other statement.
func (c *checker) control(sc scope, s *dsl.Stmt, each func(sc scope, body []*dsl.Stmt)) bool {
	switch {
	case s.For != nil:
		if c.countStmt(s) {
			return true
		}
		c.noLabel(s, "for")
		c.forLoop(sc, s.For, each)
		return true
	case s.If != nil:
		if c.countStmt(s) {
			return true
		}
		c.noLabel(s, "if")
		for i := s.If; i != nil; i = i.ElseIf {
			take, ok := c.cond(i.Cond, sc.env)
			if !ok {
				return true
			}
			switch {
			case take:
				each(sc, i.Then.Stmts)
				return true
			case i.Else != nil:
				each(sc, i.Else.Stmts)
				return true
			}
		}
		return true
	case s.Layer != nil && s.Layer.Kind.Name == "else":
		// "} else {" broken after the brace parses as a layer named else.
		c.countStmt(s)
		c.errorf(s.Layer.Kind.Pos, "else must follow the closing brace of its if on the same line: write } else { (or } else if ...)")
		return true
	}
	return false
}

// noLabel reports a label on a for or an if.
func (c *checker) noLabel(s *dsl.Stmt, what string) {
	if s.Label != nil {
		c.errorf(s.Label.Pos, "%s takes no label: its statements join the enclosing sequence; label them instead (e.g. \"name{i}\": ...)", what)
	}
}

// forLoop checks "for v in a..b { body }": the body once for each value
// from a to b, both included (none if b < a).
func (c *checker) forLoop(sc scope, f *dsl.For, each func(sc scope, body []*dsl.Stmt)) {
	from, ok1 := c.evalInt(f.From, sc.env)
	to, ok2 := c.evalInt(f.To, sc.env)
	name := f.Var.Name
	if _, taken := sc.env[name]; taken {
		c.errorf(f.Var.Pos, "for: %s is already a block parameter or loop variable", name)
		return
	}
	if _, isKey := layerKeys[name]; isKey {
		c.errorf(f.Var.Pos, "for: %s is an attribute name; call the variable something else", name)
		return
	}
	if !ok1 || !ok2 {
		return
	}
	if n := to - from + 1; n > maxIterations {
		c.errorf(f.From.Pos, "for: %d..%d has %d values (at most %d)", from, to, n, maxIterations)
		return
	}
	for v := from; v <= to; v++ {
		inner := sc
		inner.env = sc.env.with(name, intVal(v))
		each(inner, f.Body.Stmts)
		if c.expanded > maxStmts {
			return
		}
	}
}

// layerKeys holds every attribute key and flag of the layer kinds: a loop
// variable named like one would be read as the attribute.
var layerKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, lk := range layers {
		for _, k := range lk.args.keys {
			m[k] = true
		}
		for _, k := range lk.args.flags {
			m[k] = true
		}
	}
	return m
}()

// cond evaluates a condition: comparisons of integers joined by && and ||
// (&& binds tighter); a value alone is true when it is not zero. Every
// part is evaluated, so that each error in it is reported.
func (c *checker) cond(cd *dsl.Cond, en env) (bool, bool) {
	ok := true
	any := false
	for _, a := range append([]*dsl.And{cd.Left}, cd.Right...) {
		all := true
		for _, x := range append([]*dsl.Cmp{a.Left}, a.Right...) {
			v, ok2 := c.compare(x, en)
			ok = ok && ok2
			all = all && v
		}
		any = any || all
	}
	return any, ok
}

func (c *checker) compare(x *dsl.Cmp, en env) (bool, bool) {
	l, ok := c.evalInt(x.Left, en)
	var v bool
	if x.Op == "" {
		v = l != 0
	} else {
		r, ok2 := c.evalInt(x.Right, en)
		ok = ok && ok2
		switch x.Op {
		case "==":
			v = l == r
		case "!=":
			v = l != r
		case "<":
			v = l < r
		case "<=":
			v = l <= r
		case ">":
			v = l > r
		case ">=":
			v = l >= r
		}
	}
	return v != x.Not, ok
}

// countStmt counts a statement towards maxStmts and reports true, once,
// when expansion goes past it.
func (c *checker) countStmt(s *dsl.Stmt) bool {
	if c.expanded++; c.expanded > maxStmts {
		c.tooLarge(s)
		return true
	}
	return false
}

// stmt checks one statement with input x, named by its label or by index,
// and returns its output and, for a block call, the call's arguments
// (flattened, as written).
func (c *checker) stmt(sc scope, s *dsl.Stmt, index int, x val) (val, []string) {
	if c.countStmt(s) {
		return bad(x), nil
	}
	c.nstmt++
	id := c.nstmt
	name, labeled := strconv.Itoa(index), false
	if s.Label != nil {
		if n, ok := c.labelText(s.Label, sc.env, true); ok {
			name, labeled = n, true
		} else {
			sc.quiet = true
		}
	}
	l := s.Layer
	if labeled && name == "_" && s.Call == nil && s.Group == nil {
		c.errorf(s.Label.Pos, "the blank label _ can only name a block call or a { group }")
		// Check the layer under its index, but do not let that name
		// collide with another.
		name, labeled = strconv.Itoa(index), false
		sc.quiet = true
	}
	if l != nil {
		if _, isNet := netKinds[l.Kind.Name]; isNet {
			c.errorf(l.Kind.Pos, "%s is only valid directly in a network", l.Kind.Name)
			return x, nil
		}
	}
	outer := sc
	if sc.joinOuter != nil {
		outer.path = sc.joinOuter
	}
	inner := sc
	if !(labeled && name == "_") {
		// The blank label adds no path component, so a block's weights can
		// sit directly under the enclosing name.
		inner = sc.in(component{name: name, pos: s.Pos, id: id, frames: sc.frames, labeled: labeled})
	}
	inner.claim = id
	switch {
	case s.Call != nil:
		return c.call(inner, s, x, nil)
	case s.Group != nil:
		return c.seq(inner, s.Group.Stmts, x, false), nil
	}
	if lk := layers[l.Kind.Name]; lk != nil && lk.join != ir.KindInvalid {
		a := c.parseArgs(l.Kind.Name, &lk.args, l.Args, sc.env)
		return c.joinOp(inner, outer, s, lk.join, a, x), nil
	}
	return c.layer(inner, s, x), nil
}

// tooLarge reports, once, that expansion went past maxStmts: at the
// outermost block instance being expanded, the statement of the network
// whose expansion is too large, or at s itself at the top level.
func (c *checker) tooLarge(s *dsl.Stmt) {
	if c.expanded > maxStmts+1 {
		return
	}
	if len(c.trail) == 0 {
		c.errorf(s.Pos, "network too large: more than %d layers and block instances", maxStmts)
		return
	}
	top := c.trail[0]
	c.errs.Add(top.Pos, "network too large: expanding %s gives more than %d layers and block instances", top.Name, maxStmts)
}

// labelText returns the name a label gives: its text, with the integer
// expressions of an interpolated label ("layer{i}") evaluated. With
// report, a label that cannot name anything is reported (see validLabel);
// without, it is only refused.
func (c *checker) labelText(l *dsl.Label, en env, report bool) (string, bool) {
	if l.Parts == nil {
		name := l.Name()
		if report {
			return name, c.validLabel(l.Pos, name, l.Str != "")
		}
		return name, validName(name, l.Str != "") == ""
	}
	var b strings.Builder
	ok := true
	for _, p := range l.Parts {
		if p.Expr == nil {
			b.WriteString(p.Text)
			continue
		}
		if !report {
			v, ok2 := evalQuiet(p.Expr, en)
			ok = ok && ok2
			b.WriteString(strconv.Itoa(v))
			continue
		}
		v, ok2 := c.evalInt(p.Expr, en)
		ok = ok && ok2
		b.WriteString(strconv.Itoa(v))
	}
	if !ok {
		return "", false
	}
	if report {
		return b.String(), c.validLabel(l.Pos, b.String(), true)
	}
	return b.String(), validName(b.String(), true) == ""
}

// evalQuiet evaluates an integer expression without reporting errors.
func evalQuiet(e *dsl.Expr, en env) (int, bool) {
	q := &checker{}
	v, ok := q.evalInt(e, en)
	return v, ok && len(q.errs) == 0
}

// validLabel reports a label that cannot name anything: an empty string,
// one with an empty component ("a..b", ".a"), or one that is not
// printable text.
func (c *checker) validLabel(pos dsl.Pos, name string, quoted bool) bool {
	if msg := validName(name, quoted); msg != "" {
		c.errorf(pos, "%s", msg)
		return false
	}
	return true
}

// validName says what is wrong with a label's text, "" if nothing.
func validName(name string, quoted bool) string {
	if name == "" {
		return "empty label"
	}
	if quoted && slices.Contains(strings.Split(name, "."), "") {
		return fmt.Sprintf("label %q has an empty component", name)
	}
	// A label becomes part of weight names, generated identifiers and
	// comments, and is printed on terminals: it must be printable text.
	if r, bad := safetext.BadRune(name); bad {
		what := fmt.Sprintf("the character %U", r)
		if r == utf8.RuneError {
			what = "invalid UTF-8"
		}
		return fmt.Sprintf("label %s contains %s (labels must be printable text)", strconv.Quote(name), what)
	}
	return ""
}

// emit appends an op producing a new value of the given shape. Its name is
// checked, and made unique if it has no weights, once the whole network is
// known (see names).
func (c *checker) emit(sc scope, op ir.Op, shape ir.Shape, pos dsl.Pos) val {
	id := len(c.net.Values)
	op.Out = id
	op.Head = sc.head
	op.Src = irPos(pos)
	op.Trail = sc.opTrail
	for i := range op.Params {
		op.Params[i].Name = op.Name + "." + op.Params[i].Name
	}
	c.net.Values = append(c.net.Values, ir.Value{ID: id, Shape: shape, Producer: len(c.net.Ops)})
	c.net.Ops = append(c.net.Ops, op)
	c.meta = append(c.meta, opMeta{path: sc.path, claim: sc.claim, quiet: sc.quiet})
	return val{id: id, shape: shape, ok: true}
}
