package compiler

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

//go:embed prelude.inc
var preludeSrc []byte

// PreludeFile is the file name positions in the prelude carry.
const PreludeFile = "<prelude>"

// Prelude returns the source of the standard prelude, the blocks every spec
// can use (the Inception module among them).
func Prelude() []byte { return preludeSrc }

var prelude = func() *dsl.File {
	f, err := dsl.Parse(PreludeFile, preludeSrc)
	if err != nil {
		panic("compiler: prelude does not parse: " + err.Error())
	}
	return f
}()

// maxDepth bounds block nesting, as a guard beside the recursion check.
const maxDepth = 64

// val is a value during checking; ok is false after an error upstream, which
// silences shape checks downstream (one mistake, one message).
type val struct {
	id    int
	shape ir.Shape
	ok    bool
}

type checker struct {
	errs   dsl.ErrorList
	blocks map[string]*dsl.Block
	net    *ir.Network
	// names maps op names and Go identifiers to where they were first declared.
	names   map[string]dsl.Pos
	goNames map[string]string
	// labels maps top-level labels to the value after that statement.
	labels map[string]val
	trail  []dsl.Frame
	stack  []string
	head   string
	// lastArgs are the flattened arguments of the last block call, for modules.
	lastArgs []int
}

// Check gives meaning to a parsed file: it expands blocks, resolves names,
// infers every shape and produces the IR. All independent errors are
// reported in one [dsl.ErrorList], sorted by position.
func Check(f *dsl.File) (*ir.Network, error) {
	c := &checker{
		blocks:  map[string]*dsl.Block{},
		names:   map[string]dsl.Pos{},
		goNames: map[string]string{},
		labels:  map[string]val{},
	}
	for _, d := range prelude.Decls {
		if d.Block != nil {
			c.blocks[d.Block.Name.Name] = d.Block
		}
	}
	// A spec's own blocks may replace the prelude's.
	own := map[string]*dsl.Block{}
	var nets []*dsl.Network
	for _, d := range f.Decls {
		switch {
		case d.Block != nil:
			b := d.Block
			if prev, dup := own[b.Name.Name]; dup {
				c.errorf(b.Name.Pos, "block %s redeclared (first at %s)", b.Name.Name, shortPos(prev.Name.Pos))
				continue
			}
			if _, isKind := kinds[b.Name.Name]; isKind {
				c.errorf(b.Name.Pos, "block %s: the name of a built-in layer kind", b.Name.Name)
				continue
			}
			c.checkParams(b)
			own[b.Name.Name] = b
			c.blocks[b.Name.Name] = b
		case d.Network != nil:
			nets = append(nets, d.Network)
		}
	}
	switch len(nets) {
	case 0:
		c.errorf(dsl.Pos{Filename: f.Name, Line: 1, Column: 1}, "no network declared")
	default:
		for _, n := range nets[1:] {
			c.errorf(n.Pos, "network %s: only one network per file (first is %s)", n.Name.Name, nets[0].Name.Name)
		}
		c.network(f.Name, nets[0])
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return c.net, nil
}

func (c *checker) errorf(pos dsl.Pos, format string, args ...any) *dsl.Error {
	e := c.errs.Add(pos, format, args...)
	for i := len(c.trail) - 1; i >= 0; i-- {
		e.Trail = append(e.Trail, c.trail[i])
	}
	return e
}

func shortPos(p dsl.Pos) string { return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column) }

func irPos(p dsl.Pos) ir.Pos { return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column} }

func (c *checker) checkParams(b *dsl.Block) {
	seen := map[string]bool{}
	check := func(pos dsl.Pos, name string) {
		if seen[name] {
			c.errorf(pos, "block %s: parameter %s declared twice", b.Name.Name, name)
		}
		seen[name] = true
	}
	for _, p := range b.Params {
		check(p.Pos, p.Name)
		if p.Second != nil {
			check(p.Second.Pos, p.Second.Name)
			if p.Default != nil {
				c.errorf(p.Default.Pos, "block %s: a pair parameter cannot have a default", b.Name.Name)
			}
		}
	}
}

