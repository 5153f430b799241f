package dsl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/inccdev/incc/internal/golden"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// Characters the language has no use for.
		{"stray character", "network n {\n    conv 3x3 64 $\n}\n", `t.inc:2:17: invalid character "$"`},
		{"stray non-ASCII", "network n { é }", `t.inc:1:13: invalid character "é"`},
		{"invalid UTF-8", "network n {\xff}", `t.inc:1:12: invalid character "\xff"`},
		{"unterminated string", "network n {\n    \"abc: conv\n}\n", "t.inc:2:5: unterminated string"},
		{"string across lines", "network n { \"a\nb\": conv }", "t.inc:1:13: unterminated string"},

		// Top level.
		{"not a declaration", "conv 3x3\n", `t.inc:1:1: unexpected token "conv" (expected "block" or "network")`},
		{"stray closing brace", "network n {}\n}\n", `t.inc:2:1: unexpected token "}" (expected "block" or "network")`},
		{"network without name", "network {}", `t.inc:1:9: unexpected token "{" (expected a name)`},
		{"missing body", "network n\n", `t.inc:1:10: unexpected newline (expected "{")`},
		{"missing body at end", "network n", `t.inc:1:10: unexpected end of file (expected "{")`},
		{"body on next line", "network n\n{\n}\n", `t.inc:1:10: unexpected newline (expected "{")`},
		{"block without parameters", "block b {}", `t.inc:1:7: unexpected token "b" (expected a block name directly followed by "(")`},
		{"block with space before paren", "block b (x) {}", `t.inc:1:7: unexpected token "b" (expected a block name directly followed by "(")`},
		{"block missing body", "block b(x)\n", `t.inc:1:11: unexpected newline (expected "{")`},
		{"bad parameter", "block b(1) {}", `t.inc:1:9: unexpected token "1" (expected ")")`},
		{"parameter after comma", "block b(x, ) {}", `t.inc:1:12: unexpected token ")" (expected a parameter name)`},

		// Braces.
		{"unclosed brace", "network n {\n    conv 3x3 64\n", `t.inc:3:1: unexpected end of file (expected "}")`},
		{"unclosed nested brace", "network n {\n    x: {\n        conv\n}\n", `t.inc:5:1: unexpected end of file (expected "}")`},
		{"extra after statement", "network n {\n    conv 3x3 > 64\n}\n", `t.inc:2:14: unexpected token ">" (expected newline, ";" or "}")`},
		{"assignment", "network n { a = b }", `t.inc:1:15: unexpected token "=" (expected newline, ";" or "}")`},
		{"colon without label", "network n {\n    : conv\n}\n", `t.inc:2:5: unexpected token ":" (expected a statement or "}")`},
		{"string without colon", "network n { \"x\" }", `t.inc:1:13: unexpected string "x" (expected a statement or "}")`},

		// Labels.
		{"label with nothing after it", "network n {\n    x:\n}\n", `t.inc:2:7: unexpected newline (expected a layer, a block call or "{")`},
		{"label at end of body", "network n { x: }", `t.inc:1:16: unexpected token "}" (expected a layer, a block call or "{")`},
		{"label before number", "network n { x: 3 }", `t.inc:1:16: unexpected token "3" (expected a layer, a block call or "{")`},
		{"two labels", "network n { x: y: conv }", `t.inc:1:17: unexpected token ":" (expected newline, ";" or "}")`},

		// Calls and parentheses.
		{"unclosed call", "network n {\n    x: inc(1, 2\n}\n", `t.inc:2:16: unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)`},
		{"newline inside call", "network n {\n    x: inc(1,\n        2)\n}\n", `t.inc:2:14: unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)`},
		{"newline after open paren", "network n {\n    x: inc(\n1)\n}\n", `t.inc:2:12: unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)`},
		{"newline in parameters", "block b(x,\n    y) {}", `t.inc:1:11: unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)`},
		{"newline in tuple", "network n {\n    mean (1,\n 2)\n}\n", `t.inc:2:13: unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)`},
		{"empty argument", "network n { x: inc(1,, 2) }", `t.inc:1:22: unexpected token "," (expected an expression)`},
		{"trailing comma", "network n { x: inc(1, ) }", `t.inc:1:23: unexpected token ")" (expected an expression)`},
		{"pair without second", "network n { x: inc(1 > ) }", `t.inc:1:24: unexpected token ")" (expected an expression)`},
		{"key without value", "network n { x: inc(k = ) }", `t.inc:1:24: unexpected token ")" (expected an expression)`},
		{"unclosed paren at end", "network n { conv (1", `t.inc:1:20: unexpected end of file (expected ")")`},
		{"empty parens", "network n { conv () }", `t.inc:1:19: unexpected token ")" (expected an expression)`},
		{"dangling operator", "network n { conv 3 * }", `t.inc:1:22: unexpected token "}" (expected an expression)`},
		{"double minus", "network n { conv --3 }", `t.inc:1:19: unexpected token "-" (expected an expression)`},

		// Repetition, choice and interpolated labels.
		{"for without in", "network n { for i 1..3 { a } }", `t.inc:1:19: unexpected token "1" (expected "in")`},
		{"for without range", "network n { for i in 3 { a } }", `t.inc:1:24: unexpected token "{" (expected "..")`},
		{"for without end", "network n { for i in 1.. { a } }", `t.inc:1:26: unexpected token "{" (expected an expression)`},
		{"for without body", "network n { for i in 1..3\n}", `t.inc:1:26: unexpected newline (expected "{")`},
		{"if without condition", "network n { if { a } }", `t.inc:1:16: unexpected token "{" (expected an expression)`},
		{"if with dangling comparison", "network n { if a == { b } }", `t.inc:1:21: unexpected token "{" (expected an expression)`},
		{"if comparison in parentheses", "network n { if (a == 1) { b } }", `t.inc:1:19: unexpected token "==" (expected ")")`},
		{"else without body", "network n { if a { b } else c }", `t.inc:1:29: unexpected token "c" (expected "if" or "{")`},
		{"float without digits after the point", "network n { x 2. }", `t.inc:1:16: invalid character "." (a number has digits after its point, as in 2.0; a range is written 1..6)`},
		{"label brace unclosed", "network n { \"a{i\": x }", `t.inc:1:15: label "a{i": "{" without "}"`},
		{"label brace unopened", "network n { \"a}\": x }", `t.inc:1:15: label "a}": "}" without "{"`},
		{"label braces nested", "network n { \"a{b{c}}\": x }", `t.inc:1:15: label "a{b{c}}": "{" without "}"`},
		{"label braces empty", "network n { \"ab{ }\": x }", `t.inc:1:16: label "ab{ }": empty {} (write an integer expression in the braces)`},
		{"label expression", "network n { \"l{i +}\": x }", `t.inc:1:19: label "l{i +}": unexpected end of file (expected an expression)`},
		{"label bad escape", "network n { \"\\q{i}\": x }", `t.inc:1:14: label "\q{i}": invalid escape`},

		// Limits.
		{"deep parentheses", "network n { conv " + strings.Repeat("(", 100000), `t.inc:1:217: too deeply nested (more than 200 levels of parentheses and braces)`},
		{"deep braces", "network n " + strings.Repeat("{", 100000), `t.inc:1:211: too deeply nested (more than 200 levels of parentheses and braces)`},
		{"deep calls", "network n { " + strings.Repeat("f(", 300), `t.inc:1:411: too deeply nested (more than 200 levels of parentheses and braces)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.inc", []byte(tt.src))
			if err == nil {
				t.Fatalf("parsed, want error %s", tt.want)
			}
			if f != nil {
				t.Errorf("got a file with the error")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("got %T %v, want an ErrorList of one", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestParseNesting checks that nesting up to MaxNesting parses.
func TestParseNesting(t *testing.T) {
	src := "network n { conv " + strings.Repeat("(", MaxNesting-1) + "1" + strings.Repeat(")", MaxNesting-1) + " }"
	if _, err := Parse("t.inc", []byte(src)); err != nil {
		t.Fatal(err)
	}
	src = "network n " + strings.Repeat("{ ", MaxNesting) + strings.Repeat("} ", MaxNesting)
	if _, err := Parse("t.inc", []byte(src)); err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	src := `# c1
block b(x, y > z, w = 2) { conv 1x1 x }
network n {
    in: input 3x8x8   # c2
    q: b(1, 2 > 3, w = 4)
    "s t": { a; b }
    conv 2 * (x + 1) - 3 1.5 "str"
    big: x 99999999999 9x99999999999
}
`
	f, err := Parse("t.inc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "t.inc" {
		t.Errorf("Name = %q", f.Name)
	}
	if got := len(f.Comments); got != 2 || f.Comments[0].Text != "# c1" || f.Comments[1].Text != "# c2" || f.Comments[1].Pos.Line != 4 {
		t.Errorf("Comments = %+v", f.Comments)
	}
	blk := f.Decls[0].Block
	if blk.Name.Name != "b" || len(blk.Params) != 3 || blk.Params[1].Second.Name != "z" || blk.Params[2].Default == nil {
		t.Errorf("block = %s", dump(blk))
	}
	body := f.Decls[1].Network.Body
	if len(body.Stmts) != 5 || body.OneLine() {
		t.Fatalf("network body = %s", dump(body))
	}
	in := body.Stmts[0]
	if in.Label.Name() != "in" || in.Layer.Kind.Name != "input" || in.Layer.Args[0].Expr.Left.Left.Primary.Dims.Raw != "3x8x8" {
		t.Errorf("input = %s", dump(in))
	}
	if in.Pos.Line != 4 || in.Pos.Column != 5 || in.EndPos.Line != 4 || in.EndPos.Column != 20 {
		t.Errorf("input spans %v to %v, want 4:5 to 4:20", in.Pos, in.EndPos)
	}
	call := body.Stmts[1].Call
	if call.Name.Name != "b" || len(call.Args) != 3 || call.Args[2].Key.Name != "w" || call.Args[1].Second == nil {
		t.Errorf("call = %s", dump(call))
	}
	if s := body.Stmts[2]; s.Label.Name() != "s t" || !s.Group.OneLine() || len(s.Group.Stmts) != 2 {
		t.Errorf("group = %s", dump(s))
	}
	if n := body.Stmts[4].Layer.Args; len(n) != 2 ||
		n[0].Expr.Left.Left.Primary.Number.Err != "integer 99999999999 out of range (max 16777216)" ||
		n[1].Expr.Left.Left.Primary.Dims.Err != "integer 99999999999 out of range (max 16777216)" {
		t.Errorf("big = %s", dump(body.Stmts[4]))
	}
}

func TestParseForIf(t *testing.T) {
	src := `network n {
    for i in 1..k + 1 {
        "layer{i}_{2 * i}x": conv 1x1 8
    }
    if a == 1 || b != 2 && c { x } else if d { y } else { z }
    if e { w }
    if !f == 2 { v }
}
`
	f, err := Parse("t.inc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	body := f.Decls[0].Network.Body.Stmts
	loop := body[0].For
	if loop == nil || loop.Var.Name != "i" || loop.From.Left.Left.Primary.Number.Int != 1 || len(loop.To.Right) != 1 || len(loop.Body.Stmts) != 1 {
		t.Fatalf("for = %s", dump(body[0]))
	}
	l := loop.Body.Stmts[0].Label
	if len(l.Parts) != 5 || l.Parts[0].Text != "layer" || l.Parts[2].Text != "_" || l.Parts[4].Text != "x" || l.Parts[1].Expr == nil || l.Parts[3].Expr == nil {
		t.Fatalf("label parts = %s", dump(l.Parts))
	}
	// The expressions carry their positions in the file: 3:16 is the i of
	// {i}, 3:20 the 2 of {2 * i}.
	if e := l.Parts[1].Expr; e.Pos.Line != 3 || e.Pos.Column != 16 || *e.Left.Left.Primary.Ident != "i" {
		t.Errorf("{i} at %v: %s", e.Pos, dump(e))
	}
	if e := l.Parts[3].Expr; e.Pos.Line != 3 || e.Pos.Column != 20 || e.Left.Right[0].Unary.Pos.Column != 24 {
		t.Errorf("{2 * i} at %v: %s", e.Pos, dump(e))
	}
	cond := body[1].If
	if cond == nil || len(cond.Cond.Right) != 1 || len(cond.Cond.Right[0].Right) != 1 || cond.Cond.Left.Left.Op != "==" ||
		cond.ElseIf == nil || cond.ElseIf.Else == nil || cond.ElseIf.Else.Stmts[0].Layer.Kind.Name != "z" {
		t.Errorf("if = %s", dump(body[1]))
	}
	if s := body[2].If; s == nil || s.ElseIf != nil || s.Else != nil {
		t.Errorf("if without else = %s", dump(body[2]))
	}
	if s := body[3].If; s == nil || !s.Cond.Left.Left.Not || s.Cond.Left.Left.Op != "==" || body[1].If.Cond.Left.Left.Not {
		t.Errorf("negated if = %s", dump(body[3]))
	}
}

func TestGrammar(t *testing.T) {
	golden.Check(t, "testdata/grammar.ebnf", []byte(Grammar()+"\n"))
}

// TestParseLimits: a file beyond a limit fails at once, at the place it
// crosses it, with a message naming the limit, not the parser library's;
// a file within the limits parses.
func TestParseLimits(t *testing.T) {
	stmts := func(n int, stmt string) string {
		return "network n {\n    input 1x1x1\n" + strings.Repeat("    "+stmt+"\n", n) + "}\n"
	}
	// A million statements, the example that took 15 s and 1.6 GB.
	million := stmts(1000000, "relu")
	for _, tt := range []struct {
		name, src string
		want      string // "" to parse
	}{
		{"size", million, fmt.Sprintf("t.inc:1:1: file too large: %d bytes (at most %d)", len(million), MaxSize)},
		{"statements", stmts(MaxStatements, "relu"), fmt.Sprintf("t.inc:%d:5: too many statements: more than %d in one file", MaxStatements+1, MaxStatements)},
		{"statements-ok", stmts(MaxStatements-2, "relu"), ""},
		{"separators", "network n {" + strings.Repeat(";", MaxTokens) + "}", fmt.Sprintf("t.inc:1:%d: file too long: more than %d tokens", MaxTokens+9, MaxTokens)},
		{"tokens", "network n { conv " + strings.Repeat("1 ", MaxTokens) + "}", fmt.Sprintf("t.inc:1:%d: file too long: more than %d tokens", len("network n { conv ")+2*(MaxTokens-4)+1, MaxTokens)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.inc", []byte(tt.src))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}
