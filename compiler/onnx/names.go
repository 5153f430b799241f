package onnx

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Names. A layer with weights gets a path (its weights are the path plus
// .weight, .bias, ...), chosen in this order:
//
//  1. the name of its weight tensor, when it has the form of a PyTorch
//     state_dict key ("inception3a.branch2.1.conv.weight" names the layer
//     inception3a.branch2.1.conv);
//  2. else the module scope of its node, as torch.onnx (1.13 and later)
//     writes node names: "/inception3a/branch2/branch2.1/conv/Conv" is the
//     module inception3a.branch2.1.conv. This is the case of batch norm
//     folded into the convolution by the exporter (the folded weights are
//     renamed "onnx::Conv_123"): the convolution keeps its module's name,
//     and its bias is the folded batch norm's shift;
//  3. else the node name, if it is not a generated one like "Conv_12",
//     its parts between slashes as path components ("inception_3a/1x1",
//     as Caffe and TensorFlow name layers);
//  4. else the kind and a count: conv1, conv2, ..., bn1, fc1.
//
// Layers without weights are placed by their module scope when there is
// one (a max pool in module maxpool1 is labelled maxpool1) and are
// otherwise unlabelled.

// torchScope parses a torch.onnx node name, "/scope/scope/.../OpType", into
// the full path of the module the node belongs to. Each scope is the
// module's name relative to an ancestor: its last non-numeric part and the
// numeric ones after it ("branch2.1", "layer1.0", "conv.0.0"); the parts it
// shares with the end of the enclosing module's path are merged.
func torchScope(name string) ([]string, bool) {
	if !strings.HasPrefix(name, "/") {
		return nil, false
	}
	parts := strings.Split(name[1:], "/")
	if len(parts) < 1 || parts[len(parts)-1] == "" {
		return nil, false
	}
	path := []string{}
	for _, sc := range parts[:len(parts)-1] {
		atoms := strings.Split(sc, ".")
		for _, a := range atoms {
			if a == "" {
				return nil, false
			}
		}
		// The largest overlap k < len(atoms) of the end of path with the
		// start of atoms.
		k := 0
		for j := min(len(atoms)-1, len(path)); j > 0; j-- {
			if slices.Equal(path[len(path)-j:], atoms[:j]) {
				k = j
				break
			}
		}
		path = append(path, atoms[k:]...)
	}
	return path, true
}

// paramPath returns the layer path of a weight named like a state_dict
// key: "a.b.weight" -> [a b].
func paramPath(vname string) ([]string, bool) {
	if strings.HasPrefix(vname, "onnx::") || strings.ContainsAny(vname, "/:\\\n\"") {
		return nil, false
	}
	p, ok := strings.CutSuffix(vname, ".weight")
	if !ok || p == "" {
		return nil, false
	}
	parts := strings.Split(p, ".")
	for _, a := range parts {
		if a == "" {
			return nil, false
		}
	}
	return parts, true
}

// nodePath is the path a node name that is not torch.onnx's gives: its
// parts between slashes ("inception_3a/1x1" as Caffe and TensorFlow name
// layers), dots made underscores; nil for names exporters make up.
func nodePath(name string) []string {
	if name == "" || strings.HasPrefix(name, "/") || generatedName.MatchString(name) {
		return nil
	}
	parts := strings.Split(strings.ReplaceAll(name, ".", "_"), "/")
	for _, p := range parts {
		if p == "" {
			return nil
		}
	}
	return parts
}

// generatedName matches node names exporters make up: an op type and a
// number ("Conv_12", "node_3", "Gemm_0") or a number alone.
var generatedName = regexp.MustCompile(`^([A-Za-z]+[_:]?)?\d+$`)

var kindAbbrev = map[string]string{"conv": "conv", "fc": "fc", "batchnorm": "bn"}

// nameLayers gives every layer node its path (hard, for layers with
// weights) or scope (soft).
func (g *graph) nameLayers() {
	counts := map[string]int{}
	taken := map[string]*node{}
	for _, n := range g.nodes {
		if n.layer == nil || n.skip {
			continue
		}
		scope, torch := torchScope(n.name)
		own := nodePath(n.name)
		switch {
		case torch:
			n.soft = scope
		case own != nil:
			n.soft = own
		}
		if len(n.layer.weights) == 0 {
			continue
		}
		var path []string
		if len(n.layer.wnames) > 0 {
			path, _ = paramPath(n.layer.wnames[0])
		}
		if path == nil && torch && len(scope) > 0 {
			path = scope
			g.scoped = g.scoped || len(n.layer.wnames) > 0 && strings.HasPrefix(n.layer.wnames[0], "onnx::")
		}
		if path == nil && !torch && own != nil {
			path = own
		}
		if path == nil || conflicts(taken, path) {
			k := kindAbbrev[n.layer.kind]
			for {
				counts[k]++
				path = []string{k + strconv.Itoa(counts[k])}
				if !conflicts(taken, path) {
					break
				}
			}
		}
		n.hard = path
		taken[strings.Join(path, ".")] = n
	}
}

// conflicts reports whether path is taken, or is a prefix of a taken path
// or has one as its prefix (a layer cannot also be a group of layers).
func conflicts(taken map[string]*node, path []string) bool {
	full := strings.Join(path, ".")
	if _, ok := taken[full]; ok {
		return true
	}
	for i := 1; i < len(path); i++ {
		if _, ok := taken[strings.Join(path[:i], ".")]; ok {
			return true
		}
	}
	for k := range taken {
		if strings.HasPrefix(k, full+".") {
			return true
		}
	}
	return false
}

// labelText is how a path component is written as a label: bare if it is
// an identifier, else quoted.
func labelText(s string) string {
	if isIdent(s) {
		return s
	}
	return strconv.Quote(s)
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func isIdent(s string) bool { return identRE.MatchString(s) }

func isIndex(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func pathString(p []string) string {
	if len(p) == 0 {
		return "(top level)"
	}
	return fmt.Sprint(strings.Join(p, "."))
}
