package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// layer is one incc layer (or join) that nodes lower to.
type layer struct {
	kind string // the incc layer kind: conv, batchnorm, maxpool, ..., concat, add, mul

	out, groups    int // conv, fc: output channels; conv: groups
	kh, kw, sh, sw int // conv and pooling windows
	pad            [4]int
	ceil, exclude  bool // pooling: ceil rounding, padding left out of the divisor
	bias           bool // conv, fc
	size           int  // lrn
	alpha, beta, k float64
	eps            float64 // batchnorm
	rate           float64 // dropout
	lo, hi         float64 // clamp
	scale          float64 // scale
	act            string  // fused activation flag (relu, relu6, sigmoid, ...)

	weights []weight
	// ONNX names the layer's weights came from, for its path.
	wnames []string
}

// weight is one weight tensor of a layer, by role: weight, bias,
// running_mean, running_var.
type weight struct {
	role string
	t    *tensor
}

// activations are the kinds that may be fused into the layer before them.
var activations = map[string]bool{
	"relu": true, "relu6": true, "sigmoid": true, "hardsigmoid": true, "hardswish": true, "silu": true,
}

// lower gives every node its layer: first the patterns that span nodes
// (LRN as PyTorch decomposes it, x·hardsigmoid(x), x·sigmoid(x),
// MatMul + Add, Pad before a pool or conv), then one node at a time.
func (g *graph) lower() {
	for _, n := range g.nodes[1:] {
		if n.skip || n.layer != nil {
			continue
		}
		switch n.op {
		case "Div":
			g.matchLRN(n)
		case "Mul":
			g.matchGatedActivation(n)
		case "Add":
			g.matchLinear(n)
		case "AveragePool", "MaxPool", "Conv":
			g.matchPad(n)
		}
	}
	for _, n := range g.nodes[1:] {
		if n.skip || n.layer != nil {
			continue
		}
		if err := g.lowerNode(n); err != nil {
			g.problem(n.op, n.name, "%v", err)
		}
	}
}

// passthrough marks n as computing its input unchanged.
func passthrough(n *node) {
	n.skip = true
	n.fwd = n.act(0)
}

// consume marks nodes folded into a pattern's root.
func consume(nodes ...*node) {
	for _, n := range nodes {
		n.skip = true
	}
}

// only reports whether n's single user is u.
func only(n, u *node) bool { return len(n.users) == 1 && n.users[0] == u }

