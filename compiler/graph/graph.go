// Package graph draws a checked network as a Graphviz DOT picture for a
// person: modules (block instances) and side heads as boxes around their
// branches, batch norm, ReLU and dropout folded into the layer before them,
// and the shape of every tensor on its edge. It reads only the IR; the
// network's DAG is ordered with gonum's topological sort.
package graph

import (
	"fmt"
	"io"
	"sort"
	"strings"

	gograph "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/inccdev/incc/compiler/ir"
)

// Order returns the op indices of n in a topological order of its DAG
// (stable: ties keep the IR's order). It fails only on a cycle, which a
// checked network cannot have.
func Order(n *ir.Network) ([]int, error) {
	g := simple.NewDirectedGraph()
	for i := range n.Ops {
		g.AddNode(simple.Node(i))
	}
	for i := range n.Ops {
		for _, in := range n.Ops[i].In {
			if p := n.Values[in].Producer; p >= 0 && p != i {
				g.SetEdge(g.NewEdge(simple.Node(p), simple.Node(i)))
			}
		}
	}
	sorted, err := topo.SortStabilized(g, func(ns []gograph.Node) {
		sort.Slice(ns, func(a, b int) bool { return ns[a].ID() < ns[b].ID() })
	})
	if err != nil {
		return nil, fmt.Errorf("graph: network %s has a cycle", n.Name)
	}
	order := make([]int, len(sorted))
	for i, nd := range sorted {
		order[i] = int(nd.ID())
	}
	return order, nil
}

// Options select what is drawn.
type Options struct {
	Heads bool // draw side heads
}

// node is how one kind of op is drawn.
type node struct {
	// fold, if set, draws the op inside the node of the layer before it
	// (when it alone reads that layer), as "+ fold".
	fold string
	// what is the second line of the label: what the op computes.
	what func(op *ir.Op) string
	// join draws the op as a small circle holding only what (concat, add).
	join bool
	// fill is the fill colour, "" for the default.
	fill string
}

const (
	poolFill = "#e8f4e8"
	headFill = "#f8f0dd" // fully connected layers and softmax
)

// nodes holds every kind's drawing; TestNodes names a kind missing.
var nodes = map[ir.Kind]node{
	ir.KindConv: {what: func(op *ir.Op) string {
		c := op.Conv
		if c.Groups > 1 {
			return fmt.Sprintf("conv %dx%d/%d, %d, groups %d", c.KH, c.KW, c.SH, c.Out, c.Groups)
		}
		return fmt.Sprintf("conv %dx%d/%d, %d", c.KH, c.KW, c.SH, c.Out)
	}},
	ir.KindMaxPool: {what: poolWhat("maxpool"), fill: poolFill},
	ir.KindAvgPool: {what: poolWhat("avgpool"), fill: poolFill},
	ir.KindAdaptiveAvgPool: {fill: poolFill, what: func(op *ir.Op) string {
		return fmt.Sprintf("avgpool to %dx%d", op.Adaptive.H, op.Adaptive.W)
	}},
	ir.KindLRN:         {what: func(op *ir.Op) string { return fmt.Sprintf("lrn %d", op.LRN.Size) }},
	ir.KindBatchNorm:   {fold: "bn", what: kindName},
	ir.KindReLU:        {fold: "relu", what: kindName},
	ir.KindDropout:     {fold: "dropout", what: kindName},
	ir.KindFlatten:     {what: kindName},
	ir.KindFC:          {what: func(op *ir.Op) string { return fmt.Sprintf("fc %d", op.FC.Out) }, fill: headFill},
	ir.KindSoftmax:     {what: kindName, fill: headFill},
	ir.KindConcat:      {what: kindName, join: true},
	ir.KindAdd:         {what: kindName, join: true},
	ir.KindIdentity:    {what: kindName},
	ir.KindReLU6:       {fold: "relu6", what: kindName},
	ir.KindSigmoid:     {fold: "sigmoid", what: kindName},
	ir.KindHardSigmoid: {fold: "hardsigmoid", what: kindName},
	ir.KindHardSwish:   {fold: "hardswish", what: kindName},
	ir.KindSiLU:        {fold: "silu", what: kindName},
	ir.KindClamp: {fold: "clamp", what: func(op *ir.Op) string {
		return fmt.Sprintf("clamp %g %g", op.Clamp.Min, op.Clamp.Max)
	}},
	ir.KindScale: {fold: "scale", what: func(op *ir.Op) string { return fmt.Sprintf("scale %g", op.Scale.Factor) }},
	ir.KindMul:   {what: kindName, join: true},
}

