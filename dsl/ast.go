package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxInt bounds every integer literal and every value the checker computes,
// so that C·H·W and weight counts stay far from overflow.
const MaxInt = 1 << 24

// File is a parsed .inc file: block declarations and networks.
type File struct {
	Pos   Pos
	Decls []*Decl `parser:"(Newline | ';' | @@)*"`
	// Comments holds every comment of the file in order, for the formatter.
	Comments []Comment `parser:""`
	Name     string    `parser:""`
}

// Comment is a '#' comment.
type Comment struct {
	Pos  Pos
	Text string // including the '#'
}

// Decl is a top-level declaration.
type Decl struct {
	Pos     Pos
	Block   *Block   `parser:"  @@"`
	Network *Network `parser:"| @@"`
}

// Block declares a parameterized block:
//
//	block name(p1, p2 > p3, p4 = 1) { items }
type Block struct {
	Pos    Pos
	Name   *CallName `parser:"'block' @Call"`
	Params []*Param  `parser:"(@@ (',' @@)*)? ')'"`
	Body   *Body     `parser:"@@"`
}

// CallName is an identifier written directly before '(' (the token includes
// the parenthesis; Name does not).
type CallName struct {
	Pos  Pos
	Name string
}

// Capture implements participle's Capture interface.
func (c *CallName) Capture(values []string) error {
	c.Name = strings.TrimSuffix(values[0], "(")
	return nil
}

// Param is one block parameter: a name, or a pair "a > b" that takes two
// values, with an optional default for single names.
type Param struct {
	Pos     Pos
	Name    string `parser:"@Ident"`
	Second  *Ident `parser:"('>' @@)?"`
	Default *Expr  `parser:"('=' @@)?"`
}

// Ident is an identifier with its own position.
type Ident struct {
	Pos  Pos
	Name string `parser:"@Ident"`
}

// Network declares a network: network name { statements }.
type Network struct {
	Pos  Pos
	Name *Ident `parser:"'network' @@"`
	Body *Body  `parser:"@@"`
}

// Body is a brace-delimited list of statements, separated by newlines or ';'.
type Body struct {
	Pos    Pos
	Stmts  []*Stmt `parser:"'{' (Newline | ';' | @@)* '}'"`
	EndPos Pos
}

// OneLine reports whether the body was written on a single line.
func (b *Body) OneLine() bool { return b.Pos.Line == b.EndPos.Line }

// Stmt is one statement: an optional label, then a repetition, a choice, a
// block call, a bare group "{ ... }" or a layer (kind, arguments and an
// optional body). "for" and "if" are keywords: no layer kind has those names.
type Stmt struct {
	Pos    Pos
	Label  *Label `parser:"((?= (Ident | String) ':') @@ ':')?"`
	For    *For   `parser:"(  @@"`
	If     *If    `parser:"  | @@"`
	Call   *Call  `parser:"  | @@"`
	Group  *Body  `parser:"  | @@"`
	Layer  *Layer `parser:"  | @@ )"`
	EndPos Pos
}

// For repeats statements for each value of a variable, both bounds
// included: "for i in 1..6 { ... }".
type For struct {
	Pos  Pos
	Var  *Ident `parser:"'for' @@ 'in'"`
	From *Expr  `parser:"@@ '..'"`
	To   *Expr  `parser:"@@"`
	Body *Body  `parser:"@@"`
}

// If chooses statements by a condition: "if c { ... }", optionally followed,
// on the line of the closing brace, by "else { ... }" or "else if ...".
type If struct {
	Pos    Pos
	Cond   *Cond `parser:"'if' @@"`
	Then   *Body `parser:"@@"`
	ElseIf *If   `parser:"('else' ( @@"`
	Else   *Body `parser:"        | @@ ) )?"`
}

// Cond is a condition: comparisons joined by "&&", those by "||"
// ("&&" binds tighter). A comparison without an operator is true when its
// value is not zero.
type Cond struct {
	Pos   Pos
	Left  *And   `parser:"@@"`
	Right []*And `parser:"('||' @@)*"`
}

// And is comparisons joined by "&&".
type And struct {
	Pos   Pos
	Left  *Cmp   `parser:"@@"`
	Right []*Cmp `parser:"('&&' @@)*"`
}

// Cmp is an expression, or two compared: == != < <= > >=; a leading "!"
// negates it ("!a" is true when a is zero, "!a == b" when a differs from b).
type Cmp struct {
	Pos   Pos
	Not   bool   `parser:"@'!'?"`
	Left  *Expr  `parser:"@@"`
	Op    string `parser:"( @('==' | '!=' | '<=' | '>=' | '<' | '>')"`
	Right *Expr  `parser:"  @@ )?"`
}