// scalar returns the value of a one-element float constant.
func scalar(t *tensor) (float64, bool) {
	if t == nil || t.len() != 1 {
		return 0, false
	}
	return float64(asFloat(t)[0]), true
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// matchGatedActivation: Mul(x, HardSigmoid(x)) is hardswish (how PyTorch
// exports it before opset 14), Mul(x, Sigmoid(x)) is silu.
func (g *graph) matchGatedActivation(n *node) {
	a, b := n.act(0), n.act(1)
	if a == nil || b == nil {
		return
	}
	for _, pair := range [][2]*node{{a, b}, {b, a}} {
		x, gate := pair[0], pair[1]
		if gate.act(0) != x || !only(gate, n) {
			continue
		}
		switch {
		case gate.op == "HardSigmoid" && isTorchHardSigmoid(gate):
			n.layer = &layer{kind: "hardswish"}
		case gate.op == "Sigmoid":
			n.layer = &layer{kind: "silu"}
		default:
			continue
		}
		n.ins = []*value{{n: x}}
		consume(gate)
		return
	}
}

func isTorchHardSigmoid(n *node) bool {
	return near(float64(n.a.float("alpha", 0.2)), 1.0/6) && near(float64(n.a.float("beta", 0.5)), 0.5)
}

// matchLinear: Add(MatMul(x, W), b) is a fully connected layer with bias.
func (g *graph) matchLinear(n *node) {
	for i := 0; i < 2; i++ {
		mm, b := n.act(i), n.cst(1-i)
		if mm == nil || b == nil || mm.op != "MatMul" || !only(mm, n) || mm.skip {
			continue
		}
		out := mm.shape[1]
		if b.len() != out || len(b.shape) > 2 || len(b.shape) == 2 && b.shape[0] != 1 || !b.float {
			continue
		}
		l, err := linear(mm.cst(1), false, 1)
		if err != nil {
			return // reported when the MatMul is lowered alone
		}
		l.bias = true
		l.weights = append(l.weights, weight{"bias", &tensor{shape: []int{out}, float: true, f: b.f}})
		l.wnames = []string{mm.ins[1].name, n.ins[1-i].name}
		n.layer = l
		n.ins = []*value{mm.ins[0]}
		consume(mm)
		return
	}
}

// matchPad folds a zero Pad into the pool or convolution after it, when
// the result is the same: for convolutions and average pooling that counts
// padding always; for max pooling only after an activation that is never
// negative (zeros then never win over the -inf padding would give).
func (g *graph) matchPad(n *node) {
	p := n.act(0)
	if p == nil || p.op != "Pad" || !only(p, n) || len(p.shape) != 4 || n.win == nil {
		return
	}
	pads, err := g.padsOf(p, 4)
	if err != nil {
		return
	}
	w := n.win
	switch n.op {
	case "AveragePool":
		// The explicit zeros count in the divisor: the same as the pool's
		// own padding with count_include_pad.
		own := w.pads[0]+w.pads[1]+w.pads[2]+w.pads[3] > 0
		if own && n.a.int("count_include_pad", 0) == 0 {
			return
		}
	case "MaxPool":
		src := p.act(0)
		if src == nil || !(src.op == "Relu" || src.op == "Sigmoid" || src.op == "Clip" && clipLow(g, src) >= 0) {
			return
		}
	}
	merged := []int{w.pads[0] + pads[2], w.pads[1] + pads[3], w.pads[2] + pads[6], w.pads[3] + pads[7]}
	// With ceil rounding the two forms can differ in size: keep the Pad
	// (and report it) then.
	x := p.act(0)
	for i := 0; i < 2; i++ {
		in := x.shape[2+i]
		span := in + merged[i] + merged[2+i] - w.k[i]
		o := span/w.s[i] + 1
		if w.ceil {
			o = (span+w.s[i]-1)/w.s[i] + 1
			if (o-1)*w.s[i] >= in+merged[i] {
				o--
			}
		}
		if o != n.shape[2+i] {
			return
		}
	}
	w.pads = merged
	if n.op == "AveragePool" {
		n.a = copyAttrs(n.a)
		n.a["count_include_pad"] = intAttr("count_include_pad", 1)
	}
	n.ins[0] = p.ins[0]
	consume(p)
}

// clipLow is the lower bound of a Clip (-Inf if none).
func clipLow(g *graph, n *node) float64 {
	lo, _ := clipBounds(g, n)
	return lo
}

func clipBounds(g *graph, n *node) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if g.opset < 11 {
		if n.a.has("min") {
			lo = float64(n.a.float("min", 0))
		}
		if n.a.has("max") {
			hi = float64(n.a.float("max", 0))
		}
		return lo, hi
	}
	if v, ok := scalar(n.cst(1)); ok {
		lo = v
	}
	if v, ok := scalar(n.cst(2)); ok {
		hi = v
	}
	return lo, hi
}

