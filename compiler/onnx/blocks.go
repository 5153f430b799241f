package onnx

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Blocks. Groups of statements that repeat with the same structure and
// labels but different numbers become one block with parameters; each
// group becomes a call, under the group's label, so every name stays what
// it was. Two passes:
//
//  1. units: groups of one convolution (or fc) followed by its batch norm
//     and activation, with a square kernel (torchvision's BasicConv2d,
//     Conv2dNormActivation), become one block, e.g.
//     basic(c, k = 1, s = 1, p = 0);
//  2. modules: going down the network from the top, the first group whose
//     structure occurs more than once becomes a block (all its
//     occurrences become calls), and the search does not go inside it:
//     GoogLeNet's nine Inception modules, ResNet's residual blocks.
//
// A number that is the same in every occurrence stays a literal; the
// others become parameters, one per distinct column of values (numbers
// always equal share one; one always k times another is written k * a).
// Parameters for kernel, stride, padding and groups get the most common
// value as a default.

type block struct {
	id     int // blocks are named last; skeletons tell them apart by id
	name   string
	params []*param
	body   []*stmt
	unit   bool
	// labels of the instances, for naming.
	labels []string
}

type param struct {
	name string
	role string
	def  *int
	// second marks the second parameter of a pair "a > b", the previous
	// one being the first.
	second bool
}

// pairs marks reduce > expand pairs: two parameters next to each other
// that are the widths of two statements next to each other in one
// sequence (GoogLeNet's 3x3 reduce and 3x3), written "r > n" as the
// prelude's inception block does.
func pairs(b *block) {
	index := map[string]int{}
	for i, p := range b.params {
		index[p.name] = i
	}
	// width is the parameter a statement's width is, if it is one.
	width := func(s *stmt) (int, bool) {
		var e *expr
		switch {
		case s.kind == sLayer && (s.op == "conv" || s.op == "fc"):
			for _, a := range s.args {
				if a.key == "out" {
					e = a.val
				}
			}
		case s.kind == sCall && len(s.args) > 0 && s.blk.params[0].role == "c":
			e = s.args[0].val
		}
		if e == nil || e.kind != eName {
			return 0, false
		}
		i, ok := index[e.name]
		return i, ok && b.params[i].def == nil
	}
	var walk func(stmts []*stmt)
	walk = func(stmts []*stmt) {
		for k := 0; k+1 < len(stmts); k++ {
			i, ok1 := width(stmts[k])
			j, ok2 := width(stmts[k+1])
			if ok1 && ok2 && j == i+1 && !b.params[i].second && !b.params[j].second &&
				(j+1 == len(b.params) || !b.params[j+1].second) {
				b.params[j].second = true
			}
		}
		for _, s := range stmts {
			walk(s.body)
		}
	}
	walk(b.body)
}

// slot is an integer in a statement that a parameter could replace.
type slot struct {
	e    *expr
	role string
}

// skeleton writes statements with every integer slot as '#': statements
// with the same skeleton differ only in those numbers. It also collects
// the slots in order.
func skeleton(stmts []*stmt, slots *[]slot) string {
	var b strings.Builder
	var wexpr func(e *expr, role string)
	wexpr = func(e *expr, role string) {
		switch e.kind {
		case eInt:
			b.WriteByte('#')
			if slots != nil {
				*slots = append(*slots, slot{e, role})
			}
		case eDims:
			for i, d := range e.dims {
				if i > 0 {
					b.WriteByte('x')
				}
				b.WriteString(strconv.Itoa(d))
			}
		case eFloat:
			b.WriteString(e.f)
		case eName:
			b.WriteString(e.name)
		case eMul:
			b.WriteString(strconv.Itoa(e.i) + "*" + e.name)
		case eTuple:
			b.WriteByte('(')
			for i, x := range e.elts {
				if i > 0 {
					b.WriteByte(',')
				}
				r := role
				if len(e.elts) > 1 {
					r = role + strconv.Itoa(i+1)
				}
				wexpr(x, r)
			}
			b.WriteByte(')')
		}
	}
	var w func(stmts []*stmt)
	w = func(stmts []*stmt) {
		b.WriteByte('{')
		for _, s := range stmts {
			b.WriteString(strconv.Quote(s.label))
			b.WriteByte(':')
			switch s.kind {
			case sLayer, sJoin:
				b.WriteString(s.op)
				for _, a := range s.args {
					b.WriteByte(' ')
					b.WriteString(a.key)
					if a.val != nil {
						b.WriteByte('=')
						wexpr(a.val, a.role)
					}
				}
				if s.kind == sJoin {
					w(s.body)
				}
			case sGroup:
				w(s.body)
			case sCall:
				b.WriteString("block" + strconv.Itoa(s.blk.id) + "(")
				for i, a := range s.args {
					if i > 0 {
						b.WriteByte(',')
					}
					wexpr(a.val, s.blk.params[i].name)
				}
				b.WriteByte(')')
			}
			b.WriteByte(';')
		}
		b.WriteByte('}')
	}
	w(stmts)
	return b.String()
}

