// Package onnx translates ONNX models into incc specs and their weights:
// the compiler's pipeline run backwards. A model is read into a graph with
// its constant subgraphs folded (the shape arithmetic exporters emit),
// its nodes are lowered to incc layers (some patterns of several nodes
// become one layer), the graph is written as nested sequences and joins,
// labelled so that weights keep their names, repeated groups become
// blocks, and the result is a dsl AST, printed by the dsl printer and
// checked by the compiler like a spec written by hand.
//
// The rules for names and blocks are in names.go and blocks.go. Package
// onnx imports dsl, compiler and compiler/ir; it touches no files (external
// tensor data is read through an fs.FS).
package onnx

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/inccdev/incc/compiler"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/compiler/onnx/onnxpb"
	"github.com/inccdev/incc/dsl"
)

// Options control an import.
type Options struct {
	// Name is the network's name; by default it is made from Source.
	Name string
	// Source is the model's file name, as the header comment gives it.
	Source string
	// Dir holds the model's external tensor data (the model's directory);
	// nil if there is none.
	Dir fs.FS
	// Labels is the label set the spec declares (imagenet, mnist), if any.
	Labels string
}

// Weight is one tensor of the imported weights, named as the spec names
// it.
type Weight struct {
	Name  string
	Shape []int
	Data  []float32
}

// BlockInfo describes a block the importer found.
type BlockInfo struct {
	Name string
	// Params are the parameters as declared ("c", "k", "r > n").
	Params []string
	// Instances counts the block's instances in the expanded network
	// (a block called in another's body counts once per call of that one).
	Instances int
}

// Result is an imported model.
type Result struct {
	// Spec is the .inc source, formatted as incc fmt formats it.
	Spec []byte
	// Weights are in the order the spec's layers come.
	Weights []Weight
	Blocks  []BlockInfo
	// Network is the checked spec.
	Network *ir.Network
	// Notes are things the user should know (renamed layers).
	Notes []string
}

// Import translates a decoded model.
func Import(m *onnxpb.ModelProto, opt Options) (*Result, error) {
	g, err := read(m, opt.Dir)
	if err != nil {
		return nil, err
	}
	g.lower()
	if len(g.probs) > 0 {
		return nil, &Error{g.probs}
	}
	g.nameLayers()
	live := g.link()
	if len(live) < 2 {
		return nil, &Error{[]Problem{{Msg: "the model computes nothing: its output is its input"}}}
	}
	items, err := g.decompose(live)
	if err != nil {
		return nil, err
	}
	e := &emitter{}
	top := e.seq(items, nil)
	// The weights, named as the statements name their layers.
	paths := map[*node][]string{}
	names(top, nil, paths)
	x := &extractor{}
	x.run(top)
	res := &Result{Notes: e.notes}
	for _, n := range live {
		p, ok := paths[n]
		if !ok || n.layer == nil {
			continue
		}
		for _, w := range n.layer.weights {
			res.Weights = append(res.Weights, Weight{Name: strings.Join(p, ".") + "." + w.role, Shape: append([]int(nil), w.t.shape...), Data: w.t.f})
		}
	}
	for _, b := range x.blocks {
		bi := BlockInfo{Name: b.name}
		for _, p := range b.params {
			if p.second {
				bi.Params[len(bi.Params)-1] += " > " + p.name
				continue
			}
			bi.Params = append(bi.Params, p.name)
		}
		bi.Instances = len(b.labels)
		res.Blocks = append(res.Blocks, bi)
	}
	name := opt.Name
	if name == "" {
		name = netName(opt.Source)
	}
	if !isIdent(name) {
		return nil, fmt.Errorf("network name %q is not an identifier", name)
	}
	in := g.input.shape
	pre := []*stmt{{kind: sLayer, op: "input", args: []*arg{{pos: true, val: &expr{kind: eDims, dims: in[1:]}}}}}
	if opt.Labels != "" {
		pre = append(pre, &stmt{kind: sLayer, op: "labels", args: []*arg{{pos: true, val: &expr{kind: eName, name: opt.Labels}}}})
	}
	p := &astPrinter{}
	f := p.file(header(m, opt.Source, g.scoped), x.blocks, name, pre, top)
	res.Spec = dsl.Format(f)
	if err := verify(res, g); err != nil {
		return nil, err
	}
	return res, nil
}

// header is the comment that opens an imported spec: where it came from.
func header(m *onnxpb.ModelProto, source string, scoped bool) []string {
	from := path.Base(strings.ReplaceAll(source, `\`, "/"))
	if source == "" {
		from = "an ONNX model"
	}
	var opset int64
	for _, o := range m.OpsetImport {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			opset = o.GetVersion()
		}
	}
	by := ""
	if p := m.GetProducerName(); p != "" {
		by = ", made by " + p
		if v := m.GetProducerVersion(); v != "" {
			by += " " + v
		}
	}
	h := []string{fmt.Sprintf("# Imported by incc import from %s (ONNX opset %d%s).", from, opset, by)}
	if scoped {
		h = append(h, "# Weights the exporter renamed (onnx::..., as when it folds batch norm into the",
			"# convolutions) are named after their modules.")
	}
	return h
}

// netName makes a network name from a file name.
func netName(source string) string {
	base := path.Base(strings.ReplaceAll(source, `\`, "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	var b strings.Builder
	for _, c := range base {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || s == "." || s == "_" {
		return "imported"
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "net_" + s
	}
	return s
}

// verify parses and checks the spec written: it must read back to the
// same text, check, give the model's output shape, and name exactly the weights imported.
func verify(res *Result, g *graph) error {
	f, err := dsl.Parse("imported.inc", res.Spec)
	if err != nil {
		return fmt.Errorf("internal error: the spec written does not parse: %v\n%s", err, res.Spec)
	}
	if again := dsl.Format(f); string(again) != string(res.Spec) {
		return fmt.Errorf("internal error: the spec written is not in canonical form\n%s", res.Spec)
	}
	net, err := compiler.Check(f)
	if err != nil {
		return fmt.Errorf("internal error: the spec written does not check: %v\n%s", err, res.Spec)
	}
	res.Network = net
	out := net.Values[net.Output].Shape
	want := g.output.shape
	c, h, w := want[1], 1, 1
	if len(want) == 4 {
		h, w = want[2], want[3]
	}
	if out != (ir.Shape{C: c, H: h, W: w}) {
		return fmt.Errorf("internal error: the spec's output is %v, the model's %s", out, dims(want))
	}
	have := map[string][]int{}
	for _, wt := range res.Weights {
		have[wt.Name] = wt.Shape
	}
	n := 0
	var errs []string
	for _, op := range net.Ops {
		for _, p := range op.Params {
			n++
			s, ok := have[p.Name]
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("%s: not imported", p.Name))
			case !slices.Equal(s, p.Shape):
				errs = append(errs, fmt.Sprintf("%s: imported %v, the spec wants %v", p.Name, s, p.Shape))
			}
		}
	}
	if n != len(res.Weights) {
		errs = append(errs, fmt.Sprintf("%d weights imported, the spec has %d", len(res.Weights), n))
	}
	if len(errs) > 0 {
		return errors.New("internal error: the weights do not fit the spec written:\n\t" + strings.Join(errs, "\n\t") + "\n" + string(res.Spec))
	}
	return nil
}
