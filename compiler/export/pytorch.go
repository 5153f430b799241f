// Package export writes checked networks ([ir.Network]) as source code for
// other frameworks, so that a spec can be trained there and its weights
// loaded back by incc under the same names. It imports only [ir] and the
// standard library: never the parser, the checker or the runtime.
//
// [PyTorch] writes a Python module defining a torch.nn.Module.
package export

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/geom"
	"github.com/inccdev/incc/internal/safetext"
)

// PyTorch writes a self-contained Python module (it imports torch only)
// that defines class <Name>(nn.Module) for net, <Name> being the network's
// name in CamelCase. The output is deterministic and depends only on net.
//
// The module mirrors the spec:
//
//   - Its state_dict keys are the spec's weight names ([ir.Param.Name], side
//     heads included), plus the num_batches_tracked buffer torch adds to each
//     BatchNorm2d. Each op with weights is an nn.Conv2d, nn.BatchNorm2d or
//     nn.Linear registered at the op's name, under plain nn.Module containers
//     for the leading path components. A dict holding only the spec's names
//     loads with strict=True (torch fills in num_batches_tracked).
//   - forward runs the ops in IR order as straight-line code. Every attribute
//     is explicit; asymmetric padding is applied with F.pad.
//   - In training mode, a network with side heads returns
//     (output, {head: head_output}) and the class attribute loss_weights
//     gives each head's loss weight. forward(x, heads=True) runs the heads in
//     eval mode too.
//   - Class attributes input_shape, output_shape, labels, preprocess and
//     weight_shapes carry the rest of the spec.
//
// PyTorch returns an error, writing nothing, if a name cannot be represented
// (a path component that is also an attribute of torch.nn.Module, say).
func PyTorch(w io.Writer, net *ir.Network) error {
	g := &pyGen{net: net, vars: map[int]string{}, flat: map[int]bool{}, used: map[string]bool{}}
	if err := g.gen(); err != nil {
		return fmt.Errorf("export: %s: %v", net.File, err)
	}
	_, err := w.Write(g.buf.Bytes())
	return err
}

type pyGen struct {
	net  *ir.Network
	buf  bytes.Buffer
	vars map[int]string  // value ID -> Python variable
	flat map[int]bool    // value ID -> held as [N, C] rather than [N, C, H, W]
	used map[string]bool // Python names taken in forward
	// leaves are the ops with weights, in IR order.
	leaves []*ir.Op
}

// p writes one line of Python. Text from the spec (names, file names)
// reaches it through %q (inside string literals), [doc] (inside
// docstrings) or [comment] (after #); as a last guard, a character that is
// not printable never reaches the file raw, so no name can end a comment or
// a string and start code.
func (g *pyGen) p(format string, args ...any) {
	g.buf.WriteString(safetext.Escape(fmt.Sprintf(format, args...), ""))
	g.buf.WriteByte('\n')
}

// doc renders text for a docstring: backslashes and quotes escaped, so that
// no text can close the string, and non-printable characters escaped.
func doc(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return safetext.Escape(strings.ReplaceAll(s, `"`, `\"`), "")
}

// comment renders text for a # comment: one line of printable text.
func comment(s string) string { return safetext.Escape(s, "") }

// reservedPy are names forward uses besides its values, and Python keywords.
var reservedPy = wordSet(`x heads self torch nn F L float
	False None True and as assert async await break class continue def del elif else
	except finally for from global if import in is lambda nonlocal not or pass raise
	return try while with yield`)