// isUnit reports whether a group is one conv or fc with square kernel and
// its batch norm and activation.
func isUnit(s *stmt) bool {
	if s.kind != sGroup || len(s.body) == 0 || len(s.body) > 3 {
		return false
	}
	for i, x := range s.body {
		if x.kind != sLayer {
			return false
		}
		switch {
		case i == 0 && x.op == "conv":
			if x.args[0].val.kind != eInt {
				return false // a kernel like 1x7 cannot be a parameter
			}
		case i == 0 && x.op == "fc":
		case i > 0 && (x.op == "batchnorm" || activations[x.op]):
		default:
			return false
		}
	}
	return true
}

// extractor finds and makes the blocks of a network.
type extractor struct {
	blocks []*block
	made   int
}

// walk calls f on every group in stmts, in pre-order, and goes inside a
// group when f returns true.
func walkGroups(stmts []*stmt, f func(s *stmt) bool) {
	for _, s := range stmts {
		switch s.kind {
		case sGroup:
			if f(s) {
				walkGroups(s.body, f)
			}
		case sJoin:
			walkGroups(s.body, f)
		}
	}
}

func (x *extractor) run(top []*stmt) {
	// Units.
	byKey := map[string][]*stmt{}
	var keys []string
	walkGroups(top, func(s *stmt) bool {
		if isUnit(s) {
			k := skeleton(s.body, nil)
			if byKey[k] == nil {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], s)
			return false
		}
		return true
	})
	for _, k := range keys {
		if len(byKey[k]) >= 2 {
			x.make(byKey[k], true)
		}
	}
	// Modules, from the top down: first groups that hold a join (an
	// Inception module, a residual block), then groups of other
	// statements that occur at least three times (ResNet's stages).
	x.modules(top, func(s *stmt) bool { return hasJoin(s.body) }, 2)
	x.modules(top, func(s *stmt) bool { return true }, 3)
	x.inlineSingle(top)
	x.nameBlocks()
}

// hasJoin reports whether statements include a join at their level.
func hasJoin(stmts []*stmt) bool {
	for _, s := range stmts {
		if s.kind == sJoin {
			return true
		}
	}
	return false
}

// modules makes blocks of groups that ok accepts and that occur at least
// min times, the first such group found from the top first.
func (x *extractor) modules(top []*stmt, ok func(s *stmt) bool, min int) {
	for {
		counts := map[string]int{}
		walkGroups(top, func(s *stmt) bool {
			if len(s.body) > 0 && ok(s) {
				counts[skeleton(s.body, nil)]++
			}
			return true
		})
		key := ""
		walkGroups(top, func(s *stmt) bool {
			if key != "" {
				return false
			}
			if k := skeleton(s.body, nil); len(s.body) > 0 && ok(s) && counts[k] >= min {
				key = k
				return false
			}
			return true
		})
		if key == "" {
			return
		}
		var found []*stmt
		walkGroups(top, func(s *stmt) bool {
			if len(s.body) > 0 && ok(s) && skeleton(s.body, nil) == key {
				found = append(found, s)
				return false
			}
			return true
		})
		x.make(found, false)
	}
}

