package compiler

import (
	"sort"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/geom"
)

// argSpec says which arguments a layer kind (or a network statement, or
// a preprocessing step) takes.
type argSpec struct {
	dims  string   // attribute a positional AxB fills, "" if none
	pos   []string // attributes positional scalars fill, in order
	keys  []string // attribute keys taking a value
	flags []string // bare flags
	names []string // attributes whose value is a name, not an expression
	body  bool     // takes a { body }
	doc   string   // one-line usage, for messages and the reference
}

// attr is one attribute given to a layer: pos is where its value starts,
// key where it was given (the key, or the value if positional).
type attr struct {
	pos, key dsl.Pos
	expr     *dsl.Expr
}

// attrs are a layer's parsed arguments.
type attrs struct {
	vals  map[string]attr
	flags map[string]dsl.Pos
	// bad is set when an argument was reported, so that "missing" errors
	// that follow from it are not.
	bad bool
}

func (a attrs) has(k string) bool { _, ok := a.vals[k]; return ok }

// parseArgs sorts a layer's arguments into attributes and flags by the kind's
// spec, reporting unknown names, missing values and repeats.
func (c *checker) parseArgs(kind string, spec *argSpec, args []*dsl.Arg, en env) attrs {
	a := attrs{vals: map[string]attr{}, flags: map[string]dsl.Pos{}}
	errorf := func(pos dsl.Pos, format string, args ...any) *dsl.Error {
		a.bad = true
		return c.errorf(pos, format, args...)
	}
	set := func(k string, arg *dsl.Arg, e *dsl.Expr) {
		if prev, dup := a.vals[k]; dup {
			errorf(arg.Pos, "%s: %s given twice (first at %s)", kind, k, shortPos(prev.key))
			return
		}
		a.vals[k] = attr{pos: e.Pos, key: arg.Pos, expr: e}
	}
	args = splitMinus(args, spec)
	npos := 0
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if name, ok := bareIdent(arg.Expr); ok {
			_, isParam := en[name]
			switch {
			case contains(spec.keys, name) && !(isParam && !keyValueFollows(args, i, spec)):
				if i+1 == len(args) {
					errorf(arg.Pos, "%s: %s needs a value", kind, name)
					continue
				}
				i++
				set(name, arg, args[i].Expr)
				continue
			case contains(spec.flags, name):
				if prev, dup := a.flags[name]; dup {
					errorf(arg.Pos, "%s: %s given twice (first at %s)", kind, name, shortPos(prev))
				}
				a.flags[name] = arg.Pos
				continue
			}
			nextIsName := npos < len(spec.pos) && contains(spec.names, spec.pos[npos])
			if !isParam && !nextIsName {
				a.bad = true
				c.unknownAttr(arg.Pos, kind, spec, name, en)
				// A misspelled key is usually followed by its value: skip
				// that too rather than report it as a stray argument.
				if i+1 < len(args) {
					if _, nextIsName := bareIdent(args[i+1].Expr); !nextIsName {
						i++
					}
				}
				continue
			}
		}
		if p := primary(arg.Expr); p != nil && p.Dims != nil && spec.dims != "" {
			set(spec.dims, arg, arg.Expr)
			continue
		}
		// A positional value fills the next positional attribute not yet given.
		for npos < len(spec.pos) && a.has(spec.pos[npos]) {
			npos++
		}
		if npos == len(spec.pos) {
			errorf(arg.Pos, "%s: unexpected argument %s (usage: %s)", kind, exprString(arg.Expr), spec.doc)
			continue
		}
		set(spec.pos[npos], arg, arg.Expr)
		npos++
	}
	if acts := actsOf(a); len(acts) > 1 {
		errorf(a.flags[acts[1]], "%s and %s both given: a layer takes one activation (write the second as a layer after it)", acts[0], acts[1])
	}
	return a
}