func (c *checker) network(file string, n *dsl.Network) {
	c.net = &ir.Network{Name: n.Name.Name, File: file}
	var in *dsl.Stmt
	var heads []*dsl.Stmt
	var trunk []*dsl.Stmt
	for _, s := range n.Body.Stmts {
		kind := ""
		if s.Layer != nil {
			kind = s.Layer.Kind.Name
		}
		switch kind {
		case "input":
			if in != nil {
				c.errorf(s.Pos, "input declared twice (first at %d:%d)", in.Pos.Line, in.Pos.Column)
				continue
			}
			if len(trunk) > 0 {
				c.errorf(s.Pos, "input must come before the first layer")
			}
			in = s
			c.input(s)
		case "labels":
			c.labelSet(s)
		case "preprocess":
			c.preprocess(s)
		case "head":
			heads = append(heads, s)
		default:
			trunk = append(trunk, s)
		}
	}
	if in == nil {
		c.errorf(n.Name.Pos, "network %s: no input declared (want e.g. input 3x224x224)", n.Name.Name)
		c.net.Input = ir.Shape{C: 1, H: 1, W: 1}
		c.net.Values = []ir.Value{{ID: 0, Shape: c.net.Input, Producer: -1}}
	}
	x := val{id: 0, shape: c.net.Input, ok: in != nil && c.net.Input.Len() > 0}
	x = c.seq(nil, trunk, x, env{}, true)
	c.net.Output = x.id
	if len(trunk) == 0 {
		c.errorf(n.Name.Pos, "network %s has no layers", n.Name.Name)
	}
	for _, h := range heads {
		c.sideHead(h)
	}
	if c.net.Pre != nil && (len(c.net.Pre.Mean) > 1 && len(c.net.Pre.Mean) != c.net.Input.C ||
		len(c.net.Pre.Std) > 1 && len(c.net.Pre.Std) != c.net.Input.C) {
		c.errorf(n.Name.Pos, "preprocess: mean and std need 1 or %d values (the input's channels)", c.net.Input.C)
	}
}

func (c *checker) input(s *dsl.Stmt) {
	if s.Label != nil {
		c.errorf(s.Label.Pos, "input takes no label")
	}
	spec := netKinds["input"]
	a := c.parseArgs("input", spec, s.Layer.Args, nil)
	c.noBody(s.Layer, "input")
	c.net.Input = ir.Shape{C: 1, H: 1, W: 1}
	at, ok := a.vals["shape"]
	if !ok {
		if len(s.Layer.Args) == 0 {
			c.errorf(s.Pos, "input: missing shape (usage: %s)", spec.doc)
		}
	} else if p := primary(at.expr); p.Dims.Err != "" {
		c.errorf(p.Pos, "%s", p.Dims.Err)
	} else if len(p.Dims.Vals) != 3 {
		c.errorf(p.Pos, "input: want CxHxW, got %s", p.Dims.Raw)
	} else {
		v := p.Dims.Vals
		for i, name := range []string{"channels", "height", "width"} {
			if v[i] < 1 {
				c.errorf(p.Pos, "input: %s must be positive, got %d", name, v[i])
			}
		}
		c.net.Input = ir.Shape{C: v[0], H: v[1], W: v[2]}
		if c.net.Input.Len() > dsl.MaxInt {
			c.errorf(p.Pos, "input: %s is too large (at most %d values)", p.Dims.Raw, dsl.MaxInt)
			c.net.Input = ir.Shape{}
		}
	}
	c.net.Values = []ir.Value{{ID: 0, Shape: c.net.Input, Producer: -1}}
}

func (c *checker) noBody(l *dsl.Layer, kind string) {
	if l.Body != nil {
		c.errorf(l.Body.Pos, "%s takes no { body }", kind)
	}
}

func (c *checker) labelSet(s *dsl.Stmt) {
	a := c.parseArgs("labels", netKinds["labels"], s.Layer.Args, nil)
	c.noBody(s.Layer, "labels")
	name, pos, ok := c.nameAttr("labels", a, "set")
	if !ok {
		if _, given := a.vals["set"]; !given {
			c.errorf(s.Pos, "labels: missing label set (want %s)", strings.Join(labelSets, " or "))
		}
		return
	}
	if !contains(labelSets, name) {
		e := c.errorf(pos, "labels: unknown label set %q (want %s)", name, strings.Join(labelSets, " or "))
		if sg := suggest(name, labelSets); sg != "" {
			e.Msg = fmt.Sprintf("labels: unknown label set %q (did you mean %q?)", name, sg)
		}
		return
	}
	if c.net.Labels != "" {
		c.errorf(s.Pos, "labels declared twice")
	}
	c.net.Labels = name
}