// inlineSingle puts back the body of every unit block called only once
// (one whose other instances went into a module block).
func (x *extractor) inlineSingle(top []*stmt) {
	for {
		calls := map[*block]int{}
		var count func(stmts []*stmt)
		count = func(stmts []*stmt) {
			for _, s := range stmts {
				if s.kind == sCall {
					calls[s.blk]++
				}
				count(s.body)
			}
		}
		count(top)
		for _, b := range x.blocks {
			count(b.body)
		}
		var single *block
		for _, b := range x.blocks {
			if calls[b] == 1 && b.unit {
				single = b
				break
			}
		}
		if single == nil {
			return
		}
		var replace func(stmts []*stmt)
		replace = func(stmts []*stmt) {
			for _, s := range stmts {
				if s.kind == sCall && s.blk == single {
					*s = stmt{label: s.label, kind: sGroup, body: single.substitute(s.args)}
				}
				replace(s.body)
			}
		}
		replace(top)
		var keep []*block
		for _, b := range x.blocks {
			if b != single {
				replace(b.body)
				keep = append(keep, b)
			}
		}
		x.blocks = keep
	}
}

// make turns groups with one skeleton into calls of a new block.
func (x *extractor) make(groups []*stmt, unit bool) {
	n := len(groups)
	cols := make([][]int, 0)
	var first []slot
	for i, g := range groups {
		var slots []slot
		skeleton(g.body, &slots)
		if i == 0 {
			first = slots
			cols = make([][]int, len(slots))
		}
		for j, s := range slots {
			cols[j] = append(cols[j], s.e.i)
		}
	}
	x.made++
	b := &block{id: x.made, unit: unit, body: cloneStmts(groups[0].body)}
	var bodySlots []slot
	skeleton(b.body, &bodySlots)
	// Columns that vary become parameters.
	type pcol struct {
		p    *param
		vals []int
	}
	var pcols []pcol
	args := make([][]*arg, n)
	for j, col := range cols {
		if constant(col) {
			continue
		}
		e := bodySlots[j].e
		role := first[j].role
		if role == "" {
			role = "n"
		}
		found := false
		for _, pc := range pcols {
			if (pc.p.role == role || widthLike(pc.p.role) && widthLike(role)) && slices.Equal(pc.vals, col) {
				*e = expr{kind: eName, name: pc.p.name}
				found = true
				break
			}
			if k, ok := multiple(pc.vals, col); ok && pc.p.role == role {
				*e = expr{kind: eMul, i: k, name: pc.p.name}
				found = true
				break
			}
		}
		if found {
			continue
		}
		p := &param{name: "\x00" + strconv.Itoa(len(pcols)), role: role}
		*e = expr{kind: eName, name: p.name}
		pcols = append(pcols, pcol{p, col})
	}
	// Names: the role, numbered when several share it. A role taken from
	// a parameter of a block called (c1) counts as its base (c).
	for _, pc := range pcols {
		pc.p.role = strings.TrimRight(pc.p.role, "0123456789")
		if pc.p.role == "" {
			pc.p.role = "n"
		}
	}
	count := map[string]int{}
	for _, pc := range pcols {
		count[pc.p.role]++
	}
	seen := map[string]int{}
	rename := map[string]string{}
	for _, pc := range pcols {
		r := pc.p.role
		name := r
		if count[r] > 1 {
			seen[r]++
			name = r + strconv.Itoa(seen[r])
		}
		rename[pc.p.name] = name
		pc.p.name = name
		switch r {
		case "k", "s", "p", "g":
			d := mode(pc.vals)
			pc.p.def = &d
		}
	}
	renameExprs(b.body, rename)
	// Parameters without defaults first.
	sort.SliceStable(pcols, func(i, j int) bool { return pcols[i].p.def == nil && pcols[j].p.def != nil })
	for _, pc := range pcols {
		b.params = append(b.params, pc.p)
	}
	pairs(b)
	for i := range groups {
		for _, pc := range pcols {
			args[i] = append(args[i], &arg{val: intExpr(pc.vals[i])})
		}
	}
	for i, g := range groups {
		b.labels = append(b.labels, g.label)
		*g = stmt{label: g.label, kind: sCall, args: args[i], blk: b}
	}
	x.blocks = append(x.blocks, b)
}