// moduleAttrs are attributes of torch.nn.Module (torch 1.13 and 2.x); a
// container or leaf may not be registered under one of these names.
var moduleAttrs = wordSet(`T_destination _apply _backward_hooks _backward_pre_hooks
	_buffers _call_impl _compiled_call_impl _forward_hooks _forward_hooks_always_called
	_forward_hooks_with_kwargs _forward_pre_hooks _forward_pre_hooks_with_kwargs
	_get_backward_hooks _get_backward_pre_hooks _get_name _is_full_backward_hook
	_load_from_state_dict _load_state_dict_post_hooks _load_state_dict_pre_hooks
	_maybe_warn_non_full_backward_hook _modules _named_members _non_persistent_buffers_set
	_parameters _register_load_state_dict_pre_hook _register_state_dict_hook
	_replicate_for_data_parallel _save_to_state_dict _slow_forward _state_dict_hooks
	_state_dict_pre_hooks _version _wrapped_call_impl add_module apply bfloat16 buffers
	call_super_init children compile cpu cuda double dump_patches eval extra_repr float
	forward get_buffer get_extra_state get_parameter get_submodule half ipu
	load_state_dict modules mtia named_buffers named_children named_modules
	named_parameters parameters register_backward_hook register_buffer
	register_forward_hook register_forward_pre_hook register_full_backward_hook
	register_full_backward_pre_hook register_load_state_dict_post_hook
	register_load_state_dict_pre_hook register_module register_parameter
	register_state_dict_post_hook register_state_dict_pre_hook requires_grad_
	set_extra_state set_submodule share_memory state_dict to to_empty train training
	type xpu zero_grad`)

// classAttrs are the generated class's own attributes.
var classAttrs = wordSet(`input_shape output_shape labels preprocess loss_weights weight_shapes _leaf`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func (g *pyGen) gen() error {
	net := g.net
	if err := g.checkNames(); err != nil {
		return err
	}
	class := className(net.Name)
	g.p("# Code generated by incc from %s. DO NOT EDIT.", comment(net.File))
	g.genDoc(class)
	g.p("import torch")
	g.p("from torch import nn")
	g.p("from torch.nn import functional as F")
	g.p("")
	g.p("")
	g.p("class %s(nn.Module):", class)
	g.p(`    """Network %s from %s; see the module docstring."""`, net.Name, doc(net.File))
	g.p("")
	g.genAttrs()
	g.p("")
	g.genInit()
	g.p("")
	if err := g.genForward(); err != nil {
		return err
	}
	g.p("")
	g.p("")
	g.p("def _put(root, path, module):")
	g.p(`    """Registers module at the dotted path, making plain containers on the way."""`)
	g.p(`    *parents, name = path.split(".")`)
	g.p("    for p in parents:")
	g.p("        if p not in root._modules:")
	g.p("            root.add_module(p, nn.Module())")
	g.p("        root = root._modules[p]")
	g.p("    root.add_module(name, module)")
	return nil
}

// checkNames collects the leaves and rejects names torch cannot register.
func (g *pyGen) checkNames() error {
	kinds := map[string]bool{} // path -> is a leaf
	for i := range g.net.Ops {
		op := &g.net.Ops[i]
		if len(op.Params) == 0 {
			continue
		}
		want := ir.Weights(op, g.net.InputShapes(op))
		if len(op.Params) != len(want) {
			return fmt.Errorf("op %s: %d weights, want %d", op.Name, len(op.Params), len(want))
		}
		for j, p := range op.Params {
			if p.Name != op.Name+"."+want[j].Suffix {
				return fmt.Errorf("op %s: weight %s, want %s.%s", op.Name, p.Name, op.Name, want[j].Suffix)
			}
		}
		if pyOps[op.Kind].module == nil {
			return fmt.Errorf("op %s: no torch module for %v", op.Name, op.Kind)
		}
		parts := strings.Split(op.Name, ".")
		for j, part := range parts {
			path := strings.Join(parts[:j+1], ".")
			leaf := j == len(parts)-1
			switch {
			case part == "":
				return fmt.Errorf("op %s: empty name component", op.Name)
			case moduleAttrs[part]:
				return fmt.Errorf("op %s: %q is an attribute of torch.nn.Module; rename it", op.Name, part)
			case j == 0 && classAttrs[part]:
				return fmt.Errorf("op %s: %q is an attribute of the generated class; rename it", op.Name, part)
			}
			if isLeaf, seen := kinds[path]; seen && (isLeaf || leaf) {
				return fmt.Errorf("op %s: %s is both a layer and a container of layers", op.Name, path)
			}
			kinds[path] = leaf
		}
		g.leaves = append(g.leaves, op)
	}
	headStart := false
	for i := range g.net.Ops {
		if g.net.Ops[i].Head != "" {
			headStart = true
		} else if headStart {
			return fmt.Errorf("trunk op %s follows a side head's op", g.net.Ops[i].Name)
		}
	}
	return nil
}

// className turns a network name into a CamelCase class name:
// mnist_inception -> MnistInception, googlenet -> Googlenet.
func className(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			up = true
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	s := b.String()
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "Net" + s
	}
	if s == "F" || reservedPy[s] {
		s += "Net"
	}
	return s
}