func (c *checker) preprocess(s *dsl.Stmt) {
	if c.net.Pre != nil {
		c.errorf(s.Pos, "preprocess declared twice")
		return
	}
	pre := &ir.Preprocess{Scale: 1, Order: "rgb"}
	c.net.Pre = pre
	if len(s.Layer.Args) > 0 {
		c.errorf(s.Layer.Args[0].Pos, "preprocess takes only a { body }")
	}
	if s.Layer.Body == nil {
		c.errorf(s.Pos, "preprocess needs a { body } (usage: %s)", netKinds["preprocess"].doc)
		return
	}
	seen := map[string]bool{}
	for _, st := range s.Layer.Body.Stmts {
		if st.Layer == nil {
			c.errorf(st.Pos, "preprocess: want a step (%s)", stepNames())
			continue
		}
		k := st.Layer.Kind.Name
		spec, ok := preKinds[k]
		if !ok {
			c.unknownKind(st.Layer.Kind, preKinds, "preprocess step")
			continue
		}
		if seen[k] {
			c.errorf(st.Pos, "preprocess: %s given twice", k)
		}
		seen[k] = true
		c.noBody(st.Layer, k)
		a := c.parseArgs(k, spec, st.Layer.Args, nil)
		switch k {
		case "resize":
			v, pos, ok := c.intAttr(a, "size", nil, 0)
			if ok && v < 1 && a.has("size") {
				c.errorf(pos, "resize: size must be positive, got %d", v)
			}
			pre.Resize = v
		case "crop":
			h, w, ok := c.pair(k, a, "size", nil, 0, 0)
			if ok && (h < 1 || w < 1) && a.has("size") {
				c.errorf(a.vals["size"].pos, "crop: size must be positive")
			}
			pre.CropH, pre.CropW = h, w
		case "scale":
			pre.Scale, _, _ = c.floatAttr(a, "factor", nil, 1)
		case "order":
			o, pos, ok := c.nameAttr(k, a, "order")
			if ok && o != "rgb" && o != "bgr" {
				c.errorf(pos, "order: want rgb or bgr, got %s", o)
			}
			pre.Order = o
		case "mean", "std":
			vs := c.floatTuple(k, a, "values")
			if k == "mean" {
				pre.Mean = vs
			} else {
				for _, v := range vs {
					if v <= 0 {
						c.errorf(a.vals["values"].pos, "std: values must be positive")
						break
					}
				}
				pre.Std = vs
			}
		}
	}
	if pre.CropH > 0 && (pre.CropH != c.net.Input.H || pre.CropW != c.net.Input.W) && c.net.Input.H > 0 {
		c.errorf(s.Pos, "preprocess: crop %dx%d does not give the input's %dx%d", pre.CropH, pre.CropW, c.net.Input.H, c.net.Input.W)
	}
}

func stepNames() string {
	return "resize, crop, scale, order, mean or std"
}

func (c *checker) floatTuple(kind string, a attrs, key string) []float64 {
	at, ok := a.vals[key]
	if !ok {
		return nil
	}
	p := primary(at.expr)
	exprs := []*dsl.Expr{at.expr}
	if p != nil && p.Paren != nil {
		exprs = p.Paren
	}
	var out []float64
	for _, e := range exprs {
		v, _ := c.evalFloat(e, nil)
		out = append(out, v)
	}
	return out
}

func (c *checker) unknownKind(id *dsl.Ident, known map[string]*kindSpec, what string) {
	var cands []string
	for k := range known {
		cands = append(cands, k)
	}
	e := c.errorf(id.Pos, "unknown %s %q", what, id.Name)
	if s := suggest(id.Name, cands); s != "" {
		e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
}

// name returns a statement's path component: its label, or its index.
func stmtName(s *dsl.Stmt, index int) string {
	if s.Label != nil {
		return s.Label.Name()
	}
	return strconv.Itoa(index)
}

func join(path []string, name string) string {
	if len(path) == 0 {
		return name
	}
	return strings.Join(path, ".") + "." + name
}

// seq checks statements in sequence. At the top level it also records
// modules and labels.
func (c *checker) seq(path []string, stmts []*dsl.Stmt, x val, en env, top bool) val {
	for i, s := range stmts {
		first := len(c.net.Ops)
		x = c.stmt(path, s, i, x, en)
		if top {
			m := ir.Module{Name: stmtName(s, i), First: first, End: len(c.net.Ops), Src: irPos(s.Pos), Head: c.head}
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
					m.Args = c.lastArgs
				}
			case s.Layer != nil:
				m.Kind = s.Layer.Kind.Name
			default:
				m.Kind = "sequence"
			}
			c.net.Modules = append(c.net.Modules, m)
			if s.Label != nil {
				c.labels[s.Label.Name()] = x
			}
		}
	}
	return x
}

