package onnx

import (
	"fmt"
	"io/fs"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/inccdev/incc/compiler/onnx/onnxpb"
)

// batchSym stands for the batch size in activation shapes: an incc network's
// batch is dynamic, whatever batch the model was exported with.
const batchSym = -1 << 40

// value is what a name in the graph stands for: a constant (initializers,
// Constant nodes and everything computed from constants only, folded as the
// graph is read) or an activation, the output of a node that depends on the
// network input.
type value struct {
	name string
	c    *tensor
	n    *node
	// bad is set when the value could not be computed. Using it is
	// silent ("-": the cause was reported) or an error with this message.
	bad string
}

// node is an operation on activations. The ONNX graph is read into nodes
// with constants folded into their inputs; lowering then gives each node
// its incc layer, or fuses it into another.
type node struct {
	id   int
	op   string // ONNX op type ("Input" for the network input)
	name string // ONNX node name
	a    attrs
	ins  []*value // by position; nil for an omitted optional input
	// shape is the output shape; shape[0] is batchSym.
	shape []int
	users []*node
	win   *window // Conv, MaxPool, AveragePool: resolved window attributes
	layer *layer
	// eins are the layer nodes the layer reads (after passthroughs and
	// fusions), nil for none; g.input stands for the network input.
	eins []*node
	// hard is the path of a layer with weights, soft the module a node
	// belongs to (see names.go).
	hard, soft []string
	// skip marks a node that lowering folded into its consumer or
	// producer; fwd is then the node that stands for its output.
	skip bool
	fwd  *node
}

// act returns the activation input at position i, nil if it is not one.
func (n *node) act(i int) *node {
	if i < len(n.ins) && n.ins[i] != nil {
		return n.ins[i].n
	}
	return nil
}

// cst returns the constant input at position i, nil if there is none.
func (n *node) cst(i int) *tensor {
	if i < len(n.ins) && n.ins[i] != nil {
		return n.ins[i].c
	}
	return nil
}

// acts returns the activation inputs in order.
func (n *node) acts() []*node {
	var out []*node
	for _, v := range n.ins {
		if v != nil && v.n != nil {
			out = append(out, v.n)
		}
	}
	return out
}

// what names a node in messages: its op type and name.
func (n *node) what() string {
	if n.name == "" {
		return n.op
	}
	return fmt.Sprintf("%s %q", n.op, n.name)
}

// Problem is one construct the importer cannot translate.
type Problem struct {
	Op   string // ONNX op type, "" for the model as a whole
	Node string // ONNX node name, "" if the node has none
	Msg  string // what is wrong and what would be needed
}

func (p Problem) String() string {
	switch {
	case p.Op == "":
		return p.Msg
	case p.Node == "":
		return p.Op + ": " + p.Msg
	}
	return fmt.Sprintf("%s %q: %s", p.Op, p.Node, p.Msg)
}

// Error lists every problem found in a model, in graph order.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("cannot import: ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "cannot import: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

type graph struct {
	opset  int64
	batch  int64 // the declared batch size, or batchSym if symbolic
	nodes  []*node
	input  *node
	output *node
	probs  []Problem
	funcs  map[string]*onnxpb.FunctionProto
	// calling holds the functions being expanded.
	calling map[string]bool
	dir     fs.FS
	// scoped is set when weights were named after their node's module
	// scope (see names.go).
	scoped bool
	// depth counts nested function calls and If branches being expanded,
	// expanded the nodes read.
	depth, expanded int
}

func (g *graph) problem(op, name, format string, args ...any) {
	g.probs = append(g.probs, Problem{Op: op, Node: name, Msg: fmt.Sprintf(format, args...)})
}

// scope maps value names to values; subgraphs see their parent's names.
type scope struct {
	vals   map[string]*value
	parent *scope
}

func (s *scope) get(name string) *value {
	for ; s != nil; s = s.parent {
		if v, ok := s.vals[name]; ok {
			return v
		}
	}
	return nil
}