// keyValueFollows reports whether args[i], an attribute key, is followed by
// something that can be its value: an argument that is not itself a key
// or flag of the kind. A block parameter may have the name of a key
// ("out"): then "conv 1x1 out nobias" reads out as the parameter.
func keyValueFollows(args []*dsl.Arg, i int, spec *argSpec) bool {
	if i+1 == len(args) {
		return false
	}
	name, ok := bareIdent(args[i+1].Expr)
	return !ok || !contains(spec.keys, name) && !contains(spec.flags, name)
}

// splitMinus undoes a reading of the grammar that cannot be meant. Layer
// arguments are juxtaposed expressions, so "pad -1" parses as the difference
// pad - 1 and "conv 3x3 -2" as 3x3 - 2. When the left operand is an
// attribute key or a dimensions literal, neither of which can be
// subtracted from, the argument is split in two: the key or dimensions, and
// the negated rest.
func splitMinus(args []*dsl.Arg, spec *argSpec) []*dsl.Arg {
	var out []*dsl.Arg
	for i, a := range args {
		e := a.Expr
		t := e.Left
		if len(e.Right) == 0 || e.Right[0].Op != "-" || len(t.Right) > 0 || t.Left.Neg {
			if out != nil {
				out = append(out, a)
			}
			continue
		}
		p := t.Left.Primary
		if !(p.Dims != nil || p.Ident != nil && contains(spec.keys, *p.Ident)) {
			if out != nil {
				out = append(out, a)
			}
			continue
		}
		if out == nil {
			out = append([]*dsl.Arg{}, args[:i]...)
		}
		r := e.Right[0]
		u := *r.Term.Left
		u.Neg = !u.Neg
		neg := &dsl.Expr{
			Pos:   r.Pos,
			Left:  &dsl.Term{Pos: r.Pos, Left: &u, Right: r.Term.Right},
			Right: e.Right[1:],
		}
		left := &dsl.Expr{Pos: e.Pos, Left: t}
		out = append(out, &dsl.Arg{Pos: a.Pos, Expr: left}, &dsl.Arg{Pos: r.Pos, Expr: neg})
	}
	if out == nil {
		return args
	}
	return out
}

func (c *checker) unknownAttr(pos dsl.Pos, kind string, spec *argSpec, name string, en env) {
	cands := append(append([]string{}, spec.keys...), spec.flags...)
	for p := range en {
		cands = append(cands, p)
	}
	msg := "%s: unknown attribute %q"
	if len(en) > 0 {
		msg = "%s: unknown attribute or parameter %q"
	}
	e := c.errorf(pos, msg, kind, name)
	if s := suggest(name, cands); s != "" {
		e.Msg += " (did you mean " + quote(s) + "?)"
	} else if len(spec.keys)+len(spec.flags) > 0 {
		e.Msg += " (usage: " + spec.doc + ")"
	}
}

func (c *checker) unknownName(pos dsl.Pos, name string, en env) {
	var cands []string
	for p := range en {
		cands = append(cands, p)
	}
	e := c.errorf(pos, "undefined: %s", name)
	if s := suggest(name, cands); s != "" {
		e.Msg += " (did you mean " + quote(s) + "?)"
	}
}

// pair returns an attribute given as N (N, N) or AxB (A, B).
func (c *checker) pair(kind string, a attrs, key string, en env, def1, def2 int) (int, int, bool) {
	at, ok := a.vals[key]
	if !ok {
		return def1, def2, true
	}
	if p := primary(at.expr); p != nil && p.Dims != nil {
		if p.Dims.Err != "" {
			c.errorf(p.Pos, "%s", p.Dims.Err)
			return def1, def2, false
		}
		if len(p.Dims.Vals) != 2 {
			c.errorf(p.Pos, "%s: %s %s: want 2 dimensions (HxW), got %d", kind, key, p.Dims.Raw, len(p.Dims.Vals))
			return def1, def2, false
		}
		return p.Dims.Vals[0], p.Dims.Vals[1], true
	}
	if v, ok := pairParam(at.expr, en); ok {
		return v.i, v.j, true
	}
	v, ok := c.evalInt(at.expr, en)
	return v, v, ok
}

