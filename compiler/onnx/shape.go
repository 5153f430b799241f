package onnx

import (
	"errors"
	"fmt"
)

// window holds the resolved sliding-window attributes of a Conv or a
// pooling node, per spatial dimension.
type window struct {
	k, s, d []int
	pads    []int // the begin pads of each dimension, then the end pads
	ceil    bool
}

// infer computes the output shape of an activation node (and resolves its
// window attributes). Errors are about the model, not about incc.
func (g *graph) infer(n *node) error {
	x := n.act(0)
	same := func() error {
		if x == nil {
			return errors.New("the first input is not an activation")
		}
		n.shape = x.shape
		return nil
	}
	switch n.op {
	case "Add", "Sub", "Mul", "Div", "Pow", "Concat":
	default:
		if x == nil {
			return errors.New("the first input is not an activation")
		}
	}
	switch n.op {
	case "Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Clip", "Dropout", "Identity",
		"LRN", "BatchNormalization", "Softmax":
		return same()
	case "Conv", "MaxPool", "AveragePool":
		if x == nil {
			return errors.New("the input is not an activation")
		}
		return g.inferWindow(n, x)
	case "GlobalAveragePool":
		if x == nil || len(x.shape) < 3 {
			return errors.New("want an input of rank 3 or more")
		}
		n.shape = append([]int{}, x.shape...)
		for i := 2; i < len(n.shape); i++ {
			n.shape[i] = 1
		}
		return nil
	case "Add", "Sub", "Mul", "Div", "Pow":
		if len(n.ins) != 2 || n.ins[0] == nil || n.ins[1] == nil {
			return errors.New("want two inputs")
		}
		s, err := broadcast(shapeOfValue(n.ins[0]), shapeOfValue(n.ins[1]))
		if err != nil {
			return err
		}
		n.shape = s
		return nil
	case "Concat":
		axis := n.a.int("axis", 0)
		var shape []int
		for _, v := range n.ins {
			if v == nil {
				continue
			}
			s := shapeOfValue(v)
			if shape == nil {
				shape = append([]int{}, s...)
				r := int64(len(s))
				if axis < -r || axis >= r {
					return fmt.Errorf("axis %d out of range for rank %d", axis, r)
				}
				if axis < 0 {
					axis += r
				}
				continue
			}
			if len(s) != len(shape) {
				return errors.New("inputs of different ranks")
			}
			for d := range s {
				if int64(d) == axis {
					shape[d] += s[d]
				} else if s[d] != shape[d] {
					return fmt.Errorf("input shapes %v and %v differ outside axis %d", shape, s, axis)
				}
			}
		}
		if axis == 0 {
			return errors.New("concatenation along the batch axis")
		}
		n.shape = shape
		return nil
	case "Gemm", "MatMul":
		w := n.cst(1)
		if x == nil || w == nil || n.act(1) != nil {
			return fmt.Errorf("%s needs an activation and constant weights", n.op)
		}
		if len(x.shape) != 2 || len(w.shape) != 2 {
			return fmt.Errorf("%s of shapes %v and %v: incc translates 2-D ones (after Flatten)", n.op, dims(x.shape), w.shape)
		}
		k, out := w.shape[0], w.shape[1]
		if n.op == "Gemm" && n.a.int("transB", 0) != 0 {
			k, out = out, k
		}
		if n.op == "Gemm" && n.a.int("transA", 0) != 0 {
			return errors.New("transA is not supported (the batch would be transposed)")
		}
		if k != x.shape[1] {
			return fmt.Errorf("input of %d features, weights for %d", x.shape[1], k)
		}
		n.shape = []int{batchSym, out}
		return nil
	case "Flatten":
		axis := n.a.int("axis", 1)
		r := int64(len(x.shape))
		if axis < 0 {
			axis += r
		}
		if axis < 1 || axis > r {
			return fmt.Errorf("axis %d would fold the batch into the features", n.a.int("axis", 1))
		}
		for _, d := range x.shape[1:axis] {
			if d != 1 {
				return fmt.Errorf("axis %d of %v would fold features into the batch", axis, dims(x.shape))
			}
		}
		rest := 1
		for _, d := range x.shape[axis:] {
			rest *= d
		}
		n.shape = []int{batchSym, rest}
		return nil
	case "Reshape":
		t := n.cst(1)
		if x == nil || t == nil || t.float {
			return errors.New("the target shape must be a constant (after folding)")
		}
		s, err := g.reshapeAct(x.shape, t.i, n.a.int("allowzero", 0) != 0)
		if err != nil {
			return err
		}
		n.shape = s
		return nil
	case "Squeeze", "Unsqueeze":
		var cs []*tensor
		for _, v := range n.ins {
			if v != nil {
				cs = append(cs, v.c)
			} else {
				cs = append(cs, nil)
			}
		}
		axes, err := axesOf(n.a, cs, 1, g.opset >= 13)
		if err != nil {
			return err
		}
		r := int64(len(x.shape))
		if n.op == "Unsqueeze" {
			r += int64(len(axes))
		}
		for _, a := range axes {
			if a == 0 || a == -r {
				return errors.New("the batch axis cannot be squeezed or unsqueezed")
			}
		}
		if n.op == "Unsqueeze" {
			n.shape, err = unsqueezeShape(x.shape, axes)
		} else {
			n.shape, err = squeezeShape(x.shape, axes)
		}
		return err
	case "Pad":
		pads, err := g.padsOf(n, len(x.shape))
		if err != nil {
			return err
		}
		r := len(x.shape)
		if pads[0] != 0 || pads[r] != 0 {
			return errors.New("padding along the batch axis")
		}
		n.shape = append([]int{}, x.shape...)
		for d := 1; d < r; d++ {
			n.shape[d] += pads[d] + pads[r+d]
			if n.shape[d] < 1 {
				return errors.New("padding removes the whole tensor")
			}
		}
		return nil
	case "Transpose":
		perm := n.a.ints("perm")
		if len(perm) != len(x.shape) || len(perm) == 0 || perm[0] != 0 {
			return errors.New("only transpositions that keep the batch axis first are supported")
		}
		n.shape = make([]int, len(perm))
		for i, p := range perm {
			if p < 0 || int(p) >= len(x.shape) {
				return fmt.Errorf("perm %v is not a permutation", perm)
			}
			n.shape[i] = x.shape[p]
		}
		return nil
	case "ReduceMean":
		var axes []int64
		if g.opset >= 18 {
			if t := n.cst(1); t != nil && !t.float {
				axes = t.i
			} else if n.act(1) != nil {
				return errors.New("axes must be constant")
			}
		} else {
			axes = n.a.ints("axes")
		}
		r := int64(len(x.shape))
		set := map[int64]bool{}
		for _, a := range axes {
			if a < 0 {
				a += r
			}
			set[a] = true
		}
		if r != 4 || len(set) != 2 || !set[2] || !set[3] {
			return fmt.Errorf("mean over axes %v of %v: incc averages over height and width only (globalavgpool)", axes, dims(x.shape))
		}
		n.shape = []int{batchSym, x.shape[1]}
		if n.a.int("keepdims", 1) != 0 {
			n.shape = append(n.shape, 1, 1)
		}
		return nil
	case "Gather", "Slice", "Split":
		return fmt.Errorf("selecting part of an activation is not supported (incc layers take whole tensors; " +
			"torchvision's GoogLeNet and Inception-v3 do it with transform_input=True: export them with transform_input=False)")
	}
	return fmt.Errorf("%s is not supported", n.op)
}

