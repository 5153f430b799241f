package compiler

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/safetext"
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

// maxStmts bounds the statements checked after block expansion, so that
// blocks calling blocks several times each cannot blow up exponentially.
const maxStmts = 100000

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
	// paths and goPaths are the same for statement paths, so that a name
	// taken twice is reported once, at the statement, not at each of its ops.
	paths   map[string]dsl.Pos
	goPaths map[string]string
	// quiet > 0 while checking a statement whose name is taken.
	quiet int
	// labels maps top-level labels to the value after that statement.
	labels map[string]val
	trail  []dsl.Frame
	stack  []string
	head   string
	// opTrail is the trail as the IR records it, innermost first, for the
	// ops of the current block instance.
	opTrail []ir.Pos
	// inputOK is set when the input's shape is valid; shapes are checked
	// only then.
	inputOK bool
	// pos holds positions of network-level declarations.
	pos netPos
	// expanded counts the statements checked, up to maxStmts.
	expanded int
	// recursive marks blocks that call themselves (see findRecursion).
	recursive map[string]bool
	// lastArgs are the flattened arguments of the last block call, for modules.
	lastArgs []int
}

// Check gives meaning to a parsed file: it expands blocks, resolves names,
// infers every shape and produces the IR. All independent errors are
// reported in one [dsl.ErrorList], sorted by position.
func Check(f *dsl.File) (*ir.Network, error) {
	c := &checker{
		blocks:    map[string]*dsl.Block{},
		names:     map[string]dsl.Pos{},
		goNames:   map[string]string{},
		paths:     map[string]dsl.Pos{},
		goPaths:   map[string]string{},
		labels:    map[string]val{},
		recursive: map[string]bool{},
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
				c.errorf(b.Pos, "block %s redeclared (first at %s)", b.Name.Name, shortPos(prev.Pos))
				continue
			}
			if _, isKind := kinds[b.Name.Name]; isKind {
				c.errorf(b.Pos, "block %s: the name of a built-in layer kind", b.Name.Name)
				continue
			}
			c.checkParams(b)
			own[b.Name.Name] = b
			c.blocks[b.Name.Name] = b
		case d.Network != nil:
			nets = append(nets, d.Network)
		}
	}
	c.findRecursion(f)
	switch len(nets) {
	case 0:
		c.errorf(dsl.Pos{Filename: f.Name, Line: 1, Column: 1}, "no network declared")
	default:
		for _, n := range nets[1:] {
			c.errorf(n.Pos, "network %s: only one network per file (first is %s at %s)", n.Name.Name, nets[0].Name.Name, shortPos(nets[0].Pos))
		}
		c.network(f.Name, nets[0])
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return c.net, nil
}

