package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// call instantiates a block: it binds the arguments to the block's
// parameters and checks the body with them, under the instance's name.
// With q (a call labelled _ in a sequence), the body's statements join the
// sequence q instead of starting their own. It returns the output and the
// arguments, flattened in parameter order, as the language writes them.
func (c *checker) call(sc scope, s *dsl.Stmt, x val, q *seqState) (val, []string) {
	call := s.Call
	b, ok := c.blocks[call.Name.Name]
	if !ok {
		var cands []string
		for k := range c.blocks {
			cands = append(cands, k)
		}
		e := c.errorf(call.Pos, "undefined block %s", call.Name.Name)
		if sg := suggest(call.Name.Name, cands); sg != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", sg)
		} else if lk, isKind := layers[call.Name.Name]; isKind {
			e.Msg += fmt.Sprintf(" (%s is a layer kind: write %s without parentheses)", call.Name.Name, lk.args.doc)
		}
		return bad(x), nil
	}
	if c.recursive[b.Name.Name] {
		return bad(x), nil // reported by findRecursion
	}
	if len(c.trail) >= maxDepth {
		c.errorf(call.Pos, "blocks nested too deeply (more than %d)", maxDepth)
		return bad(x), nil
	}
	inner, ok := c.bindArgs(b, call, sc.env)
	if !ok {
		return bad(x), nil
	}
	var args []string
	for _, p := range b.Params {
		args = append(args, inner[p.Name].String())
		if p.Second != nil {
			args = append(args, inner[p.Second.Name].String())
		}
	}
	// The trail names an instance by its path, or, where the user wrote an
	// unlabeled call (named by its index) or a blank-labeled one, by the
	// call.
	frame := sc.name()
	if s.Label == nil || q != nil || blank(s) || frame == "" {
		frame = b.Name.Name + "()"
	}
	c.trail = append(c.trail, dsl.Frame{Name: frame, Pos: call.Pos})
	body := sc
	body.env = inner
	// The ops of this instance share the trail; a full slice expression
	// makes an append by a consumer copy it.
	body.opTrail = make([]ir.Pos, 0, len(c.trail))
	body.frames = make([]dsl.Frame, 0, len(c.trail))
	for i := len(c.trail) - 1; i >= 0; i-- {
		body.opTrail = append(body.opTrail, irPos(c.trail[i].Pos))
		body.frames = append(body.frames, c.trail[i])
	}
	body.opTrail = body.opTrail[:len(body.opTrail):len(body.opTrail)]
	body.frames = body.frames[:len(body.frames):len(body.frames)]
	var out val
	if q != nil {
		out = c.items(body, b.Body.Stmts, x, q)
	} else {
		out = c.seq(body, b.Body.Stmts, x, false)
	}
	c.trail = c.trail[:len(c.trail)-1]
	return out, args
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
	pairNames := map[string]bool{} // the halves of pair parameters (a > b), integers
	for _, p := range b.Params {
		names = append(names, p.Name)
		pairFirst = append(pairFirst, p.Second != nil)
		switch {
		case p.Second != nil:
			pairNames[p.Name], pairNames[p.Second.Name] = true, true
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
		var v value
		var ok2 bool
		if pairNames[name] {
			var i int
			i, ok2 = c.evalInt(e, en)
			v = intVal(i)
		} else {
			v, ok2 = c.evalValue(e, en)
		}
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
			v, ok2 := c.evalValue(d, inner)
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
