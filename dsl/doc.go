// Package dsl is the syntax of incc's .inc language: lexer, grammar, AST with
// positions, positioned errors and their rendering, and the printer behind
// `incc fmt`. It gives no meaning to what it parses (that is package
// compiler) and imports nothing else of incc.
//
// # Syntax
//
// A file holds block declarations and one network. Statements are separated
// by newlines or ';'. Every statement is
//
//	[label:] kind arg arg ... [{ body }]     a layer, e.g. conv 3x3 64 stride 2 pad 1
//	[label:] name(arg, a > b, key = arg)    a block instance
//	[label:] { statements }                 a sequence
//
// Arguments are integer expressions (+ - * / % and parentheses over numbers
// and block parameters), dimensions such as 3x3 or 3x224x224, floats, quoted
// strings, bare names (attribute keys and flags such as stride or ceil) and
// tuples (1, 2, 3). Comments run from '#' to the end of the line.
//
// The grammar, as [Grammar] prints it, is in testdata/grammar.ebnf. The
// meaning of kinds and attributes is documented in package compiler and in
// the README's language reference.
package dsl