// stmt checks one statement with input x and returns its output.
func (c *checker) stmt(path []string, s *dsl.Stmt, index int, x val, en env) val {
	name := stmtName(s, index)
	inner := append(path[:len(path):len(path)], name)
	if name == "_" {
		// The blank label adds no path component, so a block's weights can
		// sit directly under the enclosing name.
		inner = path
	}
	switch {
	case s.Call != nil:
		return c.call(inner, s, x, en)
	case s.Group != nil:
		return c.seq(inner, s.Group.Stmts, x, en, false)
	}
	l := s.Layer
	if name == "_" {
		c.errorf(s.Label.Pos, "the blank label _ can only name a block call or a { group }")
		return bad(x)
	}
	if _, isNet := netKinds[l.Kind.Name]; isNet {
		c.errorf(l.Kind.Pos, "%s is only valid directly in a network", l.Kind.Name)
		return bad(x)
	}
	if l.Kind.Name == "concat" || l.Kind.Name == "add" {
		c.parseArgs(l.Kind.Name, kinds[l.Kind.Name], l.Args, en)
		// An unlabeled join adds no path component: its branches are named
		// directly under the enclosing statement, as in a PyTorch module.
		if s.Label == nil {
			inner = path
		}
		return c.joinOp(join(path, name), inner, s, x, en)
	}
	return c.layer(join(path, name), s, x, en)
}

func bad(x val) val { x.ok = false; return x }

// call instantiates a block.
func (c *checker) call(path []string, s *dsl.Stmt, x val, en env) val {
	call := s.Call
	c.lastArgs = nil
	b, ok := c.blocks[call.Name.Name]
	if !ok {
		var cands []string
		for k := range c.blocks {
			cands = append(cands, k)
		}
		e := c.errorf(call.Name.Pos, "undefined block %s", call.Name.Name)
		if sg := suggest(call.Name.Name, cands); sg != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", sg)
		} else if _, isKind := kinds[call.Name.Name]; isKind {
			e.Msg += fmt.Sprintf(" (%s is a layer kind: write %s without parentheses)", call.Name.Name, kinds[call.Name.Name].doc)
		}
		return bad(x)
	}
	for _, st := range c.stack {
		if st == b.Name.Name {
			c.errorf(call.Name.Pos, "recursive block %s (%s -> %s)", b.Name.Name, strings.Join(c.stack, " -> "), b.Name.Name)
			return bad(x)
		}
	}
	if len(c.stack) >= maxDepth {
		c.errorf(call.Name.Pos, "blocks nested too deeply (more than %d)", maxDepth)
		return bad(x)
	}
	inner, ok := c.bindArgs(b, call, en)
	if !ok {
		return bad(x)
	}
	c.trail = append(c.trail, dsl.Frame{Name: strings.Join(path, "."), Pos: call.Pos})
	c.stack = append(c.stack, b.Name.Name)
	out := c.seq(path, b.Body.Stmts, x, inner, false)
	c.stack = c.stack[:len(c.stack)-1]
	c.trail = c.trail[:len(c.trail)-1]
	return out
}