const (
	maxDepth = 32
	maxNodes = 1 << 18
)

// read builds the graph of a model: initializers become constants, the
// one real input becomes the Input node, every node is folded or becomes
// an activation node.
func read(m *onnxpb.ModelProto, dir fs.FS) (*graph, error) {
	g := &graph{dir: dir, funcs: map[string]*onnxpb.FunctionProto{}, calling: map[string]bool{}}
	for _, os := range m.OpsetImport {
		if d := os.GetDomain(); d == "" || d == "ai.onnx" {
			g.opset = os.GetVersion()
		}
	}
	switch {
	case g.opset == 0 && len(m.OpsetImport) == 0:
		// IR version 1-2 models have no opset_import: opset 1.
		return nil, &Error{[]Problem{{Msg: "the model imports no operator set (a model from before ONNX 1.0?); re-export it with opset 11 to 17"}}}
	case g.opset == 0:
		return nil, &Error{[]Problem{{Msg: "the model does not import the standard operator set (ai.onnx)"}}}
	case g.opset < 7 || g.opset > 21:
		return nil, &Error{[]Problem{{Msg: fmt.Sprintf("operator set version %d is not supported (want 7 to 21; tested 11 to 17)", g.opset)}}}
	}
	for _, f := range m.Functions {
		g.funcs[funcKey(f.GetDomain(), f.GetName(), f.GetOverload())] = f
	}
	gp := m.Graph
	root := &scope{vals: map[string]*value{}}
	for _, tp := range gp.Initializer {
		name := tp.GetName()
		t, err := tensorFromProto(tp, dir)
		if err != nil {
			g.problem("", "", "initializer %q: %v", name, err)
			root.vals[name] = &value{name: name, bad: "-"}
			continue
		}
		root.vals[name] = &value{name: name, c: t}
	}
	if len(gp.SparseInitializer) > 0 {
		g.problem("", "", "sparse initializers are not supported (%d of them)", len(gp.SparseInitializer))
	}
	var inputs []*onnxpb.ValueInfoProto
	for _, in := range gp.Input {
		if root.get(in.GetName()) == nil {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		var names []string
		for _, in := range inputs {
			names = append(names, fmt.Sprintf("%q", in.GetName()))
		}
		g.problem("", "", "the model has %d inputs (%s); incc networks have one image input", len(inputs), strings.Join(names, ", "))
		return g, &Error{g.probs}
	}
	if err := g.declareInput(inputs[0], root); err != nil {
		return g, err
	}
	g.unknownOps(gp.Node, map[string]bool{})
	g.run(gp.Node, root, "")
	if len(gp.Output) != 1 {
		var names []string
		for _, o := range gp.Output {
			names = append(names, fmt.Sprintf("%q", o.GetName()))
		}
		g.problem("", "", "the model has %d outputs (%s); incc networks have one", len(gp.Output), strings.Join(names, ", "))
	} else {
		out := root.get(gp.Output[0].GetName())
		switch {
		case out == nil:
			g.problem("", "", "the output %q is not computed by any node", gp.Output[0].GetName())
		case out.c != nil:
			g.problem("", "", "the output %q is a constant: it does not depend on the input", gp.Output[0].GetName())
		case out.n != nil:
			g.output = out.n
			// The output is used outside the graph: no pattern may fold
			// its node into another.
			out.n.users = append(out.n.users, nil)
		}
	}
	if len(g.probs) > 0 {
		return g, &Error{g.probs}
	}
	return g, nil
}

func funcKey(domain, name, overload string) string { return domain + "\x00" + name + "\x00" + overload }

// declareInput makes the Input node from the graph input: a float tensor
// [N, C, H, W] with C, H and W fixed.
func (g *graph) declareInput(in *onnxpb.ValueInfoProto, sc *scope) error {
	name := in.GetName()
	tt := in.GetType().GetTensorType()
	bad := func(format string, args ...any) error {
		g.problem("", "", "input %q: "+format, append([]any{name}, args...)...)
		return &Error{g.probs}
	}
	if tt == nil {
		return bad("not a tensor")
	}
	if dt := dtype(tt.GetElemType()); dt != dtFloat {
		return bad("element type %v; incc networks take float32 images", dt)
	}
	dims := tt.GetShape().GetDim()
	if tt.GetShape() == nil || len(dims) != 4 {
		return bad("shape of rank %d; incc networks take images N x C x H x W", len(dims))
	}
	g.batch = batchSym
	if dims[0].GetDimParam() == "" && dims[0].GetDimValue() > 0 {
		g.batch = dims[0].GetDimValue()
	}
	shape := []int{batchSym}
	for i, d := range dims[1:] {
		v := d.GetDimValue()
		if d.GetDimParam() != "" || v <= 0 || v > 1<<24 {
			what := [...]string{"channels", "height", "width"}[i]
			if d.GetDimParam() != "" {
				return bad("%s are symbolic (%q); incc needs a fixed input size: export the model with fixed H and W", what, d.GetDimParam())
			}
			return bad("%s %d", what, v)
		}
		shape = append(shape, int(v))
	}
	g.input = &node{op: "Input", name: name, shape: shape}
	g.nodes = append(g.nodes, g.input)
	sc.vals[name] = &value{name: name, n: g.input}
	return nil
}

// unknownOps reports every node whose op type incc cannot translate at all,
// before anything else, so that all of them are reported at once.
func (g *graph) unknownOps(nodes []*onnxpb.NodeProto, seen map[string]bool) {
	for _, np := range nodes {
		op := np.GetOpType()
		if d := np.GetDomain(); d != "" && d != "ai.onnx" {
			f, ok := g.funcs[funcKey(d, op, np.GetOverload())]
			if !ok {
				g.problem(op, np.GetName(), "operator of domain %q is not supported (incc reads the standard ONNX operators)", d)
				continue
			}
			if !seen[funcKey(d, op, np.GetOverload())] {
				seen[funcKey(d, op, np.GetOverload())] = true
				g.unknownOps(f.Node, seen)
			}
			continue
		}
		if f, ok := g.funcs[funcKey("", op, np.GetOverload())]; ok {
			if !seen[funcKey("", op, np.GetOverload())] {
				seen[funcKey("", op, np.GetOverload())] = true
				g.unknownOps(f.Node, seen)
			}
			continue
		}
		if !knownOps[op] {
			g.problem(op, np.GetName(), "%s", unsupportedHint(op))
		}
	}
}

// knownOps are the op types the importer folds or translates (in some of
// their forms; the others are reported where they occur).
var knownOps = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`Constant Identity Shape Size Gather Unsqueeze Squeeze Concat Reshape
		Cast Slice Transpose Add Sub Mul Div Pow Sqrt Neg Equal ConstantOfShape Range Expand
		Flatten Floor Ceil Not Where Less Greater Min Max If
		Conv BatchNormalization Relu Clip Sigmoid HardSigmoid HardSwish MaxPool AveragePool
		GlobalAveragePool Gemm MatMul Pad Dropout LRN Softmax ReduceMean`) {
		knownOps[op] = true
	}
}