func (g *pyGen) genDoc(class string) {
	net := g.net
	in, out := net.Input, net.Shape(net.Output)
	g.p(`"""Network %s (%s) as a PyTorch module.`, net.Name, doc(net.File))
	g.p("")
	g.p("    model = %s()", class)
	g.p("    model.load_state_dict(weights)  # a dict keyed by the spec's weight names")
	g.p("    model.eval()")
	g.p("    y = model(x)  # x: [N, %d, %d, %d] float32 -> y: %s", in.C, in.H, in.W, torchShape(out, g.isFlatOutput()))
	g.p("")
	g.p("state_dict() keys are the spec's weight names (weight_shapes lists them)")
	if g.hasKind(ir.KindBatchNorm) {
		g.p("plus the num_batches_tracked buffer that torch adds to every BatchNorm2d:")
		g.p("a dict without them loads with strict=True, torch fills them in.")
		for _, op := range g.leaves {
			if op.Kind == ir.KindBatchNorm {
				g.p("    %s.num_batches_tracked", doc(op.Name))
			}
		}
	} else {
		g.p("and nothing else.")
	}
	if len(net.Heads) > 0 {
		g.p("")
		g.p("In training mode forward also runs the side heads and returns")
		g.p("(output, {head: head_output}); weigh their losses by loss_weights:")
		g.p("    loss = criterion(output) + sum(w * criterion(aux[h]) for h, w in loss_weights.items())")
		g.p("forward(x, heads=True) runs the heads in eval mode too; heads=False never does.")
	}
	g.p("")
	g.p("Semantics as in incc: pools round up where the spec says ceil (torch's ceil_mode")
	g.p("rule); average pooling divides by the window clipped to the padded input")
	g.p("(count_include_pad=True) unless the spec says excludepad (count_include_pad=False);")
	g.p("asymmetric padding is applied with F.pad (-inf for max pooling); dropout is active")
	g.p("in training mode only.")
	g.p(`"""`)
}

func (g *pyGen) hasKind(k ir.Kind) bool {
	for i := range g.net.Ops {
		if g.net.Ops[i].Kind == k {
			return true
		}
	}
	return false
}

// isFlatOutput reports whether the trunk output is [N, C] rather than
// [N, C, H, W]: the value rank is tracked through forward.
func (g *pyGen) isFlatOutput() bool {
	flat := map[int]bool{}
	for i := range g.net.Ops {
		op := &g.net.Ops[i]
		flat[op.Out] = outFlat(op, flat)
	}
	return flat[g.net.Output]
}

// outFlat says whether op's output is held as [N, C].
func outFlat(op *ir.Op, flat map[int]bool) bool {
	switch pyOps[op.Kind].flat {
	case flatAlways:
		return true
	case flatAsInputs:
		for _, in := range op.In {
			if !flat[in] {
				return false
			}
		}
		return true
	}
	return false
}

func torchShape(s ir.Shape, flat bool) string {
	if flat {
		return fmt.Sprintf("[N, %d]", s.Len())
	}
	return fmt.Sprintf("[N, %d, %d, %d]", s.C, s.H, s.W)
}