// pairParam returns the value of e if it is a lone pair-valued parameter.
func pairParam(e *dsl.Expr, en env) (value, bool) {
	if name, ok := bareIdent(e); ok {
		if v, ok := en[name]; ok && v.kind == pairValue {
			return v, true
		}
	}
	return value{}, false
}

// nameAttr returns an attribute whose value is a bare name or a string.
func (c *checker) nameAttr(kind string, a attrs, key string) (string, dsl.Pos, bool) {
	at, ok := a.vals[key]
	if !ok {
		return "", dsl.Pos{}, false
	}
	if p := primary(at.expr); p != nil {
		if p.Ident != nil {
			return *p.Ident, p.Pos, true
		}
		if p.String != nil {
			if s, err := strconv.Unquote(*p.String); err == nil {
				return s, p.Pos, true
			}
		}
	}
	what := kind + ": " + key
	if key == kind {
		what = kind
	}
	c.errorf(at.expr.Pos, "%s: want a name, got %s", what, exprString(at.expr))
	return "", at.expr.Pos, false
}

func (c *checker) intAttr(a attrs, key string, en env, def int) (int, dsl.Pos, bool) {
	at, ok := a.vals[key]
	if !ok {
		return def, dsl.Pos{}, true
	}
	v, ok := c.evalInt(at.expr, en)
	return v, at.expr.Pos, ok
}

func (c *checker) floatAttr(a attrs, key string, en env, def float64) (float64, dsl.Pos, bool) {
	at, ok := a.vals[key]
	if !ok {
		return def, dsl.Pos{}, true
	}
	v, ok := c.evalFloat(at.expr, en)
	return v, at.expr.Pos, ok
}

// padAttr evaluates pad: N, HxW, (T, L, B, R), (H, W) or same (given the
// input size, kernel and stride: TensorFlow's SAME, the extra pixel at the end).
func (c *checker) padAttr(kind string, a attrs, en env, in ir.Shape, kh, kw, sh, sw int) (ir.Pad, bool) {
	at, ok := a.vals["pad"]
	if !ok {
		return ir.Pad{}, true
	}
	p := primary(at.expr)
	switch {
	case p != nil && p.Ident != nil && *p.Ident == "same":
		var pad ir.Pad
		pad.Top, pad.Bottom = geom.Same(in.H, kh, sh)
		pad.Left, pad.Right = geom.Same(in.W, kw, sw)
		return pad, true
	case p != nil && p.Ident != nil && en[*p.Ident].kind == pairValue, p != nil && p.Dims != nil:
		h, w, ok := c.pair(kind, a, "pad", en, 0, 0)
		return ir.Pad{Top: h, Left: w, Bottom: h, Right: w}, ok
	case p != nil && p.Paren != nil && len(p.Paren) > 1:
		var v []int
		ok := true
		for _, e := range p.Paren {
			x, ok2 := c.evalInt(e, en)
			ok = ok && ok2
			v = append(v, x)
		}
		if !ok {
			return ir.Pad{}, false
		}
		switch len(v) {
		case 2:
			return ir.Pad{Top: v[0], Left: v[1], Bottom: v[0], Right: v[1]}, true
		case 4:
			return ir.Pad{Top: v[0], Left: v[1], Bottom: v[2], Right: v[3]}, true
		}
		c.errorf(p.Pos, "%s: pad: want N, HxW, (H, W), (top, left, bottom, right) or same, got %d values", kind, len(v))
		return ir.Pad{}, false
	}
	v, ok := c.evalInt(at.expr, en)
	return ir.Pad{Top: v, Left: v, Bottom: v, Right: v}, ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quote(s string) string { return `"` + s + `"` }

// suggest returns the candidate closest to name by edit distance, if close enough.
// It does not modify cands.
func suggest(name string, cands []string) string {
	cands = append([]string(nil), cands...)
	sort.Strings(cands)
	best, bestD := "", 1<<30
	for _, c := range cands {
		if c == name {
			continue
		}
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(name) <= 3 {
		limit = 1
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