// Label names a statement: an identifier or a quoted string. A quoted label
// may hold integer expressions in braces, evaluated when the statement is
// checked: "denselayer{i}", "conv{2 * k + 1}".
type Label struct {
	Pos   Pos
	Ident string `parser:"  @Ident"`
	Str   string `parser:"| @String"`
	// Parts is the quoted label split into text and expressions, set by
	// [Parse] when the label holds braces; nil otherwise.
	Parts []LabelPart `parser:""`
}

// LabelPart is a piece of an interpolated label: text, or an expression
// written in braces.
type LabelPart struct {
	Text string
	Expr *Expr
}

// Name returns the label's text (the string unquoted). For an interpolated
// label it is the text as written, braces included.
func (l *Label) Name() string {
	if l.Ident != "" {
		return l.Ident
	}
	s, err := strconv.Unquote(l.Str)
	if err != nil {
		return l.Str
	}
	return s
}

// Layer is "kind arg arg ... [body]", e.g. "conv 3x3 64 stride 2 pad 1" or
// "concat { ... }". The grammar accepts any kind and any arguments; the
// checker gives them meaning.
type Layer struct {
	Pos  Pos
	Kind *Ident `parser:"@@"`
	Args []*Arg `parser:"@@*"`
	Body *Body  `parser:"@@?"`
}

// Arg is one layer argument: an expression, which may be a bare identifier
// naming an attribute or flag ("stride", "ceil"), or a tuple "(1, 2, 3)".
type Arg struct {
	Pos  Pos
	Expr *Expr `parser:"@@"`
}

// Call instantiates a block: name(arg, arg > arg, key = arg).
type Call struct {
	Pos  Pos
	Name *CallName  `parser:"@Call"`
	Args []*CallArg `parser:"(@@ (',' @@)*)? ')'"`
}

// CallArg is a positional or named block argument, optionally a pair "a > b".
type CallArg struct {
	Pos    Pos
	Key    *Ident `parser:"((?= Ident '=') @@ '=')?"`
	Value  *Expr  `parser:"@@"`
	Second *Expr  `parser:"('>' @@)?"`
}

// Expr is a sum of terms.
type Expr struct {
	Pos   Pos
	Left  *Term     `parser:"@@"`
	Right []*OpTerm `parser:"@@*"`
}

// OpTerm is "+ term" or "- term".
type OpTerm struct {
	Pos  Pos
	Op   string `parser:"@('+' | '-')"`
	Term *Term  `parser:"@@"`
}

// Term is a product of unary expressions.
type Term struct {
	Pos   Pos
	Left  *Unary     `parser:"@@"`
	Right []*OpUnary `parser:"@@*"`
}

// OpUnary is "* x", "/ x" or "% x".
type OpUnary struct {
	Pos   Pos
	Op    string `parser:"@('*' | '/' | '%')"`
	Unary *Unary `parser:"@@"`
}

// Unary is an optionally negated primary.
type Unary struct {
	Pos     Pos
	Neg     bool     `parser:"@'-'?"`
	Primary *Primary `parser:"@@"`
}

// Primary is a literal, a name, or a parenthesized expression or tuple.
type Primary struct {
	Pos    Pos
	Number *Number `parser:"  @(Float | Int)"`
	Dims   *Dims   `parser:"| @Dims"`
	Ident  *string `parser:"| @Ident"`
	String *string `parser:"| @String"`
	Paren  []*Expr `parser:"| '(' @@ (',' @@)* ')'"`
}

// Number is a numeric literal: an integer (at most [MaxInt]) or a float.
// A literal out of range parses, with Err set; the checker reports it at
// the literal's position.
type Number struct {
	Raw     string
	IsFloat bool
	Int     int
	Float   float64
	Err     string
}

// Capture implements participle's Capture interface.
func (n *Number) Capture(values []string) error {
	n.Raw = values[0]
	if strings.ContainsAny(n.Raw, ".eE") {
		n.IsFloat = true
		f, err := strconv.ParseFloat(n.Raw, 64)
		if err != nil || math.IsInf(f, 0) {
			n.Err = fmt.Sprintf("number %s out of range", n.Raw)
			return nil
		}
		n.Float = f
		return nil
	}
	v, err := parseBounded(n.Raw)
	if err != nil {
		n.Err = err.Error()
		return nil
	}
	n.Int, n.Float = v, float64(v)
	return nil
}

func parseBounded(s string) (int, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > MaxInt {
		return 0, fmt.Errorf("integer %s out of range (max %d)", s, MaxInt)
	}
	return int(v), nil
}

// Dims is a literal "AxB" or "AxBxC". Err is set when a part is out of range.
type Dims struct {
	Raw  string
	Vals []int
	Err  string
}

// Capture implements participle's Capture interface.
func (d *Dims) Capture(values []string) error {
	d.Raw = values[0]
	for _, part := range strings.Split(d.Raw, "x") {
		v, err := parseBounded(part)
		if err != nil && d.Err == "" {
			d.Err = err.Error()
		}
		d.Vals = append(d.Vals, v)
	}
	return nil
}