func (g *pyGen) genAttrs() {
	net := g.net
	in, out := net.Input, net.Shape(net.Output)
	g.p("    input_shape = (%d, %d, %d)", in.C, in.H, in.W)
	g.p("    output_shape = (%d, %d, %d)", out.C, out.H, out.W)
	if net.Labels != "" {
		g.p("    labels = %q", net.Labels)
	} else {
		g.p("    labels = None")
	}
	if pre := net.Pre; pre != nil {
		g.p("    # Applied in order to an RGB image in [0, 1] (luminance for 1 channel):")
		g.p("    # resize the shorter side (with PIL's filter of that name), center-crop (h, w),")
		g.p("    # scale, order, (x - mean) / std.")
		g.p("    preprocess = {")
		g.p("        \"resize\": %s,", pyOptInt(pre.Resize))
		g.p("        \"interpolation\": %q,", cmp.Or(pre.Interpolation, "bilinear"))
		if pre.CropH > 0 {
			g.p("        \"crop\": (%d, %d),", pre.CropH, pre.CropW)
		} else {
			g.p("        \"crop\": None,")
		}
		g.p("        \"scale\": %s,", pyFloat(pre.Scale))
		g.p("        \"order\": %q,", pre.Order)
		g.p("        \"mean\": %s,", pyTuple(pre.Mean))
		g.p("        \"std\": %s,", pyTuple(pre.Std))
		g.p("    }")
	} else {
		g.p("    preprocess = None")
	}
	if len(net.Heads) == 0 {
		g.p("    loss_weights = {}")
	} else {
		g.p("    loss_weights = {")
		for _, h := range net.Heads {
			g.p("        %q: %s,", h.Name, pyFloat(h.Weight))
		}
		g.p("    }")
	}
	g.p("    weight_shapes = {")
	for _, p := range net.Params(true) {
		g.p("        %q: %s,", p.Name, pyInts(p.Shape))
	}
	g.p("    }")
}

func (g *pyGen) genInit() {
	g.p("    def __init__(self):")
	g.p("        super().__init__()")
	if len(g.leaves) == 0 {
		g.p("        self._leaf = {}")
		return
	}
	g.p("        # The layers with weights, by op name. forward reads this dict; each")
	g.p("        # module is registered once, by _put, at its dotted name.")
	g.p("        L = self._leaf = {}")
	for _, op := range g.leaves {
		g.p("        L[%q] = %s", op.Name, pyOps[op.Kind].module(op, g.net.Shape(op.In[0])))
	}
	g.p("        for name, module in L.items():")
	g.p("            _put(self, name, module)")
}

// symPad returns the padding as (h, w) if it is the same on both sides.
func symPad(p ir.Pad) (int, int, bool) {
	return p.Top, p.Left, p.Top == p.Bottom && p.Left == p.Right
}

func (g *pyGen) varFor(op *ir.Op) string {
	base := ir.GoName(op.Name)
	name := base
	for g.used[name] || reservedPy[name] {
		name += "_"
	}
	g.used[name] = true
	return name
}

func (g *pyGen) genForward() error {
	net := g.net
	if len(net.Heads) > 0 {
		g.p("    def forward(self, x, heads=None):")
	} else {
		g.p("    def forward(self, x):")
	}
	g.vars[0] = "x"
	if len(g.leaves) > 0 {
		g.p("        L = self._leaf")
	}
	modStart := map[int]*ir.Module{}
	for i := range net.Modules {
		m := &net.Modules[i]
		if m.End > m.First && m.Head == "" {
			modStart[m.First] = m
		}
	}
	inHeads := false
	for i := range net.Ops {
		op := &net.Ops[i]
		if op.Head != "" && !inHeads {
			inHeads = true
			g.p("        if not (self.training if heads is None else heads):")
			g.p("            return %s", g.vars[net.Output])
		}
		if m := modStart[i]; m != nil {
			g.p("        # %s: %s (%s)", comment(m.Name), m.Kind, comment(m.Src.String()))
		}
		if h := g.headAt(i); h != nil {
			g.p("        # %s: head at %s, loss weight %s (%s)", comment(h.Name), comment(h.AtName), pyFloat(h.Weight), comment(h.Src.String()))
		}
		expr, err := g.expr(op)
		if err != nil {
			return err
		}
		v := g.varFor(op)
		g.vars[op.Out] = v
		g.flat[op.Out] = outFlat(op, g.flat)
		g.p("        %s = %s  # %s", v, expr, shapeComment(net.Shape(op.Out), g.flat[op.Out]))
	}
	if !inHeads {
		g.p("        return %s", g.vars[net.Output])
		return nil
	}
	var outs []string
	for _, h := range net.Heads {
		outs = append(outs, fmt.Sprintf("%q: %s", h.Name, g.vars[h.Output]))
	}
	g.p("        return %s, {%s}", g.vars[net.Output], strings.Join(outs, ", "))
	return nil
}

