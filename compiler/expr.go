package compiler

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/inccdev/incc/dsl"
)

// env maps block parameters (and loop variables) to their values.
type env map[string]value

// value is the value of a block parameter: an integer, a pair (1x7, for a
// kernel, stride, padding or size) or a float (for a scale, an epsilon, a
// rate or a clamp bound).
type value struct {
	kind valueKind
	i, j int // an integer is i; a pair is i x j
	f    float64
}

type valueKind int

const (
	intValue valueKind = iota
	pairValue
	floatValue
)

func intVal(v int) value { return value{kind: intValue, i: v} }

// String renders the value as the language writes it.
func (v value) String() string {
	switch v.kind {
	case pairValue:
		return fmt.Sprintf("%dx%d", v.i, v.j)
	case floatValue:
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	}
	return strconv.Itoa(v.i)
}

// with returns a copy of en with name bound to v.
func (en env) with(name string, v value) env {
	out := make(env, len(en)+1)
	for k, x := range en {
		out[k] = x
	}
	out[name] = v
	return out
}

// bareIdent returns the name if e is a lone identifier (no operators).
func bareIdent(e *dsl.Expr) (string, bool) {
	if p := primary(e); p != nil && p.Ident != nil {
		return *p.Ident, true
	}
	return "", false
}

// primary returns e's only primary if e is a lone, non-negated primary.
func primary(e *dsl.Expr) *dsl.Primary {
	if e == nil || len(e.Right) > 0 || len(e.Left.Right) > 0 || e.Left.Left.Neg {
		return nil
	}
	return e.Left.Left.Primary
}

// evalInt evaluates an integer expression. Every intermediate result must
// stay within ±dsl.MaxInt; errors are reported at the offending token and
// ok is false.
func (c *checker) evalInt(e *dsl.Expr, en env) (v int, ok bool) {
	v, ok = c.intTerm(e.Left, en)
	for _, r := range e.Right {
		w, ok2 := c.intTerm(r.Term, en)
		if !ok || !ok2 {
			ok = false
			continue
		}
		r0 := v
		if r.Op == "+" {
			v += w
		} else {
			v -= w
		}
		ok = c.bound(r.Pos, r0, r.Op, w, int64(v))
	}
	return v, ok
}

// bound reports an operation a op b whose result v is out of range, at the
// operator.
func (c *checker) bound(pos dsl.Pos, a int, op string, b int, v int64) bool {
	if v > dsl.MaxInt || v < -dsl.MaxInt {
		c.errorf(pos, "integer overflow: %d %s %d is out of range (max %d)", a, op, b, dsl.MaxInt)
		return false
	}
	return true
}

func (c *checker) intTerm(t *dsl.Term, en env) (int, bool) {
	v, ok := c.intUnary(t.Left, en)
	for _, r := range t.Right {
		w, ok2 := c.intUnary(r.Unary, en)
		if !ok || !ok2 {
			ok = false
			continue
		}
		switch r.Op {
		case "*":
			if !c.bound(r.Pos, v, "*", w, int64(v)*int64(w)) {
				ok = false
				continue
			}
			v *= w
		case "/", "%":
			if w == 0 {
				c.errorf(r.Unary.Pos, "division by zero")
				ok = false
				continue
			}
			if r.Op == "/" {
				v /= w
			} else {
				v %= w
			}
		}
	}
	return v, ok
}

func (c *checker) intUnary(u *dsl.Unary, en env) (int, bool) {
	v, ok := c.intPrimary(u.Primary, en)
	if u.Neg {
		v = -v
	}
	return v, ok
}

func (c *checker) intPrimary(p *dsl.Primary, en env) (int, bool) {
	switch {
	case p.Number != nil:
		if p.Number.Err != "" {
			c.errorf(p.Pos, "%s", p.Number.Err)
			return 0, false
		}
		if p.Number.IsFloat {
			c.errorf(p.Pos, "want an integer, got %s", p.Number.Raw)
			return 0, false
		}
		return p.Number.Int, true
	case p.Ident != nil:
		v, ok := en[*p.Ident]
		switch {
		case !ok:
			c.unknownName(p.Pos, *p.Ident, en)
			return 0, false
		case v.kind == pairValue:
			c.errorf(p.Pos, "%s is a pair (%s), want an integer (a pair is a kernel, stride, padding or size; it takes no arithmetic)", *p.Ident, v)
			return 0, false
		case v.kind == floatValue:
			c.errorf(p.Pos, "%s is a float (%s), want an integer", *p.Ident, v)
			return 0, false
		}
		return v.i, true
	case p.Paren != nil:
		if len(p.Paren) != 1 {
			c.errorf(p.Pos, "want an integer, got a tuple of %d", len(p.Paren))
			return 0, false
		}
		return c.evalInt(p.Paren[0], en)
	case p.Dims != nil:
		c.errorf(p.Pos, "want an integer, got dimensions %s", p.Dims.Raw)
	case p.String != nil:
		c.errorf(p.Pos, "want an integer, got string %s", *p.String)
	}
	return 0, false
}

