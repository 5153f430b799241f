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
//	for i in from..to { statements }        repetition, both bounds included
//	if cond { statements } [else ...]       a choice; else follows "}" on its line
//
// A condition is comparisons (== != < <= > >=) of integer expressions joined
// by && and || (&& binds tighter); an expression alone is true when not
// zero. A quoted label may hold integer expressions in braces, as in
// "denselayer{i}": the checker evaluates them. "for" and "if" are keywords.
//
// Arguments are integer expressions (+ - * / % and parentheses over numbers
// and block parameters), dimensions such as 3x3 or 3x224x224, floats (with
// digits after the point: 2.0, .5, 1e-3), quoted
// strings, bare names (attribute keys and flags such as stride or ceil) and
// tuples (1, 2, 3). Comments run from '#' to the end of the line.
//
// Newlines end statements, so they are not allowed inside parentheses: a
// block call, a parameter list and a tuple are each written on one line.
// Parentheses and braces nest at most [MaxNesting] deep.
//
// Arguments are separated by spaces, so a '-' after an argument subtracts:
// the arguments of "pad 2 -1" are pad and 2 - 1, and "stride -1" is the one
// argument stride - 1. Write a negative argument in parentheses: "(-1)".
//
// [Format] prints a file in its canonical layout, as `incc fmt` does.
//
// The grammar, as [Grammar] prints it, is in testdata/grammar.ebnf. The
// meaning of kinds and attributes is given by package compiler (the
// syntax of each layer kind, layer.go) and compiler/ir (what each kind of
// op computes, kinds.go), and documented in the README's language
// reference.
package dsl
