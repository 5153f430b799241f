package onnx

import (
	"fmt"
	"strconv"
	"strings"
)

// item is one element of the network as incc writes it: a layer, or a join
// (concat, add, mul) of branches that all start from the same value.
type item struct {
	n        *node
	branches [][]*item
}

func isJoin(n *node) bool {
	k := n.layer.kind
	return k == "concat" || k == "add" || k == "mul"
}

// resolve follows passthroughs and fused nodes to the node that computes a
// value.
func resolve(n *node) *node {
	for n != nil && n.skip {
		n = n.fwd
	}
	return n
}

// link sets every layer node's inputs (eins), fuses activations into the
// conv, fc or batchnorm before them, and returns the nodes the output
// depends on, in graph order.
func (g *graph) link() []*node {
	setIns := func() {
		for _, n := range g.nodes[1:] {
			if n.skip || n.layer == nil {
				continue
			}
			n.eins = n.eins[:0]
			if isJoin(n) {
				for _, p := range n.acts() {
					n.eins = append(n.eins, resolve(p))
				}
			} else {
				n.eins = append(n.eins, resolve(n.act(0)))
			}
		}
	}
	setIns()
	users := map[*node]int{}
	for _, n := range g.nodes[1:] {
		if !n.skip && n.layer != nil {
			for _, p := range n.eins {
				users[p]++
			}
		}
	}
	// The largest index below each path among the layers with weights:
	// an activation that is element k of an nn.Sequential stays a layer of
	// its own when a layer with weights comes later in that Sequential, so
	// that unlabelled statements keep PyTorch's indices.
	last := map[string]int{}
	inner := map[string]bool{} // paths of layers with weights and of modules holding them
	for _, n := range g.nodes[1:] {
		if n.hard != nil {
			inner[strings.Join(n.hard, ".")] = true
		}
		for i, c := range n.hard {
			inner[strings.Join(n.hard[:i], ".")] = true
			if isIndex(c) {
				k := strings.Join(n.hard[:i], ".")
				last[k] = max(last[k], atoi(c))
			}
		}
	}
	// parent is the Sequential an activation is an element of: its scope
	// ends with an index and holds nothing else (a module's own F.relu has
	// the module's scope, which holds the module's convolution).
	parent := func(n *node) (string, int, bool) {
		if s := n.soft; len(s) > 0 && isIndex(s[len(s)-1]) && !inner[strings.Join(s, ".")] {
			return strings.Join(s[:len(s)-1], "."), atoi(s[len(s)-1]), true
		}
		return "", 0, false
	}
	// Then all activations of that Sequential stay, for a regular spec.
	unfused := map[string]bool{}
	for _, n := range g.nodes[1:] {
		if !n.skip && n.layer != nil && activations[n.layer.kind] {
			if p, k, ok := parent(n); ok && last[p] > k {
				unfused[p] = true
			}
		}
	}
	for _, n := range g.nodes[1:] {
		if n.skip || n.layer == nil || !activations[n.layer.kind] {
			continue
		}
		if p, _, ok := parent(n); ok && unfused[p] {
			continue
		}
		p := n.eins[0]
		if p == nil || p == g.input || p.layer == nil || p.layer.act != "" || users[p] != 1 {
			continue
		}
		switch p.layer.kind {
		case "conv", "fc", "batchnorm":
			p.layer.act = n.layer.kind
			n.skip, n.fwd = true, p
		}
	}
	setIns()
	out := resolve(g.output)
	if out == nil {
		return nil
	}
	live := map[*node]bool{}
	var mark func(n *node)
	mark = func(n *node) {
		if n == nil || live[n] {
			return
		}
		live[n] = true
		for _, p := range n.eins {
			mark(p)
		}
	}
	mark(out)
	var nodes []*node
	for _, n := range g.nodes {
		if live[n] {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// decompose writes the layer DAG (live nodes, in topological order, the
// input first) as nested sequences and joins: the branches of a join run
// from its immediate dominator (the last value every path from the input
// to the join passes through) to its inputs. A graph that is not such a
// nesting (a value shared by branches of different joins, as in DenseNet)
// is reported at the first node used twice.
func (g *graph) decompose(live []*node) ([]*item, error) {
	idom := map[*node]*node{}
	depth := map[*node]int{g.input: 0}
	lca := func(a, b *node) *node {
		for a != b {
			for depth[a] > depth[b] {
				a = idom[a]
			}
			for depth[b] > depth[a] {
				b = idom[b]
			}
			if a != b {
				a, b = idom[a], idom[b]
			}
		}
		return a
	}
	for _, n := range live[1:] {
		var d *node
		for _, p := range n.eins {
			if p == nil {
				return nil, fmt.Errorf("internal error: %s has no input", n.what())
			}
			if d == nil {
				d = p
			} else {
				d = lca(d, p)
			}
		}
		idom[n] = d
		depth[n] = depth[d] + 1
	}
	seen := map[*node]bool{}
	var branches func(j, d *node, ins []*node) ([][]*item, error)
	var seq func(from, to *node) ([]*item, error)
	seq = func(from, to *node) ([]*item, error) {
		var rev []*item
		for cur := to; cur != from; {
			if cur == g.input || seen[cur] {
				return nil, &Error{[]Problem{{Op: cur.op, Node: cur.name, Msg: "its output is used by branches of different joins, " +
					"which incc cannot express: a concat or add joins branches that all start from one value (this is the case of DenseNet-like blocks)"}}}
			}
			seen[cur] = true
			it := &item{n: cur}
			if isJoin(cur) {
				d := idom[cur]
				brs, err := branches(cur, d, cur.eins)
				if err != nil {
					return nil, err
				}
				it.branches = brs
				rev = append(rev, it)
				cur = d
				continue
			}
			rev = append(rev, it)
			cur = cur.eins[0]
		}
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		return rev, nil
	}
	// branches returns the branches of a join from d to its inputs. Inputs
	// next to each other that share a path after d (PyTorch flattens
	// cat([a, cat([b(x), c(x)])]) into one Concat) are joined by a concat
	// of their own, nested in one branch: concatenation is associative.
	branches = func(j, d *node, ins []*node) ([][]*item, error) {
		var out [][]*item
		for i := 0; i < len(ins); {
			k, meet := i+1, ins[i]
			if j.layer.kind == "concat" {
				for k < len(ins) {
					m := lca(meet, ins[k])
					if m == d || ins[k] == d || ins[i] == d {
						break
					}
					meet = m
					k++
				}
			}
			if k == i+1 {
				br, err := seq(d, ins[i])
				if err != nil {
					return nil, err
				}
				out = append(out, br)
				i++
				continue
			}
			br, err := seq(d, meet)
			if err != nil {
				return nil, err
			}
			inner := &node{op: j.op, name: j.name, soft: j.soft, layer: &layer{kind: "concat"}}
			it := &item{n: inner}
			if it.branches, err = branches(inner, meet, ins[i:k]); err != nil {
				return nil, err
			}
			out = append(out, append(br, it))
			i = k
		}
		return out, nil
	}
	items, err := seq(g.input, live[len(live)-1])
	if err != nil {
		return nil, err
	}
	for _, n := range live[1:] {
		if !seen[n] {
			return nil, &Error{[]Problem{{Op: n.op, Node: n.name, Msg: "its output reaches the network output by more than one path outside a join, which incc cannot express"}}}
		}
	}
	return items, nil
}

func atoi(s string) int {
	v, _ := strconv.Atoi(s)
	return v
}