// matchLRN recognises local response normalisation as PyTorch's
// F.local_response_norm exports it: x / (k + alpha · avg_pool3d(pad(x²)))^beta,
// the average taken over size channels, zero-padded size/2 before and
// (size-1)/2 after, with reshapes (and an If on a shape) around it.
func (g *graph) matchLRN(n *node) {
	x, p := n.act(0), n.act(1)
	if x == nil || p == nil || p.op != "Pow" || len(x.shape) != 4 {
		return
	}
	beta, ok := scalar(p.cst(1))
	if !ok {
		return
	}
	add := p.act(0)
	if add == nil || add.op != "Add" {
		return
	}
	var mul *node
	var k float64
	for i := 0; i < 2; i++ {
		if m, c := add.act(i), add.cst(1-i); m != nil && m.op == "Mul" {
			if v, ok := scalar(c); ok {
				mul, k = m, v
			}
		}
	}
	if mul == nil {
		return
	}
	var alpha float64
	var r *node
	for i := 0; i < 2; i++ {
		if m, c := mul.act(i), mul.cst(1-i); m != nil {
			if v, ok := scalar(c); ok {
				r, alpha = m, v
			}
		}
	}
	if r == nil || !slices.Equal(r.shape, x.shape) {
		return
	}
	chain := []*node{p, add, mul}
	// Walk back to x·x through shape-only nodes, one pool and pads, each
	// used only by the node after it.
	var pool *node
	padBefore, padAfter := 0, 0
	consumer := mul
	for cur := r; ; {
		if !only(cur, consumer) {
			return
		}
		chain = append(chain, cur)
		switch cur.op {
		case "Reshape", "Squeeze", "Unsqueeze", "Identity":
		case "Pad":
			pads, err := g.padsOf(cur, len(cur.shape))
			if err != nil || len(cur.shape) != 5 {
				return
			}
			// Only the channel axis of the [N, 1, C, H, W] view is padded.
			for d, v := range pads {
				if v != 0 && d != 2 && d != 5+2 {
					return
				}
			}
			padBefore += pads[2]
			padAfter += pads[5+2]
		case "AveragePool":
			w := cur.win
			if pool != nil || len(cur.shape) != 5 || w.k[1] != 1 || w.k[2] != 1 ||
				w.s[0] != 1 || w.s[1] != 1 || w.s[2] != 1 || w.ceil {
				return
			}
			for _, v := range w.pads {
				if v != 0 {
					return
				}
			}
			pool = cur
		case "Mul":
			if cur.act(0) != x || cur.act(1) != x || pool == nil {
				return
			}
			size := pool.win.k[0]
			if padBefore != size/2 || padAfter != (size-1)/2 || x.shape[1] != cur.shape[1] {
				return
			}
			// alpha multiplies the average, alpha/size the sum: incc's
			// (and PyTorch's, and Caffe's) alpha.
			n.layer = &layer{kind: "lrn", size: size, alpha: alpha, beta: beta, k: k}
			n.ins = []*value{n.ins[0]}
			consume(chain...)
			return
		default:
			return
		}
		consumer = cur
		cur = cur.act(0)
		if cur == nil {
			return
		}
	}
}