// minInputs is the number of inputs an op needs (first ones, non-empty);
// ops not listed need one, Constant none.
var minInputs = map[string]int{
	"Conv": 2, "BatchNormalization": 5, "Gemm": 2, "MatMul": 2, "Add": 2, "Sub": 2, "Mul": 2,
	"Div": 2, "Pow": 2, "Equal": 2, "Less": 2, "Greater": 2, "Reshape": 2, "Gather": 2,
	"Expand": 2, "Where": 3, "Range": 3, "Constant": 0, "Min": 1, "Max": 1,
}

// hints say what incc would need for ops it does not have.
var hints = map[string]string{
	"LeakyRelu":             "a leaky ReLU layer kind",
	"PRelu":                 "a PReLU layer kind (learned slopes)",
	"Elu":                   "an ELU layer kind",
	"Selu":                  "a SELU layer kind",
	"Tanh":                  "a tanh layer kind",
	"GlobalMaxPool":         "a global max pooling layer kind",
	"ConvTranspose":         "transposed convolution",
	"Resize":                "an upsampling (resize) layer kind",
	"Upsample":              "an upsampling layer kind",
	"Split":                 "splitting channels into branches",
	"LSTM":                  "recurrent layers",
	"GRU":                   "recurrent layers",
	"RNN":                   "recurrent layers",
	"InstanceNormalization": "an instance normalisation layer kind",
	"LayerNormalization":    "a layer normalisation layer kind",
	"GroupNormalization":    "a group normalisation layer kind",
	"ReduceMean":            "a reduction layer kind (globalavgpool covers the mean over H and W only)",
	"LogSoftmax":            "a log-softmax layer kind",
	"Loop":                  "loops (incc networks are fixed graphs)",
	"Scan":                  "loops (incc networks are fixed graphs)",
	"QuantizeLinear":        "quantised tensors (incc runs float32)",
	"DequantizeLinear":      "quantised tensors (incc runs float32)",
	"QLinearConv":           "quantised convolution (incc runs float32)",
	"DepthToSpace":          "a depth-to-space layer kind",
	"SpaceToDepth":          "a space-to-depth layer kind",
	"Einsum":                "general tensor contractions",
	"Attention":             "attention layers",
}