func kindName(op *ir.Op) string { return strings.ToLower(op.Kind.String()) }

func poolWhat(kind string) func(op *ir.Op) string {
	return func(op *ir.Op) string {
		p := op.Pool
		what := fmt.Sprintf("%s %dx%d/%d", kind, p.KH, p.KW, p.SH)
		if p.Ceil {
			what += " ceil"
		}
		if p.ExcludePad {
			what += " excludepad"
		}
		return what
	}
}

// WriteDOT writes n as a DOT digraph.
func WriteDOT(w io.Writer, n *ir.Network, opt Options) error {
	order, err := Order(n)
	if err != nil {
		return err
	}
	consumers := make([]int, len(n.Values))
	for i := range n.Ops {
		for _, in := range n.Ops[i].In {
			consumers[in]++
		}
	}
	// node[v] is the drawn node that value v comes out of; ops folded into
	// their producer share its node.
	node := make([]string, len(n.Values))
	node[0] = "input"
	extra := map[string][]string{}
	owner := map[string]int{} // node -> op index that opened it
	drawn := func(i int) bool { return opt.Heads || n.Ops[i].Head == "" }
	for _, i := range order {
		op := &n.Ops[i]
		if !drawn(i) {
			continue
		}
		in := op.In[0]
		if tag := nodes[op.Kind].fold; tag != "" && len(op.In) == 1 && in != 0 && consumers[in] == 1 {
			p := node[in]
			extra[p] = append(extra[p], tag)
			node[op.Out] = p
			continue
		}
		id := fmt.Sprintf("n%d", i)
		node[op.Out] = id
		owner[id] = i
	}
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n", n.Name)
	b.WriteString("\trankdir=TB; ordering=out;\n\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f8\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("\tedge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n")
	fmt.Fprintf(&b, "\tinput [label=\"input\\n%v\", shape=oval, fillcolor=\"#dde8f8\"];\n", n.Input)
	// Modules with more than one node, and heads, become clusters.
	inModule := map[int]int{}
	for mi, m := range n.Modules {
		for i := m.First; i < m.End; i++ {
			inModule[i] = mi
		}
	}
	byModule := map[int][]string{}
	var loose []string
	for _, i := range order {
		op := &n.Ops[i]
		id := fmt.Sprintf("n%d", i)
		if _, ok := owner[id]; !ok || !drawn(i) {
			continue
		}
		prefix := ""
		mi, ok := inModule[i]
		if ok && clustered(n, n.Modules[mi]) {
			prefix = n.Modules[mi].Name + "."
		}
		lines := []string{fmt.Sprintf("%s [label=%q%s];", id, label(op, prefix, extra[id]), style(op))}
		if heads := branchHeads(n, op, node, consumers); len(heads) > 1 {
			// The branches of a join start side by side, in spec order
			// (ordering=out keeps the order of their edges from the fork),
			// as in the GoogLeNet paper's figure of the Inception module.
			lines = append(lines, "{rank=same; "+strings.Join(heads, "; ")+"}")
		}
		if prefix != "" {
			byModule[mi] = append(byModule[mi], lines...)
		} else {
			loose = append(loose, lines...)
		}
	}
	for _, l := range loose {
		fmt.Fprintf(&b, "\t%s\n", l)
	}
	for mi, m := range n.Modules {
		lines := byModule[mi]
		if len(lines) == 0 {
			continue
		}
		title := m.Name
		if m.Block {
			title = fmt.Sprintf("%s: %s(%s)", m.Name, m.Kind, args(m))
		} else if m.Kind == "head" {
			h := head(n, m.Name)
			title = fmt.Sprintf("%s: head at %s, loss weight %g", m.Name, h.AtName, h.Weight)
		}
		style := "rounded"
		if m.Head != "" {
			style = "rounded,dashed"
		}
		fmt.Fprintf(&b, "\tsubgraph %q {\n\t\tlabel=%q; style=%q; color=\"#7a7aa0\"; fontname=\"Helvetica\"; fontsize=12;\n", "cluster_"+m.Name, title, style)
		for _, l := range lines {
			fmt.Fprintf(&b, "\t\t%s\n", l)
		}
		b.WriteString("\t}\n")
	}
	// Edges, labelled with the shape that flows along them.
	for _, i := range order {
		op := &n.Ops[i]
		id := fmt.Sprintf("n%d", i)
		if _, ok := owner[id]; !ok || !drawn(i) {
			continue
		}
		for _, in := range op.In {
			fmt.Fprintf(&b, "\t%s -> %s [label=\"%v\"];\n", node[in], id, n.Shape(in))
		}
	}
	fmt.Fprintf(&b, "\toutput [label=\"output\\n%v\", shape=oval, fillcolor=\"#dde8f8\"];\n", n.Shape(n.Output))
	fmt.Fprintf(&b, "\t%s -> output;\n", node[n.Output])
	if opt.Heads {
		for _, h := range n.Heads {
			fmt.Fprintf(&b, "\t%q [label=\"%s output\\n%v\", shape=oval, fillcolor=\"#f8e8dd\"];\n", "out_"+h.Name, h.Name, n.Shape(h.Output))
			fmt.Fprintf(&b, "\t%s -> %q;\n", node[h.Output], "out_"+h.Name)
		}
	}
	b.WriteString("}\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// branchHeads returns, for a join op whose branches all start from one
// value, the drawn nodes that start them, in branch order; nil otherwise.
// A branch is followed back from the join's input through ops with one
// input, up to the op that reads the value the branches share.
func branchHeads(n *ir.Network, join *ir.Op, node []string, consumers []int) []string {
	if !nodes[join.Kind].join {
		return nil
	}
	fork := -1
	var heads []string
	for _, v := range join.In {
		op := n.Producer(v)
		for op != nil && len(op.In) == 1 && consumers[op.In[0]] == 1 && n.Producer(op.In[0]) != nil {
			op = n.Producer(op.In[0])
		}
		if op == nil || len(op.In) != 1 || fork >= 0 && op.In[0] != fork {
			return nil
		}
		fork = op.In[0]
		heads = append(heads, node[op.Out])
	}
	return heads
}

func clustered(n *ir.Network, m ir.Module) bool {
	return m.End-m.First > 1 && (m.Block || m.Kind == "head" || m.Kind == "sequence" || m.Kind == "concat" || m.Kind == "add")
}

func head(n *ir.Network, name string) ir.Head {
	for _, h := range n.Heads {
		if h.Name == name {
			return h
		}
	}
	return ir.Head{Name: name}
}

func args(m ir.Module) string {
	var parts []string
	for i := 0; i < len(m.Args); i++ {
		if m.Pairs[i] && i+1 < len(m.Args) {
			parts = append(parts, m.Args[i]+">"+m.Args[i+1])
			i++
			continue
		}
		parts = append(parts, m.Args[i])
	}
	return strings.Join(parts, ", ")
}

// label is a node's text: its name inside its module, what it computes,
// and the ops folded into it.
func label(op *ir.Op, prefix string, extra []string) string {
	nd := nodes[op.Kind]
	if nd.join {
		return nd.what(op)
	}
	what := nd.what(op)
	for _, e := range extra {
		what += " + " + e
	}
	return strings.TrimPrefix(op.Name, prefix) + "\n" + what
}

func style(op *ir.Op) string {
	nd := nodes[op.Kind]
	switch {
	case nd.join:
		return `, shape=circle, fillcolor="#ffffff", fontsize=9`
	case nd.fill != "":
		return fmt.Sprintf(`, fillcolor=%q`, nd.fill)
	}
	return ""
}