// lowerNode gives one node its layer, or marks it a passthrough, or says
// why incc cannot express it.
func (g *graph) lowerNode(n *node) error {
	x := n.act(0)
	rank := len(n.shape)
	switch n.op {
	case "Identity":
		passthrough(n)
		return nil
	case "Conv":
		return g.lowerConv(n)
	case "BatchNormalization":
		if n.a.int("training_mode", 0) != 0 {
			return fmt.Errorf("training mode (batch statistics) is not supported; export the model in eval mode")
		}
		if g.opset < 9 && n.a.int("spatial", 1) != 1 {
			return fmt.Errorf("spatial=0 batch normalisation is not supported")
		}
		if rank != 4 {
			return fmt.Errorf("batch normalisation of a rank-%d tensor: incc normalises images (N, C, H, W)", rank)
		}
		l := &layer{kind: "batchnorm", eps: float64(n.a.float("epsilon", 1e-5))}
		c := n.shape[1]
		for i, role := range []string{"weight", "bias", "running_mean", "running_var"} {
			t := n.cst(i + 1)
			if t == nil || !t.float || t.len() != c {
				return fmt.Errorf("%s must be a constant of %d values", role, c)
			}
			l.weights = append(l.weights, weight{role, &tensor{shape: []int{c}, float: true, f: t.f}})
			l.wnames = append(l.wnames, n.ins[i+1].name)
		}
		n.layer = l
		return nil
	case "Relu", "Sigmoid", "HardSwish":
		n.layer = &layer{kind: strings.ToLower(n.op)}
		return nil
	case "HardSigmoid":
		if !isTorchHardSigmoid(n) {
			return fmt.Errorf("alpha %g, beta %g: incc's hardsigmoid is PyTorch's (alpha 1/6, beta 0.5)", n.a.float("alpha", 0.2), n.a.float("beta", 0.5))
		}
		n.layer = &layer{kind: "hardsigmoid"}
		return nil
	case "Clip":
		if n.act(1) != nil || n.act(2) != nil {
			return fmt.Errorf("bounds that depend on the input are not supported")
		}
		lo, hi := clipBounds(g, n)
		switch {
		case math.IsInf(lo, -1) && math.IsInf(hi, 1):
			passthrough(n)
		case lo == 0 && math.IsInf(hi, 1):
			n.layer = &layer{kind: "relu"}
		case lo == 0 && hi == 6:
			n.layer = &layer{kind: "relu6"}
		case math.IsInf(lo, 0) || math.IsInf(hi, 0):
			return fmt.Errorf("a one-sided clip at %g is not supported (clamp takes both bounds)", map[bool]float64{true: hi, false: lo}[math.IsInf(lo, 0)])
		default:
			n.layer = &layer{kind: "clamp", lo: lo, hi: hi}
		}
		return nil
	case "MaxPool", "AveragePool":
		return g.lowerPool(n)
	case "ReduceMean":
		// The mean over height and width (checked when its shape was
		// inferred), kept or not as 1x1: incc's C x 1 x 1 either way.
		n.layer = &layer{kind: "globalavgpool"}
		return nil
	case "GlobalAveragePool":
		if rank != 4 {
			return fmt.Errorf("global pooling of a rank-%d tensor: incc pools images (N, C, H, W)", rank)
		}
		n.layer = &layer{kind: "globalavgpool"}
		return nil
	case "LRN":
		if rank != 4 {
			return fmt.Errorf("LRN of a rank-%d tensor", rank)
		}
		size := int(n.a.int("size", 0))
		if size < 1 {
			return fmt.Errorf("size %d", size)
		}
		n.layer = &layer{kind: "lrn", size: size, alpha: float64(n.a.float("alpha", 1e-4)),
			beta: float64(n.a.float("beta", 0.75)), k: float64(n.a.float("bias", 1))}
		return nil
	case "Dropout":
		rate := float64(n.a.float("ratio", 0.5))
		if g.opset >= 12 {
			rate = 0.5
			if v, ok := scalar(n.cst(1)); ok {
				rate = v
			}
			if t := n.cst(2); t != nil && t.len() == 1 && asFloat(t)[0] != 0 {
				return fmt.Errorf("training mode is not supported")
			}
			if n.act(1) != nil || n.act(2) != nil {
				return fmt.Errorf("a ratio that depends on the input is not supported")
			}
		}
		if rate < 0 || rate >= 1 {
			return fmt.Errorf("ratio %g", rate)
		}
		n.layer = &layer{kind: "dropout", rate: rate}
		return nil
	case "Softmax":
		axis := n.a.int("axis", map[bool]int64{true: -1, false: 1}[g.opset >= 13])
		if axis < 0 {
			axis += int64(rank)
		}
		ok := rank == 2 && axis == 1 || rank == 4 && axis == 1 && n.shape[2] == 1 && n.shape[3] == 1
		if g.opset < 13 && rank == 4 && axis == 1 {
			ok = true // the input is coerced to 2-D at axis 1: softmax over C·H·W
			if n.shape[2] != 1 || n.shape[3] != 1 {
				return fmt.Errorf("softmax over C·H·W of %v: incc's softmax takes C x 1 x 1 (add a flatten)", dims(n.shape))
			}
		}
		if !ok {
			return fmt.Errorf("softmax over axis %d of %v: incc's softmax is over the channels of a C x 1 x 1 input", axis, dims(n.shape))
		}
		n.layer = &layer{kind: "softmax"}
		return nil
	case "Flatten", "Reshape", "Squeeze", "Unsqueeze":
		in, out := x.shape, n.shape
		switch {
		case len(in) == 4 && len(out) == 2 && out[1] == total(in):
			n.layer = &layer{kind: "flatten"}
		case slices.Equal(in, out), flat(in) && flat(out) && len(in) <= 4 && len(out) <= 4 && total(in) == total(out):
			// [N, K] and [N, K, 1, 1] are the same K x 1 x 1 in incc.
			passthrough(n)
		default:
			return fmt.Errorf("reshape of %v to %v: incc reshapes only to [N, -1] (flatten)", dims(in), dims(out))
		}
		return nil
	case "Gemm":
		if n.act(2) != nil {
			return fmt.Errorf("a bias that depends on the input is not supported")
		}
		l, err := linear(n.cst(1), n.a.int("transB", 0) != 0, float32(n.a.float("alpha", 1)))
		if err != nil {
			return err
		}
		l.wnames = []string{n.ins[1].name}
		if b := n.cst(2); b != nil {
			beta := float32(n.a.float("beta", 1))
			bias := make([]float32, l.out)
			switch {
			case b.len() == 1:
				for i := range bias {
					bias[i] = beta * asFloat(b)[0]
				}
			case b.len() == l.out && (len(b.shape) == 1 || len(b.shape) == 2 && b.shape[0] == 1):
				for i, v := range asFloat(b) {
					bias[i] = beta * v
				}
			default:
				return fmt.Errorf("bias of shape %v for %d outputs", b.shape, l.out)
			}
			l.bias = true
			l.weights = append(l.weights, weight{"bias", &tensor{shape: []int{l.out}, float: true, f: bias}})
			l.wnames = append(l.wnames, n.ins[2].name)
		}
		n.layer = l
		return nil
	case "MatMul":
		l, err := linear(n.cst(1), false, 1)
		if err != nil {
			return err
		}
		l.wnames = []string{n.ins[1].name}
		n.layer = l
		return nil
	case "Concat":
		for _, v := range n.ins {
			if v != nil && v.c != nil {
				return fmt.Errorf("concatenating a constant (%q) is not supported", v.name)
			}
		}
		if axis := n.a.int("axis", 0); axis != 1 && axis != 1-int64(rank) {
			return fmt.Errorf("concatenation along axis %d of %v: incc concatenates channels (axis 1)", axis, dims(n.shape))
		}
		if rank != 4 && rank != 2 {
			return fmt.Errorf("concatenation of rank-%d tensors", rank)
		}
		n.layer = &layer{kind: "concat"}
		return nil
	case "Add", "Mul":
		a, b := n.act(0), n.act(1)
		if a == nil || b == nil {
			c := n.cst(0)
			if c == nil {
				c = n.cst(1)
			}
			v, ok := scalar(c)
			if n.op == "Mul" && ok {
				n.layer = &layer{kind: "scale", scale: v}
				n.ins = []*value{{n: a}}
				if a == nil {
					n.ins = []*value{{n: b}}
				}
				return nil
			}
			if n.op == "Add" && ok && v == 0 || n.op == "Mul" && ok && v == 1 {
				n.ins = []*value{{n: a}}
				if a == nil {
					n.ins = []*value{{n: b}}
				}
				passthrough(n)
				return nil
			}
			what := "adding"
			if n.op == "Mul" {
				what = "multiplying by"
			}
			return fmt.Errorf("%s a constant of shape %v is not supported (incc would need a per-channel affine layer)", what, c.shape)
		}
		if rank != 4 && rank != 2 {
			return fmt.Errorf("%s of rank-%d tensors", n.op, rank)
		}
		if n.op == "Add" {
			if !slices.Equal(a.shape, b.shape) {
				return fmt.Errorf("adding %v and %v: incc adds tensors of the same shape", dims(a.shape), dims(b.shape))
			}
			n.layer = &layer{kind: "add"}
			return nil
		}
		if !slices.Equal(a.shape, b.shape) && !(rank == 4 && a.shape[1] == b.shape[1] && (pointwise(a.shape) || pointwise(b.shape))) {
			return fmt.Errorf("multiplying %v and %v: incc multiplies tensors of the same shape, or C x H x W by C x 1 x 1", dims(a.shape), dims(b.shape))
		}
		n.layer = &layer{kind: "mul"}
		return nil
	case "Transpose":
		for i, p := range n.a.ints("perm") {
			if p != int64(i) && x.shape[p] != 1 {
				return fmt.Errorf("transposition %v of %v is not supported", n.a.ints("perm"), dims(x.shape))
			}
		}
		passthrough(n)
		return nil
	case "Pad":
		return fmt.Errorf("padding as a layer of its own is not supported (incc pads inside conv and pool layers)")
	case "Div":
		if v, ok := scalar(n.cst(1)); ok && v != 0 && x != nil {
			n.layer = &layer{kind: "scale", scale: 1 / v}
			n.ins = n.ins[:1]
			return nil
		}
		return fmt.Errorf("element-wise Div on activations is not supported (dividing by a constant number is: scale)")
	case "Sub", "Pow":
		return fmt.Errorf("element-wise %s on activations is not supported", n.op)
	}
	return fmt.Errorf("not supported")
}