// shapeOfValue is a value's shape: an activation's (with batchSym first) or
// a constant's.
func shapeOfValue(v *value) []int {
	if v.n != nil {
		return v.n.shape
	}
	return v.c.shape
}

// dims formats an activation shape with N for the batch.
func dims(s []int) string {
	out := "["
	for i, d := range s {
		if i > 0 {
			out += " "
		}
		if d == batchSym {
			out += "N"
		} else {
			out += fmt.Sprint(d)
		}
	}
	return out + "]"
}

// reshapeAct resolves a Reshape of an activation. The first target
// dimension must stand for the batch: 0 (copy), -1 (the rest given), the
// symbolic batch from Shape, or the batch size the model was exported with.
func (g *graph) reshapeAct(s []int, target []int64, allowzero bool) ([]int, error) {
	if len(target) == 0 {
		return nil, errors.New("reshape to a scalar")
	}
	per := s[1:]
	t0 := target[0]
	rest := append([]int64{}, target[1:]...)
	// A 0 in the rest copies the input's dimension at the same position.
	if !allowzero {
		for i, d := range rest {
			if d == 0 {
				if i+1 >= len(s) {
					return nil, fmt.Errorf("0 at axis %d copies no dimension of %v", i+1, dims(s))
				}
				rest[i] = int64(s[i+1])
			}
		}
	}
	switch {
	case t0 == batchSym, t0 == 0 && !allowzero, t0 == g.batch && g.batch != batchSym:
	case t0 == -1:
		for _, d := range rest {
			if d == -1 {
				return nil, errors.New("-1 for the batch and for another dimension")
			}
		}
	default:
		return nil, fmt.Errorf("reshape to %v changes the batch dimension (the model's batch is %s)", target, batchName(g.batch))
	}
	out, err := reshapeShape(per, rest, true)
	if err != nil {
		return nil, fmt.Errorf("reshape of %v to %v: %v", dims(s), target, err)
	}
	return append([]int{batchSym}, out...), nil
}