// headAt returns the head whose first op is op i, if any.
func (g *pyGen) headAt(i int) *ir.Head {
	op := &g.net.Ops[i]
	if op.Head == "" || i > 0 && g.net.Ops[i-1].Head == op.Head {
		return nil
	}
	for j := range g.net.Heads {
		if g.net.Heads[j].Name == op.Head {
			return &g.net.Heads[j]
		}
	}
	return nil
}

func shapeComment(s ir.Shape, flat bool) string {
	if flat {
		return strconv.Itoa(s.Len())
	}
	return s.String()
}

// in4 returns input i as a 4-D tensor expression.
func (g *pyGen) in4(op *ir.Op, i int) string {
	id := op.In[i]
	if g.flat[id] {
		return fmt.Sprintf("%s.reshape(-1, %d, 1, 1)", g.vars[id], g.net.Shape(id).C)
	}
	return g.vars[id]
}

// expr is the Python expression computing op's output.
func (g *pyGen) expr(op *ir.Op) (string, error) {
	po := pyOps[op.Kind]
	if po == nil {
		return "", fmt.Errorf("op %s: kind %v cannot be exported", op.Name, op.Kind)
	}
	return po.expr(g, op), nil
}

// pyOp is how one kind of op is written in PyTorch.
type pyOp struct {
	// module is the torch module that holds the op's weights, for kinds
	// with weights ("nn.Conv2d(…)"); in is the input's shape.
	module func(op *ir.Op, in ir.Shape) string
	// expr is the Python expression computing the op's output.
	expr func(g *pyGen, op *ir.Op) string
	// flat says whether the output is held as [N, C] rather than
	// [N, C, H, W].
	flat flatRule
}

type flatRule int

const (
	flatNever    flatRule = iota // [N, C, H, W]
	flatAlways                   // [N, C]
	flatAsInputs                 // [N, C] if every input is
)

