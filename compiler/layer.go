package compiler

import (
	"fmt"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/geom"
)

// layer checks one built-in layer and emits its op (and a ReLU op for the
// relu flag).
func (c *checker) layer(name string, s *dsl.Stmt, x val, en env) val {
	l := s.Layer
	kind := l.Kind.Name
	spec, known := kinds[kind]
	if !known {
		if _, isBlock := c.blocks[kind]; isBlock {
			c.errorf(l.Kind.Pos, "%s is a block: call it as %s(...)", kind, kind)
		} else {
			c.unknownKind(l.Kind, kinds, "layer kind")
		}
		return bad(x)
	}
	a := c.parseArgs(kind, spec, l.Args, en)
	c.noBody(l, kind)
	in := x.shape
	op := ir.Op{Name: name, In: []int{x.id}}
	var out ir.Shape
	ok := true
	positive := func(what string, v int, pos dsl.Pos, valid bool) {
		if valid && v < 1 {
			// An attribute not given defaults to another (a pool's stride
			// to its kernel), which is reported instead.
			if pos.Line > 0 {
				c.errorf(pos, "%s: %s must be positive, got %d", kind, what, v)
			}
			ok = false
		}
		ok = ok && valid
	}
	switch kind {
	case "conv":
		if !a.has("kernel") {
			if !a.bad {
				c.errorf(l.Kind.Pos, "conv: missing kernel size (usage: %s)", spec.doc)
			}
			ok = false
		}
		if !a.has("out") {
			if !a.bad {
				c.errorf(l.Kind.Pos, "conv: missing output channels (usage: %s)", spec.doc)
			}
			ok = false
		}
		kh, kw, kok := c.pair(kind, a, "kernel", en, 1, 1)
		positive("kernel", min(kh, kw), a.vals["kernel"].pos, kok)
		n, npos, nok := c.intAttr(a, "out", en, 1)
		positive("output channels", n, npos, nok)
		sh, sw, sok := c.pair(kind, a, "stride", en, 1, 1)
		positive("stride", min(sh, sw), a.vals["stride"].pos, sok)
		pad, pok := c.padAttr(kind, a, en, in, kh, kw, sh, sw)
		ok = ok && pok && c.nonNegPad(kind, a, pad)
		bias := c.biasFlag(kind, a)
		if !ok || !x.ok {
			return bad(x)
		}
		oh, ow, sok := c.windowOut(kind, a.vals["kernel"].pos, in, kh, kw, sh, sw, pad, false)
		if !sok {
			return bad(x)
		}
		out = ir.Shape{C: n, H: oh, W: ow}
		op.Kind = ir.KindConv
		op.Conv = &ir.Conv{Out: n, KH: kh, KW: kw, SH: sh, SW: sw, Pad: pad, Bias: bias}
		if product(n, in.C, kh, kw) > maxWeights {
			c.errorf(l.Kind.Pos, "conv: too many weights: %dx%dx%dx%d (at most %d)", n, in.C, kh, kw, maxWeights)
			return bad(x)
		}
		fan := in.C * kh * kw
		op.Params = []ir.Param{{Name: "weight", Role: ir.RoleWeight, Shape: []int{n, in.C, kh, kw}, FanIn: fan}}
		if bias {
			op.Params = append(op.Params, ir.Param{Name: "bias", Role: ir.RoleBias, Shape: []int{n}, FanIn: fan})
		}
	case "maxpool", "avgpool":
		if !a.has("kernel") {
			if !a.bad {
				c.errorf(l.Kind.Pos, "%s: missing kernel size (usage: %s)", kind, spec.doc)
			}
			return bad(x)
		}
		kh, kw, kok := c.pair(kind, a, "kernel", en, 1, 1)
		positive("kernel", min(kh, kw), a.vals["kernel"].pos, kok)
		sh, sw, sok := c.pair(kind, a, "stride", en, kh, kw)
		positive("stride", min(sh, sw), a.vals["stride"].pos, sok)
		pad, pok := c.padAttr(kind, a, en, in, kh, kw, sh, sw)
		ok = ok && pok && c.nonNegPad(kind, a, pad)
		if ok && (pad.Top > kh/2 || pad.Bottom > kh/2 || pad.Left > kw/2 || pad.Right > kw/2) {
			c.errorf(a.vals["pad"].pos, "%s: pad %s is more than half the kernel %dx%d", kind, padString(pad), kh, kw)
			ok = false
		}
		_, ceil := a.flags["ceil"]
		if p, floor := a.flags["floor"]; floor && ceil {
			c.errorf(p, "%s: ceil and floor both given", kind)
			ok = false
		}
		if !ok || !x.ok {
			return bad(x)
		}
		oh, ow, sok := c.windowOut(kind, a.vals["kernel"].pos, in, kh, kw, sh, sw, pad, ceil)
		if !sok {
			return bad(x)
		}
		out = ir.Shape{C: in.C, H: oh, W: ow}
		op.Kind = ir.KindMaxPool
		if kind == "avgpool" {
			op.Kind = ir.KindAvgPool
		}
		op.Pool = &ir.Pool{KH: kh, KW: kw, SH: sh, SW: sw, Pad: pad, Ceil: ceil}
	case "adaptiveavgpool", "globalavgpool":
		oh, ow := 1, 1
		if kind == "adaptiveavgpool" {
			if !a.has("size") {
				if !a.bad {
					c.errorf(l.Kind.Pos, "adaptiveavgpool: missing output size (usage: %s)", spec.doc)
				}
				return bad(x)
			}
			var sok bool
			oh, ow, sok = c.pair(kind, a, "size", en, 1, 1)
			positive("size", min(oh, ow), a.vals["size"].pos, sok)
		}
		if !ok || !x.ok {
			return bad(x)
		}
		out = ir.Shape{C: in.C, H: oh, W: ow}
		op.Kind = ir.KindAdaptiveAvgPool
		op.Adaptive = &ir.Adaptive{H: oh, W: ow}
	case "lrn":
		if !a.has("size") {
			if !a.bad {
				c.errorf(l.Kind.Pos, "lrn: missing size (usage: %s)", spec.doc)
			}
			return bad(x)
		}
		size, spos, sok := c.intAttr(a, "size", en, 5)
		positive("size", size, spos, sok)
		alpha, _, aok := c.floatAttr(a, "alpha", en, 1e-4)
		beta, _, bok := c.floatAttr(a, "beta", en, 0.75)
		k, _, kok := c.floatAttr(a, "k", en, 1)
		if !ok || !aok || !bok || !kok || !x.ok {
			return bad(x)
		}
		out = in
		op.Kind = ir.KindLRN
		op.LRN = &ir.LRN{Size: size, Alpha: alpha, Beta: beta, K: k}
	case "batchnorm":
		eps, epos, eok := c.floatAttr(a, "eps", en, 1e-5)
		if eok && eps <= 0 {
			c.errorf(epos, "batchnorm: eps must be positive, got %g", eps)
			eok = false
		}
		if !eok || !x.ok {
			return bad(x)
		}
		out = in
		op.Kind = ir.KindBatchNorm
		op.BN = &ir.BatchNorm{Eps: eps}
		cs := []int{in.C}
		op.Params = []ir.Param{
			{Name: "weight", Role: ir.RoleWeight, Shape: cs},
			{Name: "bias", Role: ir.RoleBias, Shape: cs},
			{Name: "running_mean", Role: ir.RoleRunningMean, Shape: cs},
			{Name: "running_var", Role: ir.RoleRunningVar, Shape: cs},
		}
	case "relu", "flatten", "softmax", "identity":
		if !x.ok {
			return bad(x)
		}
		out = in
		op.Kind = map[string]ir.Kind{"relu": ir.KindReLU, "flatten": ir.KindFlatten, "softmax": ir.KindSoftmax, "identity": ir.KindIdentity}[kind]
		if kind == "flatten" {
			out = ir.Shape{C: in.Len(), H: 1, W: 1}
		}
		if kind == "softmax" && (in.H != 1 || in.W != 1) {
			c.errorf(l.Kind.Pos, "softmax: input must be Cx1x1, got %v (flatten or pool first)", in)
			return bad(x)
		}
	case "dropout":
		rate, rpos, rok := c.floatAttr(a, "rate", en, 0.5)
		if rok && (rate < 0 || rate >= 1) {
			c.errorf(rpos, "dropout: rate must be in [0, 1), got %g", rate)
			rok = false
		}
		if !rok || !x.ok {
			return bad(x)
		}
		out = in
		op.Kind = ir.KindDropout
		op.Dropout = &ir.Dropout{Rate: rate}
	case "fc":
		if !a.has("out") {
			if !a.bad {
				c.errorf(l.Kind.Pos, "fc: missing output size (usage: %s)", spec.doc)
			}
			return bad(x)
		}
		n, npos, nok := c.intAttr(a, "out", en, 1)
		positive("output size", n, npos, nok)
		bias := c.biasFlag(kind, a)
		if !ok || !x.ok {
			return bad(x)
		}
		if product(n, in.Len()) > maxWeights {
			c.errorf(l.Kind.Pos, "fc: too many weights: %dx%d (at most %d)", n, in.Len(), maxWeights)
			return bad(x)
		}
		out = ir.Shape{C: n, H: 1, W: 1}
		op.Kind = ir.KindFC
		op.FC = &ir.FC{Out: n, Bias: bias}
		op.Params = []ir.Param{{Name: "weight", Role: ir.RoleWeight, Shape: []int{n, in.Len()}, FanIn: in.Len()}}
		if bias {
			op.Params = append(op.Params, ir.Param{Name: "bias", Role: ir.RoleBias, Shape: []int{n}, FanIn: in.Len()})
		}
	default:
		panic("compiler: kind without a check: " + kind)
	}
	if a.bad {
		// The layer is not what its author meant: its output would only
		// cause errors downstream.
		return bad(x)
	}
	if product(out.C, out.H, out.W) > dsl.MaxInt {
		c.errorf(l.Kind.Pos, "%s: output %v is too large (at most %d values)", kind, out, dsl.MaxInt)
		return bad(x)
	}
	y := c.emit(op, out, s.Pos)
	if pos, relu := a.flags["relu"]; relu && y.ok {
		y = c.emit(ir.Op{Kind: ir.KindReLU, Name: name + ".relu", In: []int{y.id}}, out, pos)
	}
	return y
}

