package compiler

import (
	"fmt"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// maxStmts bounds the statements checked after block expansion, so that
// blocks calling blocks several times each cannot blow up exponentially,
// and so that every network that checks compiles to Go of a size go build
// handles in seconds (about a kilobyte of Go per layer: 4 MB at most). It
// is the same as a file's limit (dsl.MaxStatements); the largest real
// networks take a few hundred.
const maxStmts = dsl.MaxStatements

// maxDepth bounds block nesting, as a guard beside the recursion check.
const maxDepth = 64

// val is a value during checking; ok is false after an error upstream, which
// silences shape checks downstream (one mistake, one message).
type val struct {
	id    int
	shape ir.Shape
	ok    bool
}

func bad(x val) val { x.ok = false; return x }

// scope is where a statement is checked, passed down by value: nothing of
// it outlives the statement.
type scope struct {
	// path is the statement's enclosing path: the components (labels and
	// indices) around it, each with the statement that gave it.
	path []component
	// joinOuter, for a statement that is an unlabeled join directly inside
	// an unlabeled join, is the path its labeled branches are named under
	// (that of the outer join's labeled branches): unlabeled joins add no
	// component, however deeply nested.
	joinOuter []component
	// env holds the block parameters and loop variables in scope.
	env env
	// head is the side head being checked, "" in the trunk.
	head string
	// opTrail is the block instantiations the statement came through,
	// innermost first, as the IR records them; the ops of one instance
	// share the slice. frames is the same as the errors report it.
	opTrail []ir.Pos
	frames  []dsl.Frame
	// claim is the statement (a number in the order statements start)
	// whose ops are being emitted: ops without weights keep their names in
	// that order when two would be the same.
	claim int
	// quiet is set under a statement whose label was reported: its ops are
	// checked, but their names are not.
	quiet bool
}

// component is one component of a path and the statement that gave it.
type component struct {
	name    string
	pos     dsl.Pos
	id      int         // the statement's number, unique per instance
	frames  []dsl.Frame // the block instances it came through
	labeled bool
}

// name is the dotted path.
func (s scope) name() string { return pathName(s.path) }

func pathName(path []component) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.name)
	}
	return b.String()
}

// in returns the scope of a statement that adds the component p inside s.
func (s scope) in(p component) scope {
	s.path = append(s.path[:len(s.path):len(s.path)], p)
	s.joinOuter = nil
	return s
}

// opMeta is what the checker keeps about each op it emits, to give names
// once the whole network is known.
type opMeta struct {
	path  []component
	claim int
	quiet bool
}

// phantom is a layer with weights that was not emitted.
type phantom struct {
	name string
	meta opMeta
}

// checker holds what the whole check accumulates: the errors, the
// declared blocks, the network being built and what is known about its
// ops and names. What depends on where a statement is lives in [scope]
// instead; the one exception is trail, the stack of block instances that
// every error reports (errorf), pushed and popped by call.
type checker struct {
	errs   dsl.ErrorList
	blocks map[string]*dsl.Block
	net    *ir.Network
	// meta holds, for each op of net, where it was written (see names.go);
	// phantoms are the layers with weights that could not be emitted (their
	// input is unknown after an error), whose names are checked all the same.
	meta     []opMeta
	phantoms []phantom
	// labels maps top-level labels to the value after that statement, and
	// labelPos to where each was written (twice makes a head's attachment
	// point ambiguous).
	labels   map[string]val
	labelPos map[string][]dsl.Pos
	// heads maps side head names to where they were declared.
	heads map[string]dsl.Pos
	// trail is the block instances being expanded, outermost first.
	trail []dsl.Frame
	// inputOK is set when the input's shape is valid; shapes are checked
	// only then.
	inputOK bool
	// pos holds positions of network-level declarations.
	pos netPos
	// expanded counts the statements checked, up to maxStmts; nstmt
	// numbers them (component.id).
	expanded, nstmt int
	// recursive marks blocks that call themselves (see findRecursion).
	recursive map[string]bool
}

// Check gives meaning to a parsed file: it expands blocks, resolves names,
// infers every shape and produces the IR. All independent errors are
// reported in one [dsl.ErrorList], sorted by position.
func Check(f *dsl.File) (*ir.Network, error) {
	c := &checker{
		blocks:    map[string]*dsl.Block{},
		labels:    map[string]val{},
		labelPos:  map[string][]dsl.Pos{},
		heads:     map[string]dsl.Pos{},
		recursive: map[string]bool{},
	}
	nets := c.declarations(f)
	c.findRecursion(f)
	switch len(nets) {
	case 0:
		c.errorf(dsl.Pos{Filename: f.Name, Line: 1, Column: 1}, "no network declared")
	default:
		for _, n := range nets[1:] {
			c.errorf(n.Pos, "network %s: only one network per file (first is %s at %s)", n.Name.Name, nets[0].Name.Name, shortPos(nets[0].Pos))
		}
		c.network(f.Name, nets[0])
		c.names()
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return c.net, nil
}

// errorf reports an error at pos, with the trail of block instances being
// expanded.
func (c *checker) errorf(pos dsl.Pos, format string, args ...any) *dsl.Error {
	e := c.errs.Add(pos, format, args...)
	for i := len(c.trail) - 1; i >= 0; i-- {
		e.Trail = append(e.Trail, c.trail[i])
	}
	return e
}

func shortPos(p dsl.Pos) string { return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column) }

func irPos(p dsl.Pos) ir.Pos { return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column} }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}
