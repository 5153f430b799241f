package compiler

import (
	_ "embed"
	"strings"

	"github.com/inccdev/incc/dsl"
)

//go:embed prelude.inc
var preludeSrc []byte

// PreludeFile is the file name positions in the prelude carry.
const PreludeFile = "<prelude>"

// Prelude returns the source of the standard prelude, the blocks every spec
// can use (the Inception module among them).
func Prelude() []byte { return preludeSrc }

var prelude = func() *dsl.File {
	f, err := dsl.Parse(PreludeFile, preludeSrc)
	if err != nil {
		panic("compiler: prelude does not parse: " + err.Error())
	}
	return f
}()

// declarations records the prelude's blocks and the file's, which may
// replace them, and returns the file's networks.
func (c *checker) declarations(f *dsl.File) []*dsl.Network {
	for _, d := range prelude.Decls {
		if d.Block != nil {
			c.blocks[d.Block.Name.Name] = d.Block
		}
	}
	own := map[string]*dsl.Block{}
	var nets []*dsl.Network
	for _, d := range f.Decls {
		switch {
		case d.Block != nil:
			b := d.Block
			if prev, dup := own[b.Name.Name]; dup {
				c.errorf(b.Pos, "block %s redeclared (first at %s)", b.Name.Name, shortPos(prev.Pos))
				continue
			}
			if _, isKind := layers[b.Name.Name]; isKind {
				c.errorf(b.Pos, "block %s: the name of a built-in layer kind", b.Name.Name)
				continue
			}
			c.checkParams(b)
			own[b.Name.Name] = b
			c.blocks[b.Name.Name] = b
		case d.Network != nil:
			nets = append(nets, d.Network)
		}
	}
	return nets
}

func (c *checker) checkParams(b *dsl.Block) {
	seen := map[string]bool{}
	check := func(pos dsl.Pos, name string) {
		if seen[name] {
			c.errorf(pos, "block %s: parameter %s declared twice", b.Name.Name, name)
		}
		seen[name] = true
	}
	for _, p := range b.Params {
		check(p.Pos, p.Name)
		if p.Second != nil {
			check(p.Second.Pos, p.Second.Name)
			if p.Default != nil {
				c.errorf(p.Default.Pos, "block %s: a pair parameter cannot have a default", b.Name.Name)
			}
		}
	}
}

// findRecursion reports every block that calls itself, directly or through
// others, once, at the call that closes the cycle, and marks the blocks on
// the cycle so that their instances are not expanded.
func (c *checker) findRecursion(f *dsl.File) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		color[name] = grey
		stack = append(stack, name)
		for _, call := range calls(c.blocks[name].Body, nil) {
			callee := call.Name.Name
			if _, known := c.blocks[callee]; !known {
				continue
			}
			switch color[callee] {
			case white:
				visit(callee)
			case grey:
				i := indexOf(stack, callee)
				cycle := append(append([]string{}, stack[i:]...), callee)
				for _, b := range cycle {
					c.recursive[b] = true
				}
				c.errorf(call.Pos, "recursive block %s (%s)", callee, strings.Join(cycle, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	// Visit in declaration order, so that reports do not depend on map order.
	for _, file := range []*dsl.File{prelude, f} {
		for _, d := range file.Decls {
			if b := d.Block; b != nil && c.blocks[b.Name.Name] == b && color[b.Name.Name] == white {
				visit(b.Name.Name)
			}
		}
	}
}

// calls appends the block calls in a body, in source order.
func calls(b *dsl.Body, out []*dsl.Call) []*dsl.Call {
	if b == nil {
		return out
	}
	for _, s := range b.Stmts {
		switch {
		case s.Call != nil:
			out = append(out, s.Call)
		case s.Group != nil:
			out = calls(s.Group, out)
		case s.Layer != nil:
			out = calls(s.Layer.Body, out)
		}
	}
	return out
}