// bindArgs matches a call's arguments to the block's parameters. Pairs
// flatten: a pair parameter a > b takes one pair argument x > y or two plain
// ones, so inception(64, 96 > 128, 16 > 32, 32) and
// inception(64, 96, 128, 16, 32, 32) are the same.
func (c *checker) bindArgs(b *dsl.Block, call *dsl.Call, en env) (env, bool) {
	var names []string
	var sig []string
	defaults := map[string]*dsl.Expr{}
	for _, p := range b.Params {
		names = append(names, p.Name)
		if p.Second != nil {
			names = append(names, p.Second.Name)
			sig = append(sig, p.Name+">"+p.Second.Name)
		} else {
			sig = append(sig, p.Name)
			if p.Default != nil {
				defaults[p.Name] = p.Default
			}
		}
	}
	usage := fmt.Sprintf("%s(%s)", b.Name.Name, strings.Join(sig, ", "))
	inner := env{}
	ok := true
	var vals []int
	i := 0
	for _, a := range call.Args {
		if a.Key != nil {
			k := a.Key.Name
			if !contains(names, k) {
				e := c.errorf(a.Key.Pos, "%s has no parameter %s (usage: %s)", b.Name.Name, k, usage)
				if sg := suggest(k, names); sg != "" {
					e.Msg = fmt.Sprintf("%s has no parameter %s (did you mean %q?)", b.Name.Name, k, sg)
				}
				ok = false
				continue
			}
			if _, dup := inner[k]; dup || indexOf(names, k) < i {
				c.errorf(a.Key.Pos, "%s: parameter %s given twice", b.Name.Name, k)
				ok = false
				continue
			}
			v, ok2 := c.evalInt(a.Value, en)
			ok = ok && ok2
			inner[k] = v
			if a.Second != nil {
				j := indexOf(names, k)
				if j+1 >= len(names) || !isPairFirst(b, k) {
					c.errorf(a.Second.Pos, "%s: parameter %s is not a pair", b.Name.Name, k)
					ok = false
					continue
				}
				w, ok3 := c.evalInt(a.Second, en)
				ok = ok && ok3
				inner[names[j+1]] = w
			}
			continue
		}
		if len(inner) > 0 {
			c.errorf(a.Pos, "%s: positional argument after a named one", b.Name.Name)
			ok = false
			continue
		}
		v, ok2 := c.evalInt(a.Value, en)
		ok = ok && ok2
		vals = append(vals, v)
		if a.Second != nil {
			if i >= len(names) || !isPairFirst(b, names[i]) {
				c.errorf(a.Second.Pos, "%s: argument %d is a pair, but parameter %s is not (usage: %s)", b.Name.Name, len(vals), paramAt(names, i), usage)
				ok = false
			}
			w, ok3 := c.evalInt(a.Second, en)
			ok = ok && ok3
			vals = append(vals, w)
			i++
		}
		i++
	}
	if len(vals) > len(names) {
		c.errorf(call.Pos, "%s takes %d values, got %d (usage: %s)", b.Name.Name, len(names), len(vals), usage)
		return nil, false
	}
	for j, v := range vals {
		inner[names[j]] = v
	}
	var missing []string
	for _, n := range names {
		if _, given := inner[n]; given {
			continue
		}
		if d, has := defaults[n]; has {
			v, ok2 := c.evalInt(d, inner)
			ok = ok && ok2
			inner[n] = v
			continue
		}
		missing = append(missing, n)
	}
	if len(missing) > 0 {
		c.errorf(call.Pos, "%s takes %d values, got %d: missing %s (usage: %s)", b.Name.Name, len(names), len(names)-len(missing), strings.Join(missing, ", "), usage)
		return nil, false
	}
	for _, n := range names {
		c.lastArgs = append(c.lastArgs, inner[n])
	}
	return inner, ok
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}

func paramAt(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return "(none)"
}

func isPairFirst(b *dsl.Block, name string) bool {
	for _, p := range b.Params {
		if p.Name == name {
			return p.Second != nil
		}
	}
	return false
}