// widthLike roles may share a parameter: a depthwise convolution's groups
// is its width.
func widthLike(role string) bool { return role == "c" || role == "g" }

func constant(col []int) bool {
	for _, v := range col[1:] {
		if v != col[0] {
			return false
		}
	}
	return true
}

// multiple reports whether b is k·a for one integer k ≥ 2 in every row.
func multiple(a, b []int) (int, bool) {
	if a[0] == 0 || b[0]%a[0] != 0 {
		return 0, false
	}
	k := b[0] / a[0]
	if k < 2 {
		return 0, false
	}
	for i := range a {
		if a[i]*k != b[i] {
			return 0, false
		}
	}
	return k, true
}

// mode is the most common value, the smallest of a tie.
func mode(vals []int) int {
	count := map[int]int{}
	for _, v := range vals {
		count[v]++
	}
	best, bestN := 0, -1
	for v, c := range count {
		if c > bestN || c == bestN && v < best {
			best, bestN = v, c
		}
	}
	return best
}

func renameExprs(stmts []*stmt, rename map[string]string) {
	var re func(e *expr)
	re = func(e *expr) {
		if e == nil {
			return
		}
		if r, ok := rename[e.name]; ok && (e.kind == eName || e.kind == eMul) {
			e.name = r
		}
		for _, x := range e.elts {
			re(x)
		}
	}
	for _, s := range stmts {
		for _, a := range s.args {
			re(a.val)
		}
		renameExprs(s.body, rename)
	}
}

func cloneExpr(e *expr) *expr {
	if e == nil {
		return nil
	}
	c := *e
	c.dims = append([]int(nil), e.dims...)
	c.elts = nil
	for _, x := range e.elts {
		c.elts = append(c.elts, cloneExpr(x))
	}
	return &c
}

func cloneStmts(stmts []*stmt) []*stmt {
	out := make([]*stmt, len(stmts))
	for i, s := range stmts {
		c := *s
		c.args = make([]*arg, len(s.args))
		for j, a := range s.args {
			ca := *a
			ca.val = cloneExpr(a.val)
			c.args[j] = &ca
		}
		c.body = cloneStmts(s.body)
		out[i] = &c
	}
	return out
}

// instantiate returns the block's body with the arguments' values for its
// parameters (args are literal integers).
func (b *block) instantiate(args []*arg) []*stmt { return b.substitute(args) }

// substitute returns the block's body with each parameter replaced by the
// call's argument expression.
func (b *block) substitute(args []*arg) []*stmt {
	env := map[string]*expr{}
	for i, p := range b.params {
		env[p.name] = args[i].val
	}
	body := cloneStmts(b.body)
	var sub func(e *expr)
	sub = func(e *expr) {
		if e == nil {
			return
		}
		switch e.kind {
		case eName:
			if v, ok := env[e.name]; ok {
				*e = *cloneExpr(v)
			}
		case eMul:
			v := env[e.name]
			switch v.kind {
			case eInt:
				*e = expr{kind: eInt, i: e.i * v.i}
			case eName:
				*e = expr{kind: eMul, i: e.i, name: v.name}
			case eMul:
				*e = expr{kind: eMul, i: e.i * v.i, name: v.name}
			}
		case eTuple:
			for _, x := range e.elts {
				sub(x)
			}
		}
	}
	var walk func(stmts []*stmt)
	walk = func(stmts []*stmt) {
		for _, s := range stmts {
			for _, a := range s.args {
				sub(a.val)
			}
			walk(s.body)
		}
	}
	walk(body)
	return body
}