// maxWeights bounds the weights of one layer (1 GiB of float32).
const maxWeights = dsl.MaxInt * 16

// product multiplies sizes without overflow: in float64, exact up to 2^53
// and only compared with bounds far below that.
func product(dims ...int) float64 {
	p := 1.0
	for _, d := range dims {
		p *= float64(d)
	}
	return p
}

func (c *checker) biasFlag(kind string, a attrs) bool {
	_, on := a.flags["bias"]
	p, off := a.flags["nobias"]
	if on && off {
		c.errorf(p, "%s: bias and nobias both given", kind)
	}
	return !off
}

func (c *checker) nonNegPad(kind string, a attrs, p ir.Pad) bool {
	if p.Top < 0 || p.Left < 0 || p.Bottom < 0 || p.Right < 0 {
		c.errorf(a.vals["pad"].pos, "%s: pad must not be negative, got %s", kind, padString(p))
		return false
	}
	return true
}

func padString(p ir.Pad) string {
	if p.Top == p.Bottom && p.Left == p.Right {
		if p.Top == p.Left {
			return fmt.Sprint(p.Top)
		}
		return fmt.Sprintf("%dx%d", p.Top, p.Left)
	}
	return fmt.Sprintf("(%d, %d, %d, %d)", p.Top, p.Left, p.Bottom, p.Right)
}

// windowOut is the output size of a sliding window (conv or pool), by
// geom.Out. The window must fit in the padded input; then the output is at
// least 1x1.
func (c *checker) windowOut(kind string, pos dsl.Pos, in ir.Shape, kh, kw, sh, sw int, p ir.Pad, ceil bool) (int, int, bool) {
	ph, pw := in.H+p.Top+p.Bottom, in.W+p.Left+p.Right
	if ph < kh || pw < kw {
		if kind == "conv" {
			c.errorf(pos, "conv: kernel %dx%d is larger than the padded input %dx%d", kh, kw, ph, pw)
		} else {
			c.errorf(pos, "%s: input %v pools to nothing: kernel %dx%d is larger than the padded input %dx%d", kind, in, kh, kw, ph, pw)
		}
		return 0, 0, false
	}
	return geom.Out(in.H, kh, sh, p.Top, p.Bottom, ceil), geom.Out(in.W, kw, sw, p.Left, p.Right, ceil), true
}