func flat(s []int) bool {
	for _, d := range s[2:] {
		if d != 1 {
			return false
		}
	}
	return true
}

func pointwise(s []int) bool { return len(s) == 4 && s[2] == 1 && s[3] == 1 }

func total(s []int) int {
	t := 1
	for _, d := range s[1:] {
		t *= d
	}
	return t
}

// linear makes an fc layer from a weight matrix [in, out] (or [out, in]
// if transposed), scaled by alpha; incc stores [out, in].
func linear(w *tensor, transB bool, alpha float32) (*layer, error) {
	if w == nil || !w.float || len(w.shape) != 2 {
		return nil, fmt.Errorf("weights must be a constant float matrix")
	}
	in, out := w.shape[0], w.shape[1]
	if transB {
		in, out = out, in
	}
	f := make([]float32, in*out)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			v := w.f[i*out+o]
			if transB {
				v = w.f[o*in+i]
			}
			f[o*in+i] = alpha * v
		}
	}
	return &layer{kind: "fc", out: out, weights: []weight{{"weight", &tensor{shape: []int{out, in}, float: true, f: f}}}}, nil
}

func (g *graph) lowerConv(n *node) error {
	w, win := n.cst(1), n.win
	if len(n.shape) != 4 {
		return fmt.Errorf("%d-D convolution: incc convolves images (2-D)", len(n.shape)-2)
	}
	if win.d[0] != 1 || win.d[1] != 1 {
		return fmt.Errorf("dilated convolution (dilations %v) is not supported: incc's conv has no dilation", win.d)
	}
	if !w.float {
		return fmt.Errorf("integer weights")
	}
	l := &layer{kind: "conv", out: w.shape[0], groups: int(n.a.int("group", 1)),
		kh: win.k[0], kw: win.k[1], sh: win.s[0], sw: win.s[1],
		pad: [4]int{win.pads[0], win.pads[1], win.pads[2], win.pads[3]}}
	l.weights = []weight{{"weight", w}}
	l.wnames = []string{n.ins[1].name}
	if b := n.cst(2); b != nil {
		l.bias = true
		l.weights = append(l.weights, weight{"bias", b})
		l.wnames = append(l.wnames, n.ins[2].name)
	}
	n.layer = l
	return nil
}