func unsupportedHint(op string) string {
	if h, ok := hints[op]; ok {
		return "not supported: incc would need " + h
	}
	return "not supported: incc has no layer kind for " + op
}

// run reads nodes in order within sc. prefix is prepended to the names of
// nodes expanded from a function body.
func (g *graph) run(nodes []*onnxpb.NodeProto, sc *scope, prefix string) {
	for _, np := range nodes {
		g.one(np, sc, prefix)
	}
}

func (g *graph) one(np *onnxpb.NodeProto, sc *scope, prefix string) {
	op, name := np.GetOpType(), np.GetName()
	// Functions and If branches expand in place: bound the total, so that
	// a function calling itself twice at each level cannot blow up.
	if g.expanded++; g.expanded > maxNodes {
		if g.expanded == maxNodes+1 {
			g.problem(op, name, "the graph expands to more than %d nodes", maxNodes)
		}
		for _, o := range np.Output {
			sc.vals[o] = &value{name: o, bad: "-"}
		}
		return
	}
	if name != "" && prefix != "" {
		if !strings.HasPrefix(name, "/") {
			name = "/" + name
		}
		name = prefix + name
	}
	poison := func(msg string) {
		for _, o := range np.Output {
			if o != "" {
				sc.vals[o] = &value{name: o, bad: msg}
			}
		}
	}
	ins := make([]*value, len(np.Input))
	for i, in := range np.Input {
		if in == "" {
			continue
		}
		v := sc.get(in)
		if v == nil {
			g.problem(op, name, "input %q is not computed by an earlier node (the graph must be in topological order)", in)
			poison("-")
			return
		}
		if v.bad != "" {
			if v.bad != "-" {
				g.problem(op, name, "%s", v.bad)
			}
			poison("-")
			return
		}
		ins[i] = v
	}
	if len(np.Output) == 0 || np.Output[0] == "" {
		return // nothing uses it
	}
	if knownOps[op] && np.GetDomain() == "" {
		need, listed := minInputs[op]
		if !listed {
			need = 1
		}
		given := 0
		for given < len(ins) && ins[given] != nil {
			given++
		}
		if given < need {
			g.problem(op, name, "%d inputs given, it needs %d", given, need)
			poison("-")
			return
		}
	}
	a := attrsOf(np)
	domain := np.GetDomain()
	if f, ok := g.funcs[funcKey(domain, op, np.GetOverload())]; ok {
		g.inline(np, f, ins, a, sc, name)
		return
	}
	if domain != "" && domain != "ai.onnx" {
		poison("-") // reported by unknownOps
		return
	}
	if !knownOps[op] {
		poison("-")
		return
	}
	consts := true
	for _, v := range ins {
		if v != nil && v.c == nil {
			consts = false
		}
	}
	switch {
	case op == "If":
		g.ifNode(np, ins, a, sc, name, poison)
		return
	case op == "Constant", op == "Shape" && ins[0].n != nil:
		var t *tensor
		var err error
		if op == "Constant" {
			t, err = constantAttr(a, g.dir)
		} else {
			t, err = shapeOf(ins[0].n.shape, g.batch, a)
		}
		if err != nil {
			g.problem(op, name, "%v", err)
			poison("-")
			return
		}
		sc.vals[np.Output[0]] = &value{name: np.Output[0], c: t}
		return
	case consts && len(ins) > 0 || op == "ConstantOfShape" || op == "Range":
		if !consts {
			g.problem(op, name, "a %s that depends on the input is not supported", op)
			poison("-")
			return
		}
		cs := make([]*tensor, len(ins))
		for i, v := range ins {
			if v != nil {
				cs[i] = v.c
			}
		}
		outs, err := fold(op, a, cs, g.opset)
		if err != nil {
			g.problem(op, name, "constant folding: %v", err)
			poison("-")
			return
		}
		for i, o := range np.Output {
			if o == "" {
				continue
			}
			if i < len(outs) {
				sc.vals[o] = &value{name: o, c: outs[i]}
			} else {
				sc.vals[o] = &value{name: o, bad: fmt.Sprintf("output %d of %s is not supported", i+1, op)}
			}
		}
		return
	}
	n := &node{id: len(g.nodes), op: op, name: name, a: a, ins: ins}
	if err := g.infer(n); err != nil {
		g.problem(op, name, "%v", err)
		poison("-")
		return
	}
	g.nodes = append(g.nodes, n)
	for _, p := range n.acts() {
		p.users = append(p.users, n)
	}
	sc.vals[np.Output[0]] = &value{name: np.Output[0], n: n}
	for i, o := range np.Output[1:] {
		if o != "" {
			sc.vals[o] = &value{name: o, bad: fmt.Sprintf("output %d of %s %q is not supported (incc translates inference graphs)", i+2, op, name)}
		}
	}
}

