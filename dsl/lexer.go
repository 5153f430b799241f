package dsl

import "github.com/alecthomas/participle/v2/lexer"

// Lex is the lexer of .inc files. Rule order matters: Dims ("3x3",
// "3x224x224") before Int, Float before Int, Call ("inception(") before Ident,
// two-character operators before one-character ones. A float has digits on
// both sides of its point ("2.0", ".5"), so that "1..6" is a range.
// Newlines separate statements, so they are tokens; comments run from '#'
// to the end of the line and are kept in the token stream for the
// formatter, then elided by the parser. Stray catches any other character,
// so the parser, not the lexer, reports it, with a clear message.
var Lex = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
	{Name: "Dims", Pattern: `\d+(x\d+)+\b`},
	{Name: "Float", Pattern: `(\d+\.\d+|\.\d+)([eE][-+]?\d+)?|\d+[eE][-+]?\d+`},
	{Name: "Int", Pattern: `\d+`},
	{Name: "Call", Pattern: `[A-Za-z_][A-Za-z0-9_]*\(`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Newline", Pattern: `\n`},
	{Name: "Punct", Pattern: `\.\.|==|!=|<=|>=|&&|\|\||[{}();:,=+\-*/%<>!]`},
	{Name: "Space", Pattern: `[ \t\r]+`},
	{Name: "Stray", Pattern: `.`},
})
