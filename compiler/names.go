package compiler

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/inccdev/incc/compiler/ir"
)

// names gives every op its final name, once the whole network is known.
//
// The names of ops with weights are the prefixes of their weights' names,
// which must be unique and stable: two such ops with the same name are an
// error, reported once, at the outermost statement where their paths part
// (the second of two block instances with the same label, say); so are two
// that become the same Go identifier (dots and other characters become
// _), which generated code names them by.
//
// Ops without weights claim no name: theirs serve messages, drawings and
// generated identifiers. Where one would be the name (or Go identifier) of
// another op, it gets "#2", "#3", … appended, in the order the statements
// are written (a join before its branches), after every op with weights.
func (c *checker) names() {
	ops := c.net.Ops
	// The layers with weights, in the order their statements start.
	type entry struct {
		name string
		meta opMeta
	}
	var weighted []entry
	var weightless []int
	for i := range ops {
		if len(ops[i].Params) == 0 {
			weightless = append(weightless, i)
			continue
		}
		weighted = append(weighted, entry{ops[i].Name, c.meta[i]})
	}
	for _, p := range c.phantoms {
		weighted = append(weighted, entry{p.name, p.meta})
	}
	slices.SortStableFunc(weighted, func(a, b entry) int { return cmp.Compare(a.meta.claim, b.meta.claim) })
	byName := map[string]int{}  // names -> index in weighted
	byGo := map[string]int{}    // their Go identifiers
	holders := map[string]int{} // the dotted prefixes of those names -> an entry under it
	reported := map[int]bool{}  // statements reported (component ids)
	for i, e := range weighted {
		if e.meta.quiet {
			continue
		}
		dup := func(j int, msg string) { c.duplicate(weighted[j].meta.path, e.meta.path, reported, msg) }
		if j, ok := byName[e.name]; ok {
			dup(j, "")
			continue
		}
		// A layer with weights cannot hold others: PyTorch names a
		// module's parameters and its children alike.
		if j, ok := holders[e.name]; ok {
			dup(j, fmt.Sprintf("name %q is taken by the layers under it, such as %s at %%s (a layer with weights cannot hold other layers)", e.name, weighted[j].name))
			continue
		}
		if j, ok := inside(e.name, byName); ok {
			dup(j, fmt.Sprintf("name %q is taken by a layer with weights at %%s: it cannot hold %s", weighted[j].name, e.name))
			continue
		}
		g := ir.GoName(e.name)
		if j, ok := byGo[g]; ok {
			at := e.meta.path[len(e.meta.path)-1]
			if !reported[at.id] {
				reported[at.id] = true
				first := weighted[j].meta.path[len(weighted[j].meta.path)-1]
				c.errorAt(at, "name %q collides with %q at %s (both become %s in generated code)", e.name, weighted[j].name, shortPos(first.pos), g)
			}
			continue
		}
		byName[e.name], byGo[g] = i, i
		for k := range len(e.name) {
			if e.name[k] == '.' {
				if _, seen := holders[e.name[:k]]; !seen {
					holders[e.name[:k]] = i
				}
			}
		}
	}
	if len(c.errs) > 0 {
		return // the network is not returned
	}
	taken := map[string]bool{}
	for name := range byName {
		taken[name] = true
	}
	for g := range byGo {
		taken["go:"+g] = true
	}
	slices.SortStableFunc(weightless, func(a, b int) int { return cmp.Compare(c.meta[a].claim, c.meta[b].claim) })
	next := map[string]int{} // the next suffix to try for a name
	for _, i := range weightless {
		op := &ops[i]
		name := op.Name
		k := max(next[op.Name], 2)
		for ; taken[name] || taken["go:"+ir.GoName(name)]; k++ {
			name = fmt.Sprintf("%s#%d", op.Name, k)
		}
		next[op.Name] = k
		op.Name = name
		taken[name], taken["go:"+ir.GoName(name)] = true, true
	}
}

// inside returns the op of byName whose name is a dotted prefix of name.
func inside(name string, byName map[string]int) (int, bool) {
	for k := range len(name) {
		if name[k] == '.' {
			if j, ok := byName[name[:k]]; ok {
				return j, true
			}
		}
	}
	return 0, false
}

// duplicate reports that a layer with weights at path b has the name of
// the one at path a (or one inside it, or holding it; msg says so then,
// with a %s for the position of a's statement): at the outermost
// statement of b that is not a's.
func (c *checker) duplicate(a, b []component, reported map[int]bool, msg string) {
	k := 0
	for k < len(a)-1 && k < len(b)-1 && a[k].id == b[k].id {
		k++
	}
	first := a[k]
	if msg == "" && len(a) != len(b) {
		// The same name from other components (a quoted label with
		// dots): report the ops' own statements.
		k, first = len(b)-1, a[len(a)-1]
	}
	at := b[k]
	if reported[at.id] {
		return
	}
	reported[at.id] = true
	if msg != "" {
		c.errorAt(at, msg, shortPos(a[len(a)-1].pos))
		return
	}
	hint := ""
	if !at.labeled {
		hint = "; an unlabeled statement is named by its index"
	}
	c.errorAt(at, "duplicate name %q (first at %s%s)", pathName(b[:k+1]), shortPos(first.pos), hint)
}

// errorAt reports an error at the statement of a path component, with the
// block instances it came through.
func (c *checker) errorAt(p component, format string, args ...any) {
	e := c.errs.Add(p.pos, format, args...)
	e.Trail = p.frames
}