// ifNode expands an If whose condition folded to a constant: its taken
// branch's nodes run in a scope that sees the enclosing names.
func (g *graph) ifNode(np *onnxpb.NodeProto, ins []*value, a attrs, sc *scope, name string, poison func(string)) {
	op := "If"
	if len(ins) < 1 || ins[0] == nil || ins[0].c == nil || ins[0].c.len() != 1 {
		g.problem(op, name, "the condition depends on the input; incc networks are fixed graphs")
		poison("-")
		return
	}
	c := ins[0].c
	taken := c.float && c.f[0] != 0 || !c.float && c.i[0] != 0
	branch := "else_branch"
	if taken {
		branch = "then_branch"
	}
	at, ok := a[branch]
	if !ok || at.G == nil {
		g.problem(op, name, "no %s", branch)
		poison("-")
		return
	}
	if g.depth++; g.depth > maxDepth {
		g.problem(op, name, "subgraphs nested more than %d deep", maxDepth)
		poison("-")
		g.depth--
		return
	}
	defer func() { g.depth-- }()
	sub := &scope{vals: map[string]*value{}, parent: sc}
	for _, tp := range at.G.Initializer {
		t, err := tensorFromProto(tp, g.dir)
		if err != nil {
			g.problem(op, name, "initializer %q: %v", tp.GetName(), err)
			poison("-")
			return
		}
		sub.vals[tp.GetName()] = &value{name: tp.GetName(), c: t}
	}
	g.unknownOps(at.G.Node, map[string]bool{})
	g.run(at.G.Node, sub, "")
	outs := at.G.Output
	if len(outs) != len(np.Output) {
		g.problem(op, name, "%s has %d outputs, the If %d", branch, len(outs), len(np.Output))
		poison("-")
		return
	}
	for i, o := range np.Output {
		if o == "" {
			continue
		}
		v := sub.get(outs[i].GetName())
		if v == nil {
			v = &value{bad: fmt.Sprintf("%s output %q is not computed", branch, outs[i].GetName())}
		}
		sc.vals[o] = &value{name: o, c: v.c, n: v.n, bad: v.bad}
	}
}

