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

// stmtName returns a statement's path component: its label, or its index.
func stmtName(s *dsl.Stmt, index int) string {
	if s.Label != nil {
		return s.Label.Name()
	}
	return strconv.Itoa(index)
}

// seq checks statements in sequence. At the top level it also records
// modules and labels.
func (c *checker) seq(sc scope, stmts []*dsl.Stmt, x val, top bool) val {
	for i, s := range stmts {
		first := len(c.net.Ops)
		var args []int
		x, args = c.stmt(sc, s, i, x)
		if !top {
			continue
		}
		m := ir.Module{Name: stmtName(s, i), First: first, End: len(c.net.Ops), Src: irPos(s.Pos), Head: sc.head}
		switch {
		case s.Call != nil:
			m.Kind, m.Block = s.Call.Name.Name, true
			if b := c.blocks[s.Call.Name.Name]; b != nil {
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
		if s.Label != nil && s.Label.Name() != "_" {
			c.labels[s.Label.Name()] = x
		}
	}
	return x
}

// stmt checks one statement with input x and returns its output and, for a
// block call, the call's flattened arguments.
func (c *checker) stmt(sc scope, s *dsl.Stmt, index int, x val) (val, []int) {
	if c.expanded++; c.expanded > maxStmts {
		c.tooLarge(s)
		return bad(x), nil
	}
	name := stmtName(s, index)
	if s.Label != nil && !c.validLabel(s.Label) {
		name = strconv.Itoa(index)
		sc.quiet = true
	}
	l := s.Layer
	if name == "_" && s.Call == nil && s.Group == nil {
		c.errorf(s.Label.Pos, "the blank label _ can only name a block call or a { group }")
		// Check the layer under its index, but do not let that name
		// collide with another.
		name = strconv.Itoa(index)
		sc.quiet = true
	}
	if l != nil {
		if _, isNet := netKinds[l.Kind.Name]; isNet {
			c.errorf(l.Kind.Pos, "%s is only valid directly in a network", l.Kind.Name)
			return x, nil
		}
	}
	inner := sc.in(name)
	if name == "_" {
		// The blank label adds no path component, so a block's weights can
		// sit directly under the enclosing name.
		inner = sc
	} else if !c.declare(strings.Join(inner.path, "."), s, sc.quiet) {
		// The statement's name is taken: check its contents, but do not
		// report every op under it again.
		inner.quiet = true
	}
	switch {
	case s.Call != nil:
		return c.call(inner, s, x)
	case s.Group != nil:
		return c.seq(inner, s.Group.Stmts, x, false), nil
	}
	if lk := layers[l.Kind.Name]; lk != nil && lk.join != ir.KindInvalid {
		c.parseArgs(l.Kind.Name, &lk.args, l.Args, sc.env)
		return c.joinOp(inner, sc, s, lk.join, x), nil
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

// validLabel reports a label that cannot name anything: an empty string,
// or one with an empty component ("a..b", ".a").
func (c *checker) validLabel(l *dsl.Label) bool {
	name := l.Name()
	if name == "" {
		c.errorf(l.Pos, "empty label")
		return false
	}
	if l.Str != "" && slices.Contains(strings.Split(name, "."), "") {
		c.errorf(l.Pos, "label %q has an empty component", name)
		return false
	}
	// A label becomes part of weight names, generated identifiers and
	// comments, and is printed on terminals: it must be printable text.
	if r, bad := safetext.BadRune(name); bad {
		what := fmt.Sprintf("the character %U", r)
		if r == utf8.RuneError {
			what = "invalid UTF-8"
		}
		c.errorf(l.Pos, "label %s contains %s (labels must be printable text)", strconv.Quote(name), what)
		return false
	}
	return true
}

// declare records the path of a statement (or a side head) and reports a
// name already taken, or one that becomes the same Go identifier as
// another; under a quiet scope it reports nothing.
func (c *checker) declare(name string, s *dsl.Stmt, quiet bool) bool {
	if quiet {
		return true
	}
	pos := s.Pos
	hint := ""
	if s.Label == nil {
		hint = "; an unlabeled statement is named by its index"
	}
	if prev, dup := c.paths[name]; dup {
		c.errorf(pos, "duplicate name %q (first at %s%s)", name, shortPos(prev), hint)
		return false
	}
	c.paths[name] = pos
	g := ir.GoName(name)
	if other, clash := c.goPaths[g]; clash {
		c.errorf(pos, "name %q collides with %q at %s (both become %s in generated code)", name, other, shortPos(c.paths[other]), g)
		return false
	}
	c.goPaths[g] = name
	return true
}

// emit appends an op producing a new value of the given shape.
func (c *checker) emit(sc scope, op ir.Op, shape ir.Shape, pos dsl.Pos) val {
	// A name error does not make the value unusable: the op is still
	// emitted, so that later statements are checked as usual.
	if prev, dup := c.names[op.Name]; sc.quiet {
		// The name is reported already.
	} else if dup {
		c.errorf(pos, "duplicate name %q (first at %s)", op.Name, shortPos(prev))
	} else {
		c.names[op.Name] = pos
		g := ir.GoName(op.Name)
		if other, clash := c.goNames[g]; clash {
			c.errorf(pos, "name %q collides with %q at %s (both become %s in generated code)", op.Name, other, shortPos(c.names[other]), g)
		} else {
			c.goNames[g] = op.Name
		}
	}
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
	return val{id: id, shape: shape, ok: true}
}
