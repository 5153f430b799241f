// Package compiler gives meaning to a parsed .inc file ([dsl.File]): it
// expands blocks, resolves names, checks every attribute and shape, and
// produces the IR ([ir.Network]) that every backend reads. All independent
// errors of a file are reported in one run, each positioned and, inside a
// block instance, with the trail of instances it came through.
//
// It imports dsl (the syntax) and compiler/ir (the meaning of each kind of
// op); never the backends, the runtime, jennifer or gonum.
//
// # Layout
//
//   - check.go: [Check], the checker's state and the scope a statement is
//     checked in. What depends on where a statement sits (its path, the
//     block parameters in scope, the side head, the block instances it
//     came through, whether its names were already reported) is a [scope]
//     value passed down, never state left behind for another frame.
//   - decls.go: declarations (the prelude, blocks, their parameters,
//     recursion).
//   - network.go: network statements (input, labels, preprocess, side
//     heads).
//   - stmt.go: statements (sequences, the for and if statements and the
//     blank label, whose statements are spliced into the sequence or join
//     around them, labels with their interpolated expressions, paths,
//     emitting ops).
//   - names.go: the names of ops, given once the whole network is known:
//     weight names must be unique (errors at the outermost statement where
//     two paths part), ops without weights are made unique.
//   - instance.go: block instantiation (binding arguments to parameters:
//     integers, pairs such as 1x7, floats).
//   - join.go: joins (concat, add, mul), whose branches read the same input.
//   - layer.go: the table of layer kinds: for each, the arguments it takes,
//     the attributes it requires, and a small builder that turns them into
//     an op of its IR kind. What an op means is not here: which attribute
//     values are allowed ([ir.CheckAttrs]), the output shape ([ir.Infer])
//     and the weights ([ir.Weights]) are the IR kind's, stated once in
//     compiler/ir/kinds.go; the checker positions their messages.
//   - attrs.go, expr.go: arguments, integer/float expressions and the
//     values of block parameters.
//   - prelude.inc: the standard blocks, in the language itself.
//
// # Design notes
//
// Where the layout departs from the plan it was written from, and why:
//
//   - A kind's "one function that infers and validates" is two in ir:
//     [ir.CheckAttrs] checks attribute values alone, [ir.Infer] the output
//     shape with what needs the inputs. The checker must report a
//     non-positive stride even when the input's shape is unknown after an
//     upstream error, and report it at the attribute; [ir.Validate] runs
//     both.
//   - The initializer of each weight is part of its kind's manifest
//     ([ir.WeightSpec].Init), not a rule on roles and fan-in kept twice:
//     the code generator names the runtime's constant of the same name,
//     the interpreter maps it by a table whose completeness is tested.
//   - Joins are rows of the checker's table too, marked with their IR
//     kind instead of a builder: their inputs are their branches.
//   - internal/geom also states which outputs a window tap reaches, which
//     the reference convolution (runtime/ref) and the code generator's
//     pooling share.
//
// # Limits
//
// Integers and tensor sizes are bounded by [dsl.MaxInt], a layer's weights
// by 16·[dsl.MaxInt], block expansion (and the statements of for loops) by
// a number of statements, a loop by as many iterations, block nesting by a
// depth, so that checking always ends quickly and every network that
// checks can be compiled.
package compiler