func batchName(b int64) string {
	if b == batchSym {
		return "symbolic"
	}
	return fmt.Sprint(b)
}

// padsOf reads Pad's pads for a tensor of rank r: begins then ends, from
// the attribute (opset < 11) or the constant input, with opset 18's axes.
func (g *graph) padsOf(n *node, r int) ([]int, error) {
	if mode := n.a.str("mode", "constant"); mode != "constant" {
		return nil, fmt.Errorf("%s padding is not supported (zero padding is)", mode)
	}
	var p []int64
	if g.opset < 11 {
		p = n.a.ints("pads")
		if v := n.a.float("value", 0); v != 0 {
			return nil, fmt.Errorf("padding with %g is not supported (zero padding is)", v)
		}
	} else {
		t := n.cst(1)
		if t == nil || t.float {
			return nil, errors.New("pads must be constant integers")
		}
		p = t.i
		if v := n.cst(2); v != nil && v.len() > 0 {
			if f := asFloat(v)[0]; f != 0 {
				return nil, fmt.Errorf("padding with %g is not supported (zero padding is)", f)
			}
		} else if n.act(2) != nil {
			return nil, errors.New("the padding value must be a constant")
		}
	}
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if a := n.cst(3); a != nil && g.opset >= 18 {
		if a.float {
			return nil, errors.New("axes must be integers")
		}
		axes = axes[:0]
		for _, x := range a.i {
			if x < 0 {
				x += int64(r)
			}
			if x < 0 || x >= int64(r) {
				return nil, fmt.Errorf("axis %d out of range", x)
			}
			axes = append(axes, int(x))
		}
	}
	if len(p) != 2*len(axes) {
		return nil, fmt.Errorf("%d pads for %d axes", len(p), len(axes))
	}
	out := make([]int, 2*r)
	for i, ax := range axes {
		b, e := p[i], p[len(axes)+i]
		if b < 0 || e < 0 {
			return nil, errors.New("negative pads (cropping) are not supported")
		}
		if b > 1<<20 || e > 1<<20 {
			return nil, errors.New("pads too large")
		}
		out[ax], out[r+ax] = int(b), int(e)
	}
	return out, nil
}