func (g *graph) lowerPool(n *node) error {
	w := n.win
	if len(n.shape) != 4 {
		return fmt.Errorf("%d-D pooling: incc pools images (2-D)", len(n.shape)-2)
	}
	if w.d[0] != 1 || w.d[1] != 1 {
		return fmt.Errorf("dilated pooling (dilations %v) is not supported", w.d)
	}
	if n.a.int("storage_order", 0) != 0 {
		return fmt.Errorf("storage_order 1 is not supported")
	}
	l := &layer{kind: "maxpool", kh: w.k[0], kw: w.k[1], sh: w.s[0], sw: w.s[1],
		pad: [4]int{w.pads[0], w.pads[1], w.pads[2], w.pads[3]}, ceil: w.ceil}
	padded := l.pad != [4]int{}
	if n.op == "AveragePool" {
		l.kind = "avgpool"
		// Without padding both divisors are the window clipped to the input.
		l.exclude = padded && n.a.int("count_include_pad", 0) == 0
	}
	if l.pad[0] > l.kh/2 || l.pad[2] > l.kh/2 || l.pad[1] > l.kw/2 || l.pad[3] > l.kw/2 {
		return fmt.Errorf("pads %v are more than half the kernel %dx%d", w.pads, l.kh, l.kw)
	}
	n.layer = l
	return nil
}

func copyAttrs(a attrs) attrs {
	out := attrs{}
	for k, v := range a {
		out[k] = v
	}
	return out
}
