package compiler

import (
	"fmt"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// Network-level statements, valid only directly in a network body.
var netKinds = map[string]*argSpec{
	"input":      {dims: "shape", doc: "input CxHxW"},
	"labels":     {pos: []string{"set"}, names: []string{"set"}, doc: "labels imagenet|mnist"},
	"preprocess": {body: true, doc: "preprocess { resize N; crop N; scale F; order rgb|bgr; mean (...); std (...) }"},
	"head":       {keys: []string{"at", "weight"}, names: []string{"at"}, body: true, doc: "NAME: head at POINT [weight W] { layers }"},
}

// The steps of a preprocess block.
var preKinds = map[string]*argSpec{
	"resize": {pos: []string{"size"}, keys: []string{"size"}, flags: []string{"bilinear", "bicubic"}, doc: "resize N [bilinear|bicubic] (shorter side)"},
	"crop":   {dims: "size", pos: []string{"size"}, keys: []string{"size"}, doc: "crop N|HxW (center)"},
	"scale":  {pos: []string{"factor"}, keys: []string{"factor"}, doc: "scale F"},
	"order":  {pos: []string{"order"}, names: []string{"order"}, doc: "order rgb|bgr"},
	"mean":   {pos: []string{"values"}, doc: "mean (M1, M2, M3)"},
	"std":    {pos: []string{"values"}, doc: "std (S1, S2, S3)"},
}

// Known label sets (the runtime ships them).
var labelSets = []string{"imagenet", "mnist"}

// network checks the network: its declarations, the trunk, then the side
// heads, which may attach to any labelled statement of the trunk.
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
	x = c.seq(scope{}, trunk, x, true)
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
	pre := &ir.Preprocess{Scale: 1, Order: "rgb", Interpolation: "bilinear"}
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
			e := c.unknownKind(st.Layer.Kind, stepNameList, "preprocess step")
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
			_, bilinear := a.flags["bilinear"]
			if p, bicubic := a.flags["bicubic"]; bicubic {
				if bilinear {
					c.errorf(p, "resize: bilinear and bicubic both given")
				}
				pre.Interpolation = "bicubic"
			}
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

// stepNameList lists the preprocessing steps, for suggestions.
var stepNameList = []string{"resize", "crop", "scale", "order", "mean", "std"}

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

// sideHead checks "name: head at point [weight w] { layers }".
func (c *checker) sideHead(s *dsl.Stmt) {
	l := s.Layer
	spec := netKinds["head"]
	a := c.parseArgs("head", spec, l.Args, nil)
	if s.Label == nil || s.Label.Name() == "_" {
		c.errorf(s.Pos, "head needs a name (usage: %s)", spec.doc)
		return
	}
	name, ok := c.labelText(s.Label, nil, true)
	if !ok {
		return
	}
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
		if ps := c.labelPos[at]; len(ps) > 1 {
			c.errorf(atPos, "head %s: %q labels %d statements (at %s and %s): the attachment point must be one", name, at, len(ps), shortPos(ps[0]), shortPos(ps[1]))
			x = val{shape: ir.Shape{C: 1, H: 1, W: 1}}
		} else if !found {
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
	if prev, dup := c.heads[name]; dup {
		c.errorf(s.Label.Pos, "head %s declared twice (first at %s)", name, shortPos(prev))
		return
	}
	c.heads[name] = s.Pos
	c.nstmt++
	first := len(c.net.Ops)
	sc := scope{head: name, claim: c.nstmt}
	sc = sc.in(component{name: name, pos: s.Pos, id: c.nstmt, labeled: true})
	y := c.seq(sc, l.Body.Stmts, x, false)
	c.net.Modules = append(c.net.Modules, ir.Module{Name: name, Kind: "head", First: first, End: len(c.net.Ops), Head: name, Src: irPos(s.Pos)})
	if y.ok && len(c.net.Ops) > first {
		c.net.Heads = append(c.net.Heads, ir.Head{Name: name, At: x.id, AtName: at, Weight: w, Output: y.id, Src: irPos(s.Pos)})
	}
}