// pyOps holds every kind's PyTorch form; TestPyOps names a kind missing.
var pyOps = map[ir.Kind]*pyOp{
	ir.KindConv: {
		module: func(op *ir.Op, in ir.Shape) string {
			c := op.Conv
			args := []string{strconv.Itoa(in.C), strconv.Itoa(c.Out), "kernel_size=" + pyPair(c.KH, c.KW)}
			if c.SH != 1 || c.SW != 1 {
				args = append(args, "stride="+pyPair(c.SH, c.SW))
			}
			if ph, pw, ok := symPad(c.Pad); ok && (ph != 0 || pw != 0) {
				args = append(args, "padding="+pyPair(ph, pw))
			}
			if c.Groups > 1 {
				args = append(args, fmt.Sprintf("groups=%d", c.Groups))
			}
			if !c.Bias {
				args = append(args, "bias=False")
			}
			return "nn.Conv2d(" + strings.Join(args, ", ") + ")"
		},
		expr: func(g *pyGen, op *ir.Op) string {
			x := g.in4(op, 0)
			if _, _, ok := symPad(op.Conv.Pad); !ok {
				x = fmt.Sprintf("F.pad(%s, %s)", x, torchPad(op.Conv.Pad))
			}
			return fmt.Sprintf("L[%q](%s)", op.Name, x)
		},
	},
	ir.KindMaxPool: {expr: func(g *pyGen, op *ir.Op) string { return g.pool(op, "F.max_pool2d", `, value=float("-inf")`) }},
	ir.KindAvgPool: {expr: func(g *pyGen, op *ir.Op) string { return g.pool(op, "F.avg_pool2d", "") }},
	ir.KindAdaptiveAvgPool: {expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("F.adaptive_avg_pool2d(%s, %s)", g.in4(op, 0), pyPair(op.Adaptive.H, op.Adaptive.W))
	}},
	ir.KindLRN: {expr: func(g *pyGen, op *ir.Op) string {
		l := op.LRN
		return fmt.Sprintf("F.local_response_norm(%s, %d, alpha=%s, beta=%s, k=%s)",
			g.in4(op, 0), l.Size, pyFloat(l.Alpha), pyFloat(l.Beta), pyFloat(l.K))
	}},
	ir.KindBatchNorm: {
		module: func(op *ir.Op, in ir.Shape) string {
			return fmt.Sprintf("nn.BatchNorm2d(%d, eps=%s)", in.C, pyFloat(op.BN.Eps))
		},
		expr: func(g *pyGen, op *ir.Op) string { return fmt.Sprintf("L[%q](%s)", op.Name, g.in4(op, 0)) },
	},
	ir.KindReLU: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string { return fmt.Sprintf("F.relu(%s)", g.vars[op.In[0]]) }},
	ir.KindDropout: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("F.dropout(%s, %s, self.training)", g.vars[op.In[0]], pyFloat(op.Dropout.Rate))
	}},
	ir.KindFlatten: {flat: flatAlways, expr: func(g *pyGen, op *ir.Op) string {
		if g.flat[op.In[0]] {
			return g.vars[op.In[0]]
		}
		return fmt.Sprintf("torch.flatten(%s, 1)", g.vars[op.In[0]])
	}},
	ir.KindFC: {
		flat: flatAlways,
		module: func(op *ir.Op, in ir.Shape) string {
			mod := fmt.Sprintf("nn.Linear(%d, %d", in.Len(), op.FC.Out)
			if !op.FC.Bias {
				mod += ", bias=False"
			}
			return mod + ")"
		},
		expr: func(g *pyGen, op *ir.Op) string {
			x := g.vars[op.In[0]]
			if !g.flat[op.In[0]] {
				x = fmt.Sprintf("torch.flatten(%s, 1)", x)
			}
			return fmt.Sprintf("L[%q](%s)", op.Name, x)
		},
	},
	ir.KindSoftmax: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("F.softmax(%s, dim=1)", g.vars[op.In[0]])
	}},
	ir.KindConcat: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("torch.cat([%s], 1)", strings.Join(g.joinArgs(op), ", "))
	}},
	ir.KindAdd: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return strings.Join(g.joinArgs(op), " + ")
	}},
	ir.KindIdentity: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string { return g.vars[op.In[0]] }},
	ir.KindMul: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		// torch broadcasts a [N, C, 1, 1] factor over H and W.
		return strings.Join(g.joinArgs(op), " * ")
	}},
	ir.KindReLU6:       pyFunc("F.relu6(%s)"),
	ir.KindSigmoid:     pyFunc("torch.sigmoid(%s)"),
	ir.KindHardSigmoid: pyFunc("F.hardsigmoid(%s)"),
	ir.KindHardSwish:   pyFunc("F.hardswish(%s)"),
	ir.KindSiLU:        pyFunc("F.silu(%s)"),
	ir.KindClamp: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("torch.clamp(%s, %s, %s)", g.vars[op.In[0]], pyFloat(op.Clamp.Min), pyFloat(op.Clamp.Max))
	}},
	ir.KindScale: {flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string {
		return fmt.Sprintf("%s * %s", g.vars[op.In[0]], pyFloat(op.Scale.Factor))
	}},
}