// inferWindow resolves kernel, strides, dilations and pads of Conv,
// MaxPool and AveragePool (auto_pad included) and computes the output
// shape. Ceil rounding follows PyTorch (and incc): a last window that would
// start in the end padding is dropped.
func (g *graph) inferWindow(n *node, x *node) error {
	r := len(x.shape) - 2
	if r < 1 {
		return fmt.Errorf("input of rank %d", len(x.shape))
	}
	w := &window{k: make([]int, r), s: make([]int, r), d: make([]int, r), pads: make([]int, 2*r)}
	outC := x.shape[1]
	if n.op == "Conv" {
		wt := n.cst(1)
		if wt == nil {
			return errors.New("the weights must be constant (an initializer)")
		}
		if len(wt.shape) != r+2 {
			return fmt.Errorf("weights of shape %v for an input of rank %d", wt.shape, r+2)
		}
		group := int(n.a.int("group", 1))
		if group < 1 || x.shape[1]%group != 0 || wt.shape[0]%group != 0 {
			return fmt.Errorf("group %d does not divide the channels (%d in, %d out)", group, x.shape[1], wt.shape[0])
		}
		if wt.shape[1]*group != x.shape[1] {
			return fmt.Errorf("weights %v for %d input channels in %d groups", wt.shape, x.shape[1], group)
		}
		if b := n.cst(2); b != nil && (len(b.shape) != 1 || b.shape[0] != wt.shape[0]) {
			return fmt.Errorf("bias of shape %v for %d output channels", b.shape, wt.shape[0])
		} else if n.act(2) != nil {
			return errors.New("the bias must be constant")
		}
		outC = wt.shape[0]
		copy(w.k, wt.shape[2:])
		if ks := n.a.ints("kernel_shape"); ks != nil && !equalInts(ks, w.k) {
			return fmt.Errorf("kernel_shape %v does not match the weights %v", ks, wt.shape)
		}
	} else {
		ks := n.a.ints("kernel_shape")
		if len(ks) != r {
			return fmt.Errorf("kernel_shape %v for %d spatial dimensions", ks, r)
		}
		for i, k := range ks {
			if k < 1 || k > 1<<20 {
				return fmt.Errorf("kernel_shape %v", ks)
			}
			w.k[i] = int(k)
		}
	}
	fill := func(dst []int, name string, def int) error {
		v := n.a.ints(name)
		if v == nil {
			for i := range dst {
				dst[i] = def
			}
			return nil
		}
		if len(v) != len(dst) {
			return fmt.Errorf("%s %v for %d spatial dimensions", name, v, r)
		}
		for i, x := range v {
			if x < 0 || x > 1<<20 || x == 0 && name != "pads" {
				return fmt.Errorf("%s %v", name, v)
			}
			dst[i] = int(x)
		}
		return nil
	}
	if err := fill(w.s, "strides", 1); err != nil {
		return err
	}
	if err := fill(w.d, "dilations", 1); err != nil {
		return err
	}
	if err := fill(w.pads, "pads", 0); err != nil {
		return err
	}
	w.ceil = n.a.int("ceil_mode", 0) != 0
	shape := []int{batchSym, outC}
	ap := n.a.str("auto_pad", "NOTSET")
	for i := 0; i < r; i++ {
		in := x.shape[2+i]
		ext := (w.k[i]-1)*w.d[i] + 1
		switch ap {
		case "NOTSET":
		case "VALID":
			w.pads[i], w.pads[r+i] = 0, 0
		case "SAME_UPPER", "SAME_LOWER":
			out := (in + w.s[i] - 1) / w.s[i]
			total := max((out-1)*w.s[i]+ext-in, 0)
			lo := total / 2
			if ap == "SAME_LOWER" {
				lo = total - total/2
			}
			w.pads[i], w.pads[r+i] = lo, total-lo
		default:
			return fmt.Errorf("auto_pad %q", ap)
		}
		span := in + w.pads[i] + w.pads[r+i] - ext
		if span < 0 {
			return fmt.Errorf("kernel %v is larger than the padded input %v", w.k, dims(x.shape))
		}
		o := span/w.s[i] + 1
		if w.ceil {
			o = (span+w.s[i]-1)/w.s[i] + 1
			if (o-1)*w.s[i] >= in+w.pads[i] {
				o--
			}
		}
		shape = append(shape, o)
	}
	n.win = w
	n.shape = shape
	return nil
}

func equalInts(a []int64, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != int64(b[i]) {
			return false
		}
	}
	return true
}