// inline expands a call of a model-local function: its nodes run with the
// function's inputs bound to the call's and its attribute references
// resolved to the call's attributes.
func (g *graph) inline(np *onnxpb.NodeProto, f *onnxpb.FunctionProto, ins []*value, a attrs, sc *scope, name string) {
	op := np.GetOpType()
	key := funcKey(f.GetDomain(), f.GetName(), f.GetOverload())
	if g.calling[key] || g.depth >= maxDepth {
		if g.calling[key] {
			g.problem(op, name, "function %s calls itself", f.GetName())
		} else {
			g.problem(op, name, "functions nested more than %d deep", maxDepth)
		}
		for _, o := range np.Output {
			sc.vals[o] = &value{name: o, bad: "-"}
		}
		return
	}
	g.depth++
	g.calling[key] = true
	defer func() { g.depth--; delete(g.calling, key) }()
	sub := &scope{vals: map[string]*value{}}
	// A function body sees only its inputs (and its own values).
	for i, in := range f.Input {
		if i < len(ins) && ins[i] != nil {
			sub.vals[in] = ins[i]
		}
	}
	defaults := attrs{}
	for _, at := range f.AttributeProto {
		defaults[at.GetName()] = at
	}
	// Inner nodes are named within the caller's scope: "/conv/Conv" in a
	// call named "/unit1/ConvRelu" is "/unit1/conv/Conv".
	prefix := name
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		prefix = prefix[:i]
	}
	for _, inner := range f.Node {
		inner = resolveRefs(inner, a, defaults)
		g.one(inner, sub, prefix)
	}
	for i, o := range np.Output {
		if o == "" {
			continue
		}
		var v *value
		if i < len(f.Output) {
			v = sub.get(f.Output[i])
		}
		if v == nil {
			g.problem(op, name, "function %s does not compute output %d", f.GetName(), i+1)
			sc.vals[o] = &value{name: o, bad: "-"}
			continue
		}
		sc.vals[o] = &value{name: o, c: v.c, n: v.n, bad: v.bad}
	}
}

// resolveRefs returns np with attributes that refer to the caller's
// (ref_attr_name) replaced by the caller's values or the function's
// defaults; references to attributes not given are dropped.
func resolveRefs(np *onnxpb.NodeProto, caller, defaults attrs) *onnxpb.NodeProto {
	has := false
	for _, at := range np.Attribute {
		if at.GetRefAttrName() != "" {
			has = true
		}
	}
	if !has {
		return np
	}
	out := &onnxpb.NodeProto{Input: np.Input, Output: np.Output, Name: np.Name, OpType: np.OpType, Domain: np.Domain, Overload: np.Overload}
	for _, at := range np.Attribute {
		ref := at.GetRefAttrName()
		if ref == "" {
			out.Attribute = append(out.Attribute, at)
			continue
		}
		src, ok := caller[ref]
		if !ok {
			src, ok = defaults[ref]
		}
		if !ok {
			continue
		}
		cp := proto.Clone(src).(*onnxpb.AttributeProto)
		cp.Name = proto.String(at.GetName())
		out.Attribute = append(out.Attribute, cp)
	}
	return out
}
