package onnx

import (
	"slices"
	"strconv"
	"strings"
)

// The statements of the spec being written, before they become a dsl AST.
// Layers are written in a canonical form in which every integer that a
// block could take as a parameter is its own expression (kernel k, stride
// s, pad p, widths); blocks are found on this form and the defaults are
// dropped when it is printed.

type stmtKind int

const (
	sLayer stmtKind = iota
	sGroup          // { statements }
	sJoin           // concat/add/mul { branches }
	sCall           // a block call
)

type stmt struct {
	label string // "" none, "_" blank, else the label's text (unquoted)
	head  string // the module the statement stands for (its label, even where an index makes it unneeded)
	kind  stmtKind
	op    string  // layer or join kind; sCall: the block's name
	args  []*arg  // layer arguments; sCall: one per block parameter
	body  []*stmt // group statements or join branches
	node  *node   // sLayer: the node it came from
	blk   *block  // sCall
}

// arg is one layer argument: a flag, a keyed value, or a positional value.
type arg struct {
	key  string // attribute key ("stride"); a flag's name when val is nil
	pos  bool   // written positionally (key only names its role)
	val  *expr
	role string // what a block parameter taking this value is called
}

type exprKind int

const (
	eInt   exprKind = iota
	eDims           // AxB, not a parameter slot
	eFloat          // a float literal, as text
	eName           // an identifier: a parameter or a word
	eTuple          // (a, b, ...)
	eMul            // k * name, printed in parentheses
)

type expr struct {
	kind exprKind
	i    int
	dims []int
	f    string
	name string
	elts []*expr
}

func intExpr(v int) *expr { return &expr{kind: eInt, i: v} }

// floatExpr writes v as the shortest float32 literal that reads back to it.
func floatExpr(v float64) *expr {
	s := strconv.FormatFloat(v, 'g', -1, 32)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return &expr{kind: eFloat, f: s}
}

func flagArg(name string) *arg { return &arg{key: name} }

func keyArg(key string, v *expr, role string) *arg { return &arg{key: key, val: v, role: role} }

// square returns an argument for a pair: an int slot when both are equal,
// else a dims literal.
func pairExpr(a, b int) *expr {
	if a == b {
		return intExpr(a)
	}
	return &expr{kind: eDims, dims: []int{a, b}}
}

// padExpr writes padding: one slot if all sides are equal, (h, w) if
// symmetric, else (top, left, bottom, right).
func padExpr(p [4]int) *expr {
	switch {
	case p[0] == p[1] && p[1] == p[2] && p[2] == p[3]:
		return intExpr(p[0])
	case p[0] == p[2] && p[1] == p[3]:
		return &expr{kind: eTuple, elts: []*expr{intExpr(p[0]), intExpr(p[1])}}
	}
	return &expr{kind: eTuple, elts: []*expr{intExpr(p[0]), intExpr(p[1]), intExpr(p[2]), intExpr(p[3])}}
}

// layerStmt writes a layer in canonical form.
func layerStmt(n *node) *stmt {
	l := n.layer
	s := &stmt{kind: sLayer, op: l.kind, node: n}
	add := func(a ...*arg) { s.args = append(s.args, a...) }
	window := func() {
		k := pairExpr(l.kh, l.kw)
		if k.kind == eDims {
			add(&arg{key: "kernel", pos: true, val: k})
		} else {
			add(keyArg("kernel", k, "k"))
		}
	}
	stride := func() { add(keyArg("stride", pairExpr(l.sh, l.sw), "s")) }
	switch l.kind {
	case "conv":
		window()
		add(&arg{key: "out", pos: true, val: intExpr(l.out), role: "c"})
		stride()
		add(keyArg("pad", padExpr(l.pad), "p"))
		if l.groups > 1 {
			add(keyArg("groups", intExpr(l.groups), "g"))
		}
		if !l.bias {
			add(flagArg("nobias"))
		}
	case "maxpool", "avgpool":
		window()
		stride()
		add(keyArg("pad", padExpr(l.pad), "p"))
		if l.ceil {
			add(flagArg("ceil"))
		}
		if l.exclude {
			add(flagArg("excludepad"))
		}
	case "fc":
		add(&arg{key: "out", pos: true, val: intExpr(l.out), role: "c"})
		if !l.bias {
			add(flagArg("nobias"))
		}
	case "batchnorm":
		if float32(l.eps) != float32(1e-5) {
			add(keyArg("eps", floatExpr(l.eps), ""))
		}
	case "lrn":
		add(&arg{key: "size", pos: true, val: intExpr(l.size), role: "n"})
		if float32(l.alpha) != float32(1e-4) {
			add(keyArg("alpha", floatExpr(l.alpha), ""))
		}
		if float32(l.beta) != 0.75 {
			add(keyArg("beta", floatExpr(l.beta), ""))
		}
		if float32(l.k) != 1 {
			add(keyArg("k", floatExpr(l.k), ""))
		}
	case "dropout":
		add(&arg{key: "rate", pos: true, val: floatExpr(l.rate)})
	case "clamp":
		add(&arg{key: "min", pos: true, val: floatExpr(l.lo)}, &arg{key: "max", pos: true, val: floatExpr(l.hi)})
	case "scale":
		add(&arg{key: "factor", pos: true, val: floatExpr(l.scale)})
	}
	if l.act != "" {
		add(flagArg(l.act))
	}
	return s
}