// evalValue evaluates a block argument: a pair literal (1x7) or a
// parameter is taken as it is; an expression with a float in it is a
// float; anything else is an integer expression.
func (c *checker) evalValue(e *dsl.Expr, en env) (value, bool) {
	if p := primary(e); p != nil {
		switch {
		case p.Dims != nil:
			switch {
			case p.Dims.Err != "":
				c.errorf(p.Pos, "%s", p.Dims.Err)
				return value{}, false
			case len(p.Dims.Vals) != 2:
				c.errorf(p.Pos, "want a number or a pair (AxB), got %s", p.Dims.Raw)
				return value{}, false
			}
			return value{kind: pairValue, i: p.Dims.Vals[0], j: p.Dims.Vals[1]}, true
		case p.Ident != nil:
			if v, ok := en[*p.Ident]; ok {
				return v, true
			}
		}
	}
	if c.isFloat(e, en) {
		f, ok := c.evalFloat(e, en)
		return value{kind: floatValue, f: f}, ok
	}
	v, ok := c.evalInt(e, en)
	return intVal(v), ok
}

// isFloat reports whether e holds a float literal or a float parameter.
func (c *checker) isFloat(e *dsl.Expr, en env) bool {
	var expr func(e *dsl.Expr) bool
	unary := func(u *dsl.Unary) bool {
		p := u.Primary
		switch {
		case p.Number != nil:
			return p.Number.IsFloat
		case p.Ident != nil:
			return en[*p.Ident].kind == floatValue
		}
		for _, x := range p.Paren {
			if expr(x) {
				return true
			}
		}
		return false
	}
	term := func(t *dsl.Term) bool {
		if unary(t.Left) {
			return true
		}
		for _, r := range t.Right {
			if unary(r.Unary) {
				return true
			}
		}
		return false
	}
	expr = func(e *dsl.Expr) bool {
		if term(e.Left) {
			return true
		}
		for _, r := range e.Right {
			if term(r.Term) {
				return true
			}
		}
		return false
	}
	return expr(e)
}

// evalFloat evaluates an expression in float64 (integers are promoted, so
// 1/255 is a fraction).
func (c *checker) evalFloat(e *dsl.Expr, en env) (float64, bool) {
	v, ok := c.floatTerm(e.Left, en)
	for _, r := range e.Right {
		w, ok2 := c.floatTerm(r.Term, en)
		ok = ok && ok2
		if r.Op == "+" {
			v += w
		} else {
			v -= w
		}
	}
	return v, ok && c.finite(e.Pos, v)
}

func (c *checker) finite(pos dsl.Pos, v float64) bool {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		c.errorf(pos, "number out of range")
		return false
	}
	return true
}

func (c *checker) floatTerm(t *dsl.Term, en env) (float64, bool) {
	v, ok := c.floatUnary(t.Left, en)
	for _, r := range t.Right {
		w, ok2 := c.floatUnary(r.Unary, en)
		ok = ok && ok2
		switch r.Op {
		case "*":
			v *= w
		case "/":
			if w == 0 && ok {
				c.errorf(r.Unary.Pos, "division by zero")
				ok = false
			}
			v /= w
		case "%":
			c.errorf(r.Pos, "%% needs integers")
			ok = false
		}
	}
	return v, ok
}

func (c *checker) floatUnary(u *dsl.Unary, en env) (float64, bool) {
	p := u.Primary
	var v float64
	ok := true
	switch {
	case p.Number != nil:
		if p.Number.Err != "" {
			c.errorf(p.Pos, "%s", p.Number.Err)
			return 0, false
		}
		v = p.Number.Float
	case p.Paren != nil && len(p.Paren) == 1:
		v, ok = c.evalFloat(p.Paren[0], en)
	case p.Ident != nil && en[*p.Ident].kind == floatValue:
		v = en[*p.Ident].f
	case p.Ident != nil && en[*p.Ident].kind == pairValue:
		c.errorf(p.Pos, "%s is a pair (%s), want a number", *p.Ident, en[*p.Ident])
		return 0, false
	default:
		var i int
		i, ok = c.intPrimary(p, en)
		v = float64(i)
	}
	if u.Neg {
		v = -v
	}
	return v, ok
}

// exprString renders an expression for messages.
func exprString(e *dsl.Expr) string {
	s := termString(e.Left)
	for _, r := range e.Right {
		s += " " + r.Op + " " + termString(r.Term)
	}
	return s
}

func termString(t *dsl.Term) string {
	s := unaryString(t.Left)
	for _, r := range t.Right {
		s += " " + r.Op + " " + unaryString(r.Unary)
	}
	return s
}

func unaryString(u *dsl.Unary) string {
	s := ""
	if u.Neg {
		s = "-"
	}
	p := u.Primary
	switch {
	case p.Number != nil:
		return s + p.Number.Raw
	case p.Dims != nil:
		return s + p.Dims.Raw
	case p.Ident != nil:
		return s + *p.Ident
	case p.String != nil:
		return s + *p.String
	}
	parts := ""
	for i, e := range p.Paren {
		if i > 0 {
			parts += ", "
		}
		parts += exprString(e)
	}
	return fmt.Sprintf("%s(%s)", s, parts)
}