// joinOp checks concat/add: every branch reads x; the results are joined.
func (c *checker) joinOp(name string, path []string, s *dsl.Stmt, x val, en env) val {
	l := s.Layer
	kind := l.Kind.Name
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(l.Kind.Pos, "%s needs branches (usage: %s)", kind, kinds[kind].doc)
		return bad(x)
	}
	var outs []val
	ok := x.ok
	for i, br := range l.Body.Stmts {
		y := c.stmt(path, br, i, x, en)
		ok = ok && y.ok
		outs = append(outs, y)
	}
	if !ok {
		return bad(x)
	}
	var shape ir.Shape
	switch kind {
	case "concat":
		shape = outs[0].shape
		shape.C = 0
		for i, y := range outs {
			if y.shape.H != outs[0].shape.H || y.shape.W != outs[0].shape.W {
				c.errorf(l.Body.Stmts[i].Pos, "concat: branch %d gives %v, but branch 1 gives %v (spatial sizes must match)", i+1, y.shape, outs[0].shape)
				return bad(x)
			}
			shape.C += y.shape.C
		}
	case "add":
		shape = outs[0].shape
		for i, y := range outs[1:] {
			if y.shape != shape {
				what := "shape"
				if y.shape.H == shape.H && y.shape.W == shape.W {
					what = "channel"
				}
				c.errorf(l.Body.Stmts[i+1].Pos, "add: %s mismatch: branch %d gives %v, branch 1 gives %v", what, i+2, y.shape, shape)
				return bad(x)
			}
		}
	}
	if shape.Len() > dsl.MaxInt {
		c.errorf(l.Kind.Pos, "%s: output %v is too large (at most %d values)", kind, shape, dsl.MaxInt)
		return bad(x)
	}
	k := ir.KindConcat
	if kind == "add" {
		k = ir.KindAdd
	}
	var ins []int
	for _, y := range outs {
		ins = append(ins, y.id)
	}
	return c.emit(ir.Op{Kind: k, Name: name, In: ins}, shape, s.Pos)
}

// emit appends an op producing a new value of the given shape.
func (c *checker) emit(op ir.Op, shape ir.Shape, pos dsl.Pos) val {
	if prev, dup := c.names[op.Name]; dup {
		c.errorf(pos, "duplicate name %q (first at %s)", op.Name, shortPos(prev))
		return val{id: 0, shape: shape, ok: false}
	}
	c.names[op.Name] = pos
	g := ir.GoName(op.Name)
	if other, clash := c.goNames[g]; clash {
		c.errorf(pos, "name %q collides with %q (both become %s in generated code)", op.Name, other, g)
		return val{id: 0, shape: shape, ok: false}
	}
	c.goNames[g] = op.Name
	id := len(c.net.Values)
	op.Out = id
	op.Head = c.head
	op.Src = irPos(pos)
	for i := len(c.trail) - 1; i >= 0; i-- {
		op.Trail = append(op.Trail, irPos(c.trail[i].Pos))
	}
	for i := range op.Params {
		op.Params[i].Name = op.Name + "." + op.Params[i].Name
	}
	c.net.Values = append(c.net.Values, ir.Value{ID: id, Shape: shape, Producer: len(c.net.Ops)})
	c.net.Ops = append(c.net.Ops, op)
	return val{id: id, shape: shape, ok: true}
}

// sideHead checks "name: head at point [weight w] { layers }".
func (c *checker) sideHead(s *dsl.Stmt) {
	l := s.Layer
	a := c.parseArgs("head", netKinds["head"], l.Args, nil)
	if s.Label == nil {
		c.errorf(s.Pos, "head needs a name: write NAME: head at POINT { ... }")
		return
	}
	name := s.Label.Name()
	w, _, _ := c.floatAttr(a, "weight", nil, 1)
	at, atPos, ok := c.nameAttr("head", a, "at")
	if !ok {
		if !a.has("at") {
			c.errorf(s.Pos, "head %s: missing attachment point (write at NAME)", name)
		}
		return
	}
	x, found := c.labels[at]
	if !found {
		var cands []string
		for k := range c.labels {
			cands = append(cands, k)
		}
		e := c.errorf(atPos, "head %s: unknown attachment point %q", name, at)
		if sg := suggest(at, cands); sg != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", sg)
		} else {
			e.Msg += " (want the label of a top-level statement)"
		}
		return
	}
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(s.Pos, "head %s needs layers: %s", name, netKinds["head"].doc)
		return
	}
	for _, h := range c.net.Heads {
		if h.Name == name {
			c.errorf(s.Label.Pos, "duplicate head %q", name)
			return
		}
	}
	first := len(c.net.Ops)
	c.head = name
	y := c.seq([]string{name}, l.Body.Stmts, x, env{}, false)
	c.head = ""
	c.net.Modules = append(c.net.Modules, ir.Module{Name: name, Kind: "head", First: first, End: len(c.net.Ops), Head: name, Src: irPos(s.Pos)})
	if y.ok && len(c.net.Ops) > first {
		c.net.Heads = append(c.net.Heads, ir.Head{Name: name, At: x.id, AtName: at, Weight: w, Output: y.id, Src: irPos(s.Pos)})
	}
}