// rel returns path without the prefix p, and whether p is its prefix.
func rel(path, p []string) ([]string, bool) {
	if len(path) < len(p) || !slices.Equal(path[:len(p)], p) {
		return nil, false
	}
	return path[len(p):], true
}

// hardHeads collects the first path component, below p, of every layer
// with weights in the items.
func hardHeads(items []*item, p []string, out map[string]bool) {
	for _, it := range items {
		if it.n.hard != nil {
			if r, ok := rel(it.n.hard, p); ok && len(r) > 0 {
				out[r[0]] = true
			} else {
				out["\x00stray"] = true
			}
		}
		for _, br := range it.branches {
			hardHeads(br, p, out)
		}
	}
}

// head is the component below p that an item belongs to: the one of its
// layers with weights if they share one, else its module scope's; "" if
// none (or if its layers are spread over several).
func head(it *item, p []string) (string, bool) {
	hs := map[string]bool{}
	hardHeads([]*item{it}, p, hs)
	// A join computed in the module p itself (x + self.conv(x)) stays at
	// this level, its branches labelled, unless two branches would get
	// the same label.
	if r, ok := rel(it.n.soft, p); it.branches != nil && ok && len(r) == 0 && it.n.soft != nil && distinctBranchHeads(it, p) {
		return "", false
	}
	switch {
	case len(hs) == 1:
		for h := range hs {
			if h == "\x00stray" {
				return "", false
			}
			return h, true
		}
	case len(hs) > 1:
		return "", false
	}
	if r, ok := rel(it.n.soft, p); ok && len(r) > 0 && it.branches == nil {
		return r[0], false
	}
	return "", false
}

// distinctBranchHeads reports whether no two branches of a join have the
// same single head.
func distinctBranchHeads(it *item, p []string) bool {
	seen := map[string]bool{}
	for _, br := range it.branches {
		hs := map[string]bool{}
		hardHeads(br, p, hs)
		if len(hs) != 1 {
			continue
		}
		for h := range hs {
			if seen[h] {
				return false
			}
			seen[h] = true
		}
	}
	return true
}

// emitter writes items as statements, labelled so that every layer with
// weights is named by its path.
type emitter struct {
	notes []string
}

// seq writes items as the statements of a sequence whose path is p.
func (e *emitter) seq(items []*item, p []string) []*stmt {
	var out []*stmt
	used := map[string]bool{}
	for i := 0; i < len(items); {
		h, hard := head(items[i], p)
		if h == "" {
			out = append(out, e.standalone(items[i], p, len(out)))
			i++
			continue
		}
		// The run of items with the same head; weightless items with
		// that scope join a run of layers with weights.
		j := i + 1
		for ; j < len(items); j++ {
			h2, hard2 := head(items[j], p)
			if h2 != h {
				break
			}
			hard = hard || hard2
		}
		run := items[i:j]
		i = j
		if !hard && (len(run) > 1 || !labelledSoft(run[0], p)) {
			for _, it := range run {
				out = append(out, e.standalone(it, p, len(out)))
			}
			continue
		}
		label := h
		if used[label] {
			// The same module in two places: the second gets another name.
			k := 2
			for used[label+"_"+strconv.Itoa(k)] {
				k++
			}
			label = h + "_" + strconv.Itoa(k)
			e.notes = append(e.notes, "layers of "+pathString(append(p, h))+" are not contiguous; the second part is named "+pathString(append(p, label)))
		}
		used[label] = true
		var s *stmt
		if len(run) == 1 && run[0].branches == nil && isExactly(run[0].n, p, h) {
			s = layerStmt(run[0].n)
		} else {
			s = &stmt{kind: sGroup, body: e.seq(run, append(p[:len(p):len(p)], h))}
		}
		s.head = label
		if !(isIndex(label) && label == strconv.Itoa(len(out))) {
			s.label = label
		}
		out = append(out, s)
	}
	unclash(out, p)
	return out
}