// findRecursion reports every block that calls itself, directly or through
// others, once, at the call that closes the cycle, and marks the blocks on
// the cycle so that their instances are not expanded.
func (c *checker) findRecursion(f *dsl.File) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		color[name] = grey
		stack = append(stack, name)
		for _, call := range calls(c.blocks[name].Body, nil) {
			callee := call.Name.Name
			if _, known := c.blocks[callee]; !known {
				continue
			}
			switch color[callee] {
			case white:
				visit(callee)
			case grey:
				i := indexOf(stack, callee)
				cycle := append(append([]string{}, stack[i:]...), callee)
				for _, b := range cycle {
					c.recursive[b] = true
				}
				c.errorf(call.Pos, "recursive block %s (%s)", callee, strings.Join(cycle, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	// Visit in declaration order, so that reports do not depend on map order.
	for _, file := range []*dsl.File{prelude, f} {
		for _, d := range file.Decls {
			if b := d.Block; b != nil && c.blocks[b.Name.Name] == b && color[b.Name.Name] == white {
				visit(b.Name.Name)
			}
		}
	}
}

// calls appends the block calls in a body, in source order.
func calls(b *dsl.Body, out []*dsl.Call) []*dsl.Call {
	if b == nil {
		return out
	}
	for _, s := range b.Stmts {
		switch {
		case s.Call != nil:
			out = append(out, s.Call)
		case s.Group != nil:
			out = calls(s.Group, out)
		case s.Layer != nil:
			out = calls(s.Layer.Body, out)
		}
	}
	return out
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
				c.errorf(s.Pos, "input declared twice (first at %s)", shortPos(in.Pos))
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
	x := val{id: 0, shape: c.net.Input, ok: c.inputOK}
	x = c.seq(nil, trunk, x, env{}, true)
	c.net.Output = x.id
	if len(trunk) == 0 {
		c.errorf(n.Name.Pos, "network %s has no layers", n.Name.Name)
	}
	for _, h := range heads {
		c.sideHead(h)
	}
	c.checkPreprocess()
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
		c.inputOK = min(v[0], v[1], v[2]) > 0
		if product(v[0], v[1], v[2]) > dsl.MaxInt {
			c.errorf(p.Pos, "input: %s is too large (at most %d values)", p.Dims.Raw, dsl.MaxInt)
			c.net.Input = ir.Shape{C: 1, H: 1, W: 1}
			c.inputOK = false
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
		c.errorf(s.Pos, "labels declared twice (first at %s)", shortPos(c.pos.labels))
		return
	}
	c.net.Labels, c.pos.labels = name, s.Pos
}

// netPos holds where network-level declarations were made: for "first at"
// in messages, and for the checks of preprocessing against the input that
// follow once the whole network has been read.
type netPos struct {
	labels, preprocess dsl.Pos
	crop, mean, std    dsl.Pos
}

func (c *checker) preprocess(s *dsl.Stmt) {
	if c.net.Pre != nil {
		c.errorf(s.Pos, "preprocess declared twice (first at %s)", shortPos(c.pos.preprocess))
		return
	}
	c.pos.preprocess = s.Pos
	pre := &ir.Preprocess{Scale: 1, Order: "rgb"}
	c.net.Pre = pre
	if s.Label != nil {
		c.errorf(s.Label.Pos, "preprocess takes no label")
	}
	if len(s.Layer.Args) > 0 {
		c.errorf(s.Layer.Args[0].Pos, "preprocess takes only a { body } (usage: %s)", netKinds["preprocess"].doc)
	}
	if s.Layer.Body == nil {
		c.errorf(s.Pos, "preprocess needs a { body } (usage: %s)", netKinds["preprocess"].doc)
		return
	}
	seen := map[string]dsl.Pos{}
	for _, st := range s.Layer.Body.Stmts {
		if st.Layer == nil {
			c.errorf(st.Pos, "preprocess: want a step (%s)", stepNames())
			continue
		}
		if st.Label != nil {
			c.errorf(st.Label.Pos, "preprocess: steps take no label")
		}
		k := st.Layer.Kind.Name
		spec, ok := preKinds[k]
		if !ok {
			e := c.unknownKind(st.Layer.Kind, preKinds, "preprocess step")
			if !strings.Contains(e.Msg, "did you mean") {
				e.Msg += " (want " + stepNames() + ")"
			}
			continue
		}
		if prev, dup := seen[k]; dup {
			c.errorf(st.Pos, "preprocess: %s given twice (first at %s)", k, shortPos(prev))
			continue
		}
		seen[k] = st.Pos
		c.noBody(st.Layer, k)
		a := c.parseArgs(k, spec, st.Layer.Args, nil)
		key := spec.pos[0]
		at, given := a.vals[key]
		if !given {
			if !a.bad {
				c.errorf(st.Layer.Kind.Pos, "%s: missing value (usage: %s)", k, spec.doc)
			}
			continue
		}
		switch k {
		case "resize":
			v, ok := c.evalInt(at.expr, nil)
			if ok && v < 1 {
				c.errorf(at.pos, "resize: size must be positive, got %d", v)
				continue
			}
			pre.Resize = v
		case "crop":
			h, w, ok := c.pair(k, a, "size", nil, 0, 0)
			if ok && (h < 1 || w < 1) {
				c.errorf(at.pos, "crop: size must be positive, got %dx%d", h, w)
				continue
			}
			pre.CropH, pre.CropW, c.pos.crop = h, w, at.pos
		case "scale":
			v, ok := c.evalFloat(at.expr, nil)
			if ok && v <= 0 {
				c.errorf(at.pos, "scale: factor must be positive, got %g", v)
				continue
			}
			pre.Scale = v
		case "order":
			o, pos, ok := c.nameAttr(k, a, "order")
			if ok && o != "rgb" && o != "bgr" {
				c.errorf(pos, "order: want rgb or bgr, got %s", o)
				continue
			}
			pre.Order = o
		case "mean", "std":
			vs, pos := c.floatTuple(at)
			if k == "std" {
				for i, v := range vs {
					if v <= 0 {
						c.errorf(pos[i], "std: values must be positive, got %g", v)
					}
				}
				pre.Std, c.pos.std = vs, at.pos
			} else {
				pre.Mean, c.pos.mean = vs, at.pos
			}
		}
	}
}

// checkPreprocess checks preprocessing against the input, once both are known.
func (c *checker) checkPreprocess() {
	pre, in := c.net.Pre, c.net.Input
	if pre == nil {
		return
	}
	if pre.CropH > 0 && c.inputOK && (pre.CropH != in.H || pre.CropW != in.W) {
		c.errorf(c.pos.crop, "preprocess: crop %dx%d does not give the input's %dx%d", pre.CropH, pre.CropW, in.H, in.W)
	}
	if pre.CropH > 0 && pre.Resize > 0 && (pre.CropH > pre.Resize || pre.CropW > pre.Resize) {
		c.errorf(c.pos.crop, "preprocess: crop %dx%d is larger than the image resized to %d", pre.CropH, pre.CropW, pre.Resize)
	}
	for _, t := range []struct {
		name string
		vs   []float64
		pos  dsl.Pos
	}{{"mean", pre.Mean, c.pos.mean}, {"std", pre.Std, c.pos.std}} {
		if c.inputOK && len(t.vs) > 1 && len(t.vs) != in.C {
			c.errorf(t.pos, "preprocess: %s: want 1 or %d values (the input's channels), got %d", t.name, in.C, len(t.vs))
		}
	}
}

func stepNames() string {
	return "resize, crop, scale, order, mean or std"
}

// floatTuple evaluates a number or a tuple of numbers, returning each
// value's position too.
func (c *checker) floatTuple(at attr) ([]float64, []dsl.Pos) {
	exprs := []*dsl.Expr{at.expr}
	if p := primary(at.expr); p != nil && p.Paren != nil {
		exprs = p.Paren
	}
	var out []float64
	var pos []dsl.Pos
	for _, e := range exprs {
		v, _ := c.evalFloat(e, nil)
		out = append(out, v)
		pos = append(pos, e.Pos)
	}
	return out, pos
}

func (c *checker) unknownKind(id *dsl.Ident, known map[string]*kindSpec, what string) *dsl.Error {
	var cands []string
	for k := range known {
		cands = append(cands, k)
	}
	e := c.errorf(id.Pos, "unknown %s %q", what, id.Name)
	if s := suggest(id.Name, cands); s != "" {
		e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return e
}

// name returns a statement's path component: its label, or its index.
func stmtName(s *dsl.Stmt, index int) string {
	if s.Label != nil {
		return s.Label.Name()
	}
	return strconv.Itoa(index)
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
			if s.Label != nil && s.Label.Name() != "_" {
				c.labels[s.Label.Name()] = x
			}
		}
	}
	return x
}

// stmt checks one statement with input x and returns its output.
func (c *checker) stmt(path []string, s *dsl.Stmt, index int, x val, en env) val {
	if c.expanded++; c.expanded > maxStmts {
		c.tooLarge(s)
		return bad(x)
	}
	name := stmtName(s, index)
	if s.Label != nil && !c.validLabel(s.Label) {
		name = strconv.Itoa(index)
		c.quiet++
		defer func() { c.quiet-- }()
	}
	l := s.Layer
	if name == "_" && s.Call == nil && s.Group == nil {
		c.errorf(s.Label.Pos, "the blank label _ can only name a block call or a { group }")
		// Check the layer under its index, but do not let that name
		// collide with another.
		name = strconv.Itoa(index)
		c.quiet++
		defer func() { c.quiet-- }()
	}
	if l != nil {
		if _, isNet := netKinds[l.Kind.Name]; isNet {
			c.errorf(l.Kind.Pos, "%s is only valid directly in a network", l.Kind.Name)
			return x
		}
	}
	inner := append(path[:len(path):len(path)], name)
	join := l != nil && (l.Kind.Name == "concat" || l.Kind.Name == "add")
	if name == "_" {
		// The blank label adds no path component, so a block's weights can
		// sit directly under the enclosing name.
		inner = path
	} else if !c.declare(strings.Join(inner, "."), s) {
		// The statement's name is taken: check its contents, but do not
		// report every op under it again.
		c.quiet++
		defer func() { c.quiet-- }()
	}
	switch {
	case s.Call != nil:
		return c.call(inner, s, x, en)
	case s.Group != nil:
		return c.seq(inner, s.Group.Stmts, x, en, false)
	case join:
		c.parseArgs(l.Kind.Name, kinds[l.Kind.Name], l.Args, en)
		return c.joinOp(inner, path, s, x, en)
	}
	return c.layer(strings.Join(inner, "."), s, x, en)
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
// name already taken, or one that becomes the same Go identifier as another.
func (c *checker) declare(name string, s *dsl.Stmt) bool {
	if c.quiet > 0 {
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
		e := c.errorf(call.Pos, "undefined block %s", call.Name.Name)
		if sg := suggest(call.Name.Name, cands); sg != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", sg)
		} else if _, isKind := kinds[call.Name.Name]; isKind {
			e.Msg += fmt.Sprintf(" (%s is a layer kind: write %s without parentheses)", call.Name.Name, kinds[call.Name.Name].doc)
		}
		return bad(x)
	}
	if c.recursive[b.Name.Name] {
		return bad(x) // reported by findRecursion
	}
	if len(c.stack) >= maxDepth {
		c.errorf(call.Pos, "blocks nested too deeply (more than %d)", maxDepth)
		return bad(x)
	}
	inner, ok := c.bindArgs(b, call, en)
	if !ok {
		return bad(x)
	}
	var args []int
	for _, p := range b.Params {
		args = append(args, inner[p.Name])
		if p.Second != nil {
			args = append(args, inner[p.Second.Name])
		}
	}
	// Set after the body, whose calls set it too.
	defer func() { c.lastArgs = args }()
	frame := strings.Join(path, ".")
	if frame == "" {
		frame = b.Name.Name // a blank-labeled instance at the top
	}
	c.trail = append(c.trail, dsl.Frame{Name: frame, Pos: call.Pos})
	opTrail := c.opTrail
	defer func() { c.opTrail = opTrail }()
	c.opTrail = nil
	for i := len(c.trail) - 1; i >= 0; i-- {
		c.opTrail = append(c.opTrail, irPos(c.trail[i].Pos))
	}
	// The ops of this instance share the slice; a full slice expression
	// makes an append by a consumer copy it.
	c.opTrail = c.opTrail[:len(c.opTrail):len(c.opTrail)]
	c.stack = append(c.stack, b.Name.Name)
	out := c.seq(path, b.Body.Stmts, x, inner, false)
	c.stack = c.stack[:len(c.stack)-1]
	c.trail = c.trail[:len(c.trail)-1]
	return out
}

// bindArgs matches a call's arguments to the block's parameters. Pairs
// flatten: a pair parameter a > b takes one pair argument x > y or two plain
// ones, so inception(64, 96 > 128, 16 > 32, 32) and
// inception(64, 96, 128, 16, 32, 32) are the same. A mistake in the shape
// of the arguments (an unknown or repeated name, a misplaced pair) is
// reported alone: no "missing" error follows from it.
func (c *checker) bindArgs(b *dsl.Block, call *dsl.Call, en env) (env, bool) {
	var names []string
	var pairFirst []bool
	var sig []string
	defaults := map[string]*dsl.Expr{}
	for _, p := range b.Params {
		names = append(names, p.Name)
		pairFirst = append(pairFirst, p.Second != nil)
		switch {
		case p.Second != nil:
			names = append(names, p.Second.Name)
			pairFirst = append(pairFirst, false)
			sig = append(sig, p.Name+">"+p.Second.Name)
		case p.Default != nil:
			defaults[p.Name] = p.Default
			sig = append(sig, p.Name+"="+exprString(p.Default))
		default:
			sig = append(sig, p.Name)
		}
	}
	usage := fmt.Sprintf("%s(%s)", b.Name.Name, strings.Join(sig, ", "))
	want := strconv.Itoa(len(names))
	if len(defaults) > 0 {
		want = fmt.Sprintf("%d to %d", len(names)-len(defaults), len(names))
	}
	npos := 0 // values given positionally
	for _, a := range call.Args {
		if a.Key == nil {
			npos++
			if a.Second != nil {
				npos++
			}
		}
	}
	inner := env{}
	ok := true     // every value evaluated
	shaped := true // the arguments fit the parameters
	eval := func(e *dsl.Expr, name string) {
		v, ok2 := c.evalInt(e, en)
		ok = ok && ok2
		inner[name] = v
	}
	i := 0 // the next positional parameter
	named := false
	for _, a := range call.Args {
		if a.Key != nil {
			named = true
			k := a.Key.Name
			j := indexOf(names, k)
			if j == len(names) {
				e := c.errorf(a.Key.Pos, "%s has no parameter %s (usage: %s)", b.Name.Name, k, usage)
				if sg := suggest(k, names); sg != "" {
					e.Msg = fmt.Sprintf("%s has no parameter %s (did you mean %q?)", b.Name.Name, k, sg)
				}
				shaped = false
				continue
			}
			if _, dup := inner[k]; dup {
				c.errorf(a.Key.Pos, "%s: parameter %s given twice", b.Name.Name, k)
				shaped = false
				continue
			}
			eval(a.Value, k)
			if a.Second != nil {
				if !pairFirst[j] {
					c.errorf(a.Second.Pos, "%s: parameter %s is not a pair (usage: %s)", b.Name.Name, k, usage)
					shaped = false
					continue
				}
				eval(a.Second, names[j+1])
			}
			continue
		}
		if named {
			c.errorf(a.Pos, "%s: positional argument after a named one", b.Name.Name)
			shaped = false
			continue
		}
		if i == len(names) {
			c.errorf(a.Pos, "%s takes %s values, got %d (usage: %s)", b.Name.Name, want, npos, usage)
			shaped = false
			break
		}
		eval(a.Value, names[i])
		i++
		if a.Second != nil {
			if !pairFirst[i-1] {
				c.errorf(a.Second.Pos, "%s: argument %d is a pair, but parameter %s is not (usage: %s)", b.Name.Name, i, names[i-1], usage)
				shaped = false
				continue
			}
			eval(a.Second, names[i])
			i++
		}
	}
	if !shaped {
		return nil, false
	}
	got := len(inner)
	var missing []string
	for _, n := range names {
		if _, given := inner[n]; given {
			continue
		}
		if d, has := defaults[n]; has {
			// A default sees the block's other parameters, not the caller's.
			v, ok2 := c.evalInt(d, inner)
			ok = ok && ok2
			inner[n] = v
			continue
		}
		missing = append(missing, n)
	}
	if len(missing) > 0 {
		c.errorf(call.Pos, "%s takes %s values, got %d: missing %s (usage: %s)", b.Name.Name, want, got, strings.Join(missing, ", "), usage)
		return nil, false
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

// joinOp checks concat/add: every branch reads x; the results are joined.
//
// The join's own path is inner; path is where it sits. Branches of a
// labeled join are named under it. An unlabeled join adds no path component
// for labeled branches: they are named directly under the enclosing
// statement, as attributes of a PyTorch module are (inception3a.branch1).
// Its unlabeled branches are named under the join's index, so that they
// cannot collide with the join or its siblings.
func (c *checker) joinOp(inner, path []string, s *dsl.Stmt, x val, en env) val {
	name := strings.Join(inner, ".")
	l := s.Layer
	kind := l.Kind.Name
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(l.Kind.Pos, "%s needs branches (usage: %s)", kind, kinds[kind].doc)
		return bad(x)
	}
	var outs []val
	ok := x.ok
	for i, br := range l.Body.Stmts {
		bpath := inner
		if s.Label == nil && br.Label != nil {
			bpath = path
		}
		y := c.stmt(bpath, br, i, x, en)
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
	if product(shape.C, shape.H, shape.W) > dsl.MaxInt {
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
	// A name error does not make the value unusable: the op is still
	// emitted, so that later statements are checked as usual.
	if prev, dup := c.names[op.Name]; c.quiet > 0 {
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
	op.Head = c.head
	op.Src = irPos(pos)
	op.Trail = c.opTrail
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
	spec := netKinds["head"]
	a := c.parseArgs("head", spec, l.Args, nil)
	if s.Label == nil || s.Label.Name() == "_" {
		c.errorf(s.Pos, "head needs a name (usage: %s)", spec.doc)
		return
	}
	if !c.validLabel(s.Label) {
		return
	}
	name := s.Label.Name()
	w, wpos, wok := c.floatAttr(a, "weight", nil, 1)
	if wok && w < 0 {
		c.errorf(wpos, "head %s: weight must not be negative, got %g", name, w)
	}
	// Without a valid attachment point the body is still checked for
	// everything but shapes.
	x := val{shape: ir.Shape{C: 1, H: 1, W: 1}}
	at, atPos, ok := c.nameAttr("head", a, "at")
	if !ok && !a.has("at") && !a.bad {
		c.errorf(s.Layer.Kind.Pos, "head %s: missing attachment point (usage: %s)", name, spec.doc)
	}
	if ok {
		var found bool
		x, found = c.labels[at]
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
		}
	}
	if l.Body == nil || len(l.Body.Stmts) == 0 {
		c.errorf(s.Layer.Kind.Pos, "head %s needs layers (usage: %s)", name, spec.doc)
		return
	}
	if !c.declare(name, s) {
		return
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