// pyFunc is an element-wise kind written as a torch function of its input.
func pyFunc(format string) *pyOp {
	return &pyOp{flat: flatAsInputs, expr: func(g *pyGen, op *ir.Op) string { return fmt.Sprintf(format, g.vars[op.In[0]]) }}
}

// joinArgs are the inputs of a concat or add, all of one rank.
func (g *pyGen) joinArgs(op *ir.Op) []string {
	var args []string
	four := false // unless every input is [N, C]
	for _, id := range op.In {
		four = four || !g.flat[id]
	}
	for i, id := range op.In {
		if four {
			args = append(args, g.in4(op, i))
		} else {
			args = append(args, g.vars[id])
		}
	}
	return args
}

// pool writes max and average pooling with torch's function fn, padding
// with padValue (F.pad's default is 0). Symmetric padding uses torch's own
// padding argument (its ceil_mode rule is incc's). Asymmetric padding pads
// explicitly, with -inf for max pooling and 0 for average pooling, so that
// the divisor counts the padding (incc's rule); torch then treats the padded
// image as the input, so its ceil rule may admit one more window starting in
// the bottom or right padding, which incc does not: the result is sliced to
// the output size.
func (g *pyGen) pool(op *ir.Op, fn, padValue string) string {
	p := op.Pool
	x := g.in4(op, 0)
	args := []string{pyPair(p.KH, p.KW), "stride=" + pyPair(p.SH, p.SW)}
	ph, pw, sym := symPad(p.Pad)
	slice := ""
	// ones is what the divisor of an average pool that leaves out padding
	// added by F.pad is: the same pool of ones, padded alike.
	ones := ""
	if sym {
		if ph != 0 || pw != 0 {
			args = append(args, "padding="+pyPair(ph, pw))
			if p.ExcludePad {
				args = append(args, "count_include_pad=False")
			}
		}
	} else {
		if p.ExcludePad {
			ones = fmt.Sprintf("F.pad(torch.ones_like(%s[:, :1]), %s)", x, torchPad(p.Pad))
		}
		x = fmt.Sprintf("F.pad(%s, %s%s)", x, torchPad(p.Pad), padValue)
		in, out := g.net.Shape(op.In[0]), g.net.Shape(op.Out)
		th := geom.Out(in.H+p.Pad.Top+p.Pad.Bottom, p.KH, p.SH, 0, 0, p.Ceil)
		tw := geom.Out(in.W+p.Pad.Left+p.Pad.Right, p.KW, p.SW, 0, 0, p.Ceil)
		if th != out.H || tw != out.W {
			slice = fmt.Sprintf("[:, :, :%d, :%d]", out.H, out.W)
		}
	}
	if p.Ceil {
		args = append(args, "ceil_mode=True")
	}
	if ones != "" {
		return fmt.Sprintf("(%s(%s, %s) / %s(%s, %s))%s", fn, x, strings.Join(args, ", "), fn, ones, strings.Join(args, ", "), slice)
	}
	return fmt.Sprintf("%s(%s, %s)%s", fn, x, strings.Join(args, ", "), slice)
}

// torchPad is F.pad's argument for an image: (left, right, top, bottom).
func torchPad(p ir.Pad) string {
	return fmt.Sprintf("(%d, %d, %d, %d)", p.Left, p.Right, p.Top, p.Bottom)
}

func pyPair(a, b int) string { return fmt.Sprintf("(%d, %d)", a, b) }

func pyInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	if len(s) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}

func pyOptInt(v int) string {
	if v == 0 {
		return "None"
	}
	return strconv.Itoa(v)
}

func pyTuple(v []float64) string {
	if v == nil {
		return "None"
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = pyFloat(x)
	}
	if len(s) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// pyFloat is the shortest Python literal that reads back as v.
func pyFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return `float("inf")`
	case math.IsInf(v, -1):
		return `float("-inf")`
	case math.IsNaN(v):
		return `float("nan")`
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