// unclash labels the unlabelled layers whose index is the label of another
// statement of the sequence (a pool at position 1 when the conv after it
// is "2") or a reserved name: with their module's index if it is free,
// else with their kind.
func unclash(out []*stmt, p []string, reserved ...string) {
	used := map[string]bool{}
	for _, r := range reserved {
		used[r] = true
	}
	for _, s := range out {
		if s.label != "" {
			used[s.label] = true
		}
	}
	for i, s := range out {
		if s.label != "" || s.kind != sLayer || !used[strconv.Itoa(i)] {
			continue
		}
		label := ""
		if r, ok := rel(s.node.soft, p); ok && len(r) == 1 && !used[r[0]] {
			label = r[0]
		}
		for k := 1; label == "" || used[label]; k++ {
			label = s.op + strconv.Itoa(k)
		}
		s.label = label
		used[label] = true
	}
}

// isExactly reports whether n's path (or scope, without weights) below p
// is exactly [h].
func isExactly(n *node, p []string, h string) bool {
	path := n.hard
	if path == nil {
		path = n.soft
	}
	r, ok := rel(path, p)
	return ok && len(r) == 1 && r[0] == h
}

// labelledSoft reports whether a weightless layer gets its module's name
// as a label: pools, LRN, dropout and the like do, activations and joins
// do not.
func labelledSoft(it *item, p []string) bool {
	if it.branches != nil || activations[it.n.layer.kind] || it.n.layer.kind == "flatten" {
		return false
	}
	r, ok := rel(it.n.soft, p)
	return ok && len(r) == 1 && !isIndex(r[0])
}

// standalone writes an item that is not labelled at this level.
// index is its position in its sequence (a join's own name).
func (e *emitter) standalone(it *item, p []string, index int) *stmt {
	if it.branches == nil {
		return layerStmt(it.n)
	}
	s := &stmt{kind: sJoin, op: it.n.layer.kind}
	for _, br := range it.branches {
		hs := map[string]bool{}
		hardHeads(br, p, hs)
		var b *stmt
		// The modules the branch's items belong to (items of none go with
		// the others).
		mods := map[string]bool{}
		for _, it := range br {
			if h, _ := head(it, p); h != "" {
				mods[h] = true
			}
		}
		switch {
		case len(hs) == 1 && len(mods) == 1 && !hs["\x00stray"]:
			// The branch is one module: labelled with its name.
			var h string
			for h = range mods {
			}
			if len(br) == 1 && br[0].branches == nil && isExactly(br[0].n, p, h) {
				b = layerStmt(br[0].n)
			} else {
				b = &stmt{kind: sGroup, body: e.seq(br, append(p[:len(p):len(p)], h))}
			}
			b.label = h
		case len(hs) > 0:
			// Several modules: a blank-labelled group at this level, whose
			// unlabelled statements must not take the join's own name.
			stmts := e.seq(br, p)
			unclash(stmts, p, strconv.Itoa(index))
			b = &stmt{kind: sGroup, label: "_", body: stmts}
		case len(br) == 1 && br[0].branches == nil:
			b = layerStmt(br[0].n)
		default:
			b = &stmt{kind: sGroup}
			for k, it := range br {
				b.body = append(b.body, e.standalone(it, p, k))
			}
		}
		s.body = append(s.body, b)
	}
	return s
}

// names computes the path of every layer statement as the checker names
// them: a label or the index in the sequence per level, "_" adding none;
// the branches of an unlabelled join that are labelled sit at the join's
// level.
func names(stmts []*stmt, p []string, out map[*node][]string) {
	for i, s := range stmts {
		nameStmt(s, i, p, out)
	}
}

func nameStmt(s *stmt, i int, p []string, out map[*node][]string) {
	name := s.label
	if name == "" {
		name = strconv.Itoa(i)
	}
	inner := append(p[:len(p):len(p)], name)
	if name == "_" {
		inner = p
	}
	switch s.kind {
	case sLayer:
		out[s.node] = inner
	case sGroup:
		names(s.body, inner, out)
	case sJoin:
		for j, br := range s.body {
			bp := inner
			if s.label == "" && br.label != "" {
				bp = p
			}
			nameStmt(br, j, bp, out)
		}
	case sCall:
		names(s.blk.instantiate(s.args), inner, out)
	}
}