// reservedNames are words a block may not be called.
var reservedNames = map[string]bool{
	"block": true, "network": true, "input": true, "labels": true, "preprocess": true, "head": true,
	"conv": true, "maxpool": true, "avgpool": true, "adaptiveavgpool": true, "globalavgpool": true,
	"lrn": true, "batchnorm": true, "relu": true, "dropout": true, "flatten": true, "fc": true,
	"softmax": true, "identity": true, "concat": true, "add": true, "mul": true, "relu6": true,
	"clamp": true, "sigmoid": true, "hardsigmoid": true, "hardswish": true, "silu": true, "scale": true,
}

// nameBlocks names the blocks: after the common prefix of their
// instances' labels when there is a good one (inception3a ... inception5b:
// inception), else after their structure; blocks that would share a name
// are told apart by a label only one of them has.
func (x *extractor) nameBlocks() {
	base := make([]string, len(x.blocks))
	for i, b := range x.blocks {
		base[i] = labelPrefix(b.labels)
		if base[i] == "" {
			base[i] = structuralName(b)
		}
	}
	byBase := map[string][]int{}
	for i, n := range base {
		byBase[n] = append(byBase[n], i)
	}
	used := map[string]bool{}
	for i, b := range x.blocks {
		name := base[i]
		if group := byBase[name]; len(group) > 1 {
			if l := distinguishing(b, x.blocks, group); l != "" {
				name += "_" + l
			}
		}
		for k := 2; used[name]; k++ {
			name = base[i] + strconv.Itoa(k)
		}
		used[name] = true
		b.name = name
	}
}

func labelPrefix(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	p := labels[0]
	for _, l := range labels {
		if l == "" || l == "_" || isIndex(l) {
			return ""
		}
		for !strings.HasPrefix(l, p) {
			p = p[:len(p)-1]
		}
	}
	p = strings.ToLower(strings.TrimRight(p, "_."))
	if len(p) < 3 || !isIdent(p) || reservedNames[p] {
		return ""
	}
	return p
}

func structuralName(b *block) string {
	if b.unit {
		for _, a := range b.body[0].args {
			if a.key == "groups" {
				name := "grouped"
				if a.val.kind == eName && b.body[0].args[1].val.kind == eName && a.val.name == b.body[0].args[1].val.name {
					name = "depthwise"
				}
				if f := b.body[0].args[len(b.body[0].args)-1]; f.val == nil && activations[f.key] && f.key != "relu" {
					name += "_" + f.key
				}
				return name
			}
		}
		name := "basic"
		if a := b.body[len(b.body)-1].args; len(a) > 0 && a[len(a)-1].val == nil && activations[a[len(a)-1].key] && a[len(a)-1].key != "relu" {
			name += "_" + a[len(a)-1].key
		} else if last := b.body[len(b.body)-1]; activations[last.op] && last.op != "relu" {
			name += "_" + last.op
		}
		return name
	}
	if len(b.body) >= 1 && b.body[0].kind == sJoin {
		switch b.body[0].op {
		case "concat":
			return "mixed"
		case "add":
			return "residual"
		case "mul":
			return "gate"
		}
	}
	return "unit"
}

// distinguishing returns the first label in b's body that not all blocks
// of the group have.
func distinguishing(b *block, blocks []*block, group []int) string {
	common := map[string]int{}
	for _, i := range group {
		for l := range labelSet(blocks[i].body) {
			common[l]++
		}
	}
	var found string
	var walk func(stmts []*stmt)
	walk = func(stmts []*stmt) {
		for _, s := range stmts {
			if found != "" {
				return
			}
			if s.label != "" && s.label != "_" && isIdent(s.label) && common[s.label] < len(group) {
				found = s.label
				return
			}
			walk(s.body)
		}
	}
	walk(b.body)
	return found
}

func labelSet(stmts []*stmt) map[string]bool {
	out := map[string]bool{}
	var walk func(stmts []*stmt)
	walk = func(stmts []*stmt) {
		for _, s := range stmts {
			if s.label != "" {
				out[s.label] = true
			}
			walk(s.body)
		}
	}
	walk(stmts)
	return out
}
