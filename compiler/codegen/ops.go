package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
)

// maxUnroll bounds the pooling windows that are unrolled (7×7).
const maxUnroll = 49

// id, lit and friends keep the emitters short.
func id(s string) *jen.Statement { return jen.Id(s) }
func lit(v int) *jen.Statement   { return jen.Lit(v) }

// view renders the slice of value v for one image: e.In or e.Arena at its
// planned offset, with constant bounds.
func (g *gen) view(v int) *jen.Statement {
	l := g.p.loc[v]
	n := g.net.Shape(v).Len()
	if l.input {
		return id("e").Dot("In").Index(span(l.off, n))
	}
	return id("e").Dot("Arena").Index(span(g.p.arena(v), n))
}

// span renders off:off+n with literal bounds.
func span(off, n int) jen.Code {
	if off == 0 {
		return jen.Op(":").Lit(n)
	}
	return jen.Lit(off).Op(":").Lit(off + n)
}

// where describes an op's spec position and the block instances it came
// through.
func where(op *ir.Op) string {
	s := op.Src.String()
	for _, t := range op.Trail {
		s += " via " + t.String()
	}
	return s
}

// describe is the doc comment of a step's function.
func (g *gen) describe(s *step) string {
	net := g.net
	op := s.op
	in, out := net.Shape(op.In[0]), net.Shape(op.Out)
	var what string
	switch op.Kind {
	case ir.KindConv:
		c := op.Conv
		what = fmt.Sprintf("%dx%d convolution, stride %s, pad %s", c.KH, c.KW, pair(c.SH, c.SW), padString(c.Pad))
		if !c.Bias {
			what += ", no bias"
		}
	case ir.KindMaxPool, ir.KindAvgPool:
		c := op.Pool
		kind := "max"
		if op.Kind == ir.KindAvgPool {
			kind = "average"
		}
		round := "floor"
		if c.Ceil {
			round = "ceil"
		}
		what = fmt.Sprintf("%dx%d %s pooling, stride %s, pad %s, %s", c.KH, c.KW, kind, pair(c.SH, c.SW), padString(c.Pad), round)
	case ir.KindAdaptiveAvgPool:
		what = fmt.Sprintf("adaptive average pooling to %dx%d", op.Adaptive.H, op.Adaptive.W)
	case ir.KindLRN:
		l := op.LRN
		what = fmt.Sprintf("local response normalisation, size %d, alpha %v, beta %v, k %v", l.Size, l.Alpha, l.Beta, l.K)
	case ir.KindBatchNorm:
		what = fmt.Sprintf("batch normalisation, eps %v", op.BN.Eps)
	case ir.KindReLU:
		what = "ReLU"
	case ir.KindSoftmax:
		what = "softmax"
	case ir.KindFC:
		what = fmt.Sprintf("fully connected, %d outputs", op.FC.Out)
		if !op.FC.Bias {
			what += ", no bias"
		}
	case ir.KindAdd:
		what = fmt.Sprintf("sum of %d inputs", len(op.In))
	case ir.KindConcat:
		what = fmt.Sprintf("concatenation of %d inputs", len(op.In))
	}
	shapes := fmt.Sprintf("%v -> %v", in, out)
	if op.Kind == ir.KindAdd || op.Kind == ir.KindConcat {
		var ins []string
		for _, v := range op.In {
			ins = append(ins, net.Shape(v).String())
		}
		shapes = strings.Join(ins, " + ") + " -> " + out.String()
	}
	text := fmt.Sprintf("%s computes %s (%s): %s, %s", s.fn, op.Name, where(op), what, shapes)
	if s.bn != nil {
		text += fmt.Sprintf("; batch norm %s (eps %v) folded into the weights", s.bn.Name, s.bn.BN.Eps)
	}
	if s.relu != nil {
		text += "; ReLU " + s.relu.Name + " fused"
	}
	text += "."
	if r := g.p.loc[s.out]; !r.input && r.root != g.p.base(s.out) && op.Kind != ir.KindConcat {
		c := net.Shape(r.root)
		text += fmt.Sprintf(" It writes channels %d..%d of %s (%v) in place.", r.off/(c.H*c.W), (r.off/(c.H*c.W))+out.C-1, opName(net, r.root), c)
	}
	if op.Head != "" {
		text += " Side head " + op.Head + "."
	}
	text += "\n\n" + g.itemsDoc(s)
	return text
}

// itemsDoc explains a step's work items.
func (g *gen) itemsDoc(s *step) string {
	out := g.net.Shape(s.op.Out)
	switch s.op.Kind {
	case ir.KindConv:
		blocks := fmt.Sprintf("%d block(s) of %d output channels", s.blocks, s.block)
		if s.direct {
			return fmt.Sprintf("Work items (%d): %d tile(s) of %d pixels × %s; a GEMM straight on the input.", s.items, s.tiles, s.n, blocks)
		}
		return fmt.Sprintf("Work items (%d): %d tile(s) of %d output rows × %s; each tile is unfolded (im2col, %d×%d values) into the worker's scratch, then multiplied.", s.items, s.tiles, s.rows, blocks, s.k, s.rows*out.W)
	case ir.KindLRN:
		return fmt.Sprintf("Work items (%d): runs of %d pixels.", s.items, s.chunk)
	case ir.KindAdd, ir.KindReLU:
		return fmt.Sprintf("Work items (%d): runs of %d values.", s.items, s.chunk)
	case ir.KindFC:
		return fmt.Sprintf("Work items (%d): blocks of %d outputs.", s.items, s.fcBlock)
	case ir.KindSoftmax:
		return "Work items (1): the whole image."
	case ir.KindConcat:
		return fmt.Sprintf("Work items (%d): one per input that is copied (the others are written in place by their producers).", s.items)
	}
	return fmt.Sprintf("Work items (%d): channels.", s.items)
}

func pair(a, b int) string {
	if a == b {
		return strconv.Itoa(a)
	}
	return fmt.Sprintf("%dx%d", a, b)
}

func padString(p ir.Pad) string {
	switch {
	case p.Top == p.Bottom && p.Left == p.Right && p.Top == p.Left:
		return strconv.Itoa(p.Top)
	case p.Top == p.Bottom && p.Left == p.Right:
		return fmt.Sprintf("%dx%d", p.Top, p.Left)
	}
	return fmt.Sprintf("(%d, %d, %d, %d)", p.Top, p.Left, p.Bottom, p.Right)
}

// genStep emits the function of one step.
func (g *gen) genStep(s *step) error {
	var body []jen.Code
	switch s.op.Kind {
	case ir.KindConv:
		body = g.genConv(s)
	case ir.KindMaxPool, ir.KindAvgPool:
		body = g.genPool(s)
	case ir.KindAdaptiveAvgPool:
		body = g.genAdaptive(s)
	case ir.KindLRN:
		body = g.genLRN(s)
	case ir.KindBatchNorm:
		body = g.genBatchNorm(s)
	case ir.KindReLU, ir.KindAdd:
		body = g.genElementwise(s)
	case ir.KindSoftmax:
		body = g.genSoftmax(s)
	case ir.KindFC:
		body = g.genFC(s)
	case ir.KindConcat:
		body = g.genConcat(s)
	default:
		return fmt.Errorf("codegen: op %s: unsupported kind %v", s.op.Name, s.op.Kind)
	}
	g.docf("%s", g.describe(s))
	g.f.Func().Id(s.fn).Params(id("e").Op("*").Id("exec"), jen.List(id("worker"), id("lo"), id("hi")).Int()).Block(body...)
	return nil
}

// forItems is the loop over a step's work items.
func forItems(v string, body ...jen.Code) jen.Code {
	return jen.For(id(v).Op(":=").Id("lo"), id(v).Op("<").Id("hi"), id(v).Op("++")).Block(body...)
}

// forN is for v := from; v < to; v++.
func forN(v string, from, to jen.Code, body ...jen.Code) jen.Code {
	return jen.For(id(v).Op(":=").Add(from), id(v).Op("<").Add(to), id(v).Op("++")).Block(body...)
}

// srcDst declares src and dst.
func (g *gen) srcDst(s *step) []jen.Code {
	return []jen.Code{
		id("src").Op(":=").Add(g.view(s.op.In[0])),
		id("dst").Op(":=").Add(g.view(s.out)),
	}
}

// mulAdd renders x*c + d, leaving out the zero and unit terms.
func mulAdd(x string, c, d int) *jen.Statement {
	var e *jen.Statement
	switch c {
	case 0:
		return lit(d)
	case 1:
		e = id(x)
	default:
		e = id(x).Op("*").Lit(c)
	}
	switch {
	case d > 0:
		e = e.Op("+").Lit(d)
	case d < 0:
		e = e.Op("-").Lit(-d)
	}
	return e
}

// genConv emits a convolution: GEMM tiles, with im2col unless 1×1.
func (g *gen) genConv(s *step) []jen.Code {
	net := g.net
	in, out := net.Shape(s.op.In[0]), net.Shape(s.op.Out)
	ohw := out.H * out.W
	relu := jen.Lit(s.relu != nil)
	body := g.srcDst(s)
	body = append(body, id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("conv").Index(lit(s.widx)))
	// rows o0..o1 of the item
	var decode []jen.Code
	var o0, o1 jen.Code
	if s.blocks == 1 {
		o0, o1 = lit(0), lit(out.C)
	} else {
		o0 = id("o0")
		o1 = jen.Min(id("o0").Op("+").Lit(s.block), lit(out.C))
		if out.C%s.block == 0 {
			o1 = id("o0").Op("+").Lit(s.block)
		}
	}
	// tileOf declares t (the tile) and o0 (the first output channel) of item it.
	tileOf := func() {
		switch {
		case s.blocks == 1:
			decode = append(decode, id("t").Op(":=").Id("it"))
		case s.tiles == 1:
			decode = append(decode, jen.List(id("t"), id("o0")).Op(":=").Lit(0).Op(",").Id("it").Op("*").Lit(s.block))
		default:
			decode = append(decode, jen.List(id("t"), id("o0")).Op(":=").Id("it").Op("/").Lit(s.blocks).Op(",").Id("it").Op("%").Lit(s.blocks).Op("*").Lit(s.block))
		}
	}
	if s.direct {
		// One tile of n pixels starting at p0.
		var n jen.Code = lit(ohw)
		switch {
		case s.tiles > 1:
			tileOf()
			decode = append(decode, id("p0").Op(":=").Id("t").Op("*").Lit(s.n))
			n = lit(s.n)
			if ohw%s.n != 0 {
				n = jen.Min(lit(s.n), lit(ohw).Op("-").Id("p0"))
			}
		case s.blocks > 1:
			decode = append(decode, id("o0").Op(":=").Id("it").Op("*").Lit(s.block))
		}
		at := func(x string) jen.Code {
			if s.tiles > 1 {
				return id(x).Index(id("p0").Op(":"))
			}
			return id(x)
		}
		gemm := rt("Gemm").Call(at("dst"), lit(ohw), id("w").Dot("A"), lit(s.k), o0, o1, at("src"), lit(ohw), n, id("w").Dot("Bias"), relu)
		return append(body, forItems("it", append(decode, gemm)...))
	}
	// im2col tiles of s.rows output rows.
	body = append(body,
		id("col").Op(":=").Id("e").Dot("Scratch").Index(id("worker")).Index(jen.Op(":").Lit(s.scratch)),
		id("tile").Op(":=").Lit(-1),
	)
	tileOf()
	decode = append(decode, id("y0").Op(":=").Id("t").Op("*").Lit(s.rows))
	var n jen.Code = lit(s.rows * out.W)
	if out.H%s.rows != 0 {
		decode = append(decode,
			id("y1").Op(":=").Min(id("y0").Op("+").Lit(s.rows), lit(out.H)),
			id("n").Op(":=").Parens(id("y1").Op("-").Id("y0")).Op("*").Lit(out.W),
		)
		n = id("n")
	} else {
		decode = append(decode,
			id("y1").Op(":=").Id("y0").Op("+").Lit(s.rows),
			id("n").Op(":=").Lit(s.rows*out.W),
		)
		n = id("n")
	}
	pack := []jen.Code{id("tile").Op("=").Id("t")}
	pack = append(pack, g.im2col(s, in, out)...)
	decode = append(decode, jen.If(id("t").Op("!=").Id("tile")).Block(pack...))
	decode = append(decode, rt("Gemm").Call(id("dst").Index(id("y0").Op("*").Lit(out.W).Op(":")), lit(ohw), id("w").Dot("A"), lit(s.k), o0, o1, id("col"), n, n, id("w").Dot("Bias"), relu))
	return append(body, forItems("it", decode...))
}

// im2col emits the unfolding of output rows [y0, y1) into col: row
// (c·KH + i)·KW + j of col, n columns wide, holds input pixel
// (y·SH + i - Pad.Top, x·SW + j - Pad.Left) of channel c for each output
// pixel (y, x) of the tile, zero where that falls in the padding. The
// kernel's columns j are unrolled, with the valid range of x of each a
// constant.
func (g *gen) im2col(s *step, in, out ir.Shape) []jen.Code {
	c := s.op.Conv
	hw := in.H * in.W
	// Does any row of the window fall outside the input?
	rowsOut := c.Pad.Top > 0 || (out.H-1)*c.SH+c.KH-1-c.Pad.Top >= in.H
	var taps []jen.Code
	for j := range c.KW {
		lo, hi := validRange(j, c.Pad.Left, c.SW, in.W, out.W)
		// base is where column j's row of col starts.
		base := func() *jen.Statement {
			if j == 0 {
				return id("k0")
			}
			return id("k0").Op("+").Lit(j).Op("*").Id("n")
		}
		taps = append(taps, jen.Comment(fmt.Sprintf("kernel column %d: output columns %d..%d read the row", j, lo, hi-1)))
		taps = append(taps, id("d").Op("=").Id("col").Index(base().Op(":").Add(base()).Op("+").Lit(out.W)))
		if lo >= hi {
			taps = append(taps, jen.Clear(id("d")))
			continue
		}
		if lo > 0 {
			taps = append(taps, jen.Clear(id("d").Index(jen.Op(":").Lit(lo))))
		}
		first := lo*c.SW + j - c.Pad.Left
		if c.SW == 1 {
			taps = append(taps, jen.Copy(id("d").Index(lit(lo).Op(":").Lit(hi)), id("row").Index(lit(first).Op(":"))))
		} else {
			taps = append(taps, forN("x", lit(lo), lit(hi),
				id("d").Index(id("x")).Op("=").Id("row").Index(mulAdd("x", c.SW, j-c.Pad.Left)),
			))
		}
		if hi < out.W {
			taps = append(taps, jen.Clear(id("d").Index(lit(hi).Op(":"))))
		}
	}
	rowBody := []jen.Code{
		id("k0").Op(":=").Parens(id("c").Op("*").Lit(c.KH * c.KW).Op("+").Id("i").Op("*").Lit(c.KW)).Op("*").Id("n").Op("+").Parens(id("y").Op("-").Id("y0")).Op("*").Lit(out.W),
		id("iy").Op(":=").Add(mulAdd("y", c.SH, -c.Pad.Top)).Op("+").Id("i"),
	}
	if rowsOut {
		rowBody = append(rowBody, jen.If(id("iy").Op("<").Lit(0).Op("||").Id("iy").Op(">=").Lit(in.H)).Block(
			jen.Comment("the window row is in the padding"),
			forN("j", lit(0), lit(c.KW),
				jen.Clear(id("col").Index(id("k0").Op("+").Id("j").Op("*").Id("n").Op(":").Id("k0").Op("+").Id("j").Op("*").Id("n").Op("+").Lit(out.W))),
			),
			jen.Continue(),
		))
	}
	rowBody = append(rowBody,
		id("row").Op(":=").Id("plane").Index(id("iy").Op("*").Lit(in.W).Op(":").Id("iy").Op("*").Lit(in.W).Op("+").Lit(in.W)),
		jen.Var().Id("d").Index().Float32(),
	)
	rowBody = append(rowBody, taps...)
	return []jen.Code{
		forN("c", lit(0), lit(in.C),
			id("plane").Op(":=").Id("src").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)),
			forN("i", lit(0), lit(c.KH),
				forN("y", id("y0"), id("y1"), rowBody...),
			),
		),
	}
}

// validRange returns the outputs x in [lo, hi) whose tap at kernel offset
// j lands inside the input: 0 <= x*stride - pad + j < in, 0 <= x < out.
func validRange(j, pad, stride, in, out int) (lo, hi int) {
	if d := pad - j; d > 0 {
		lo = (d + stride - 1) / stride
	}
	last := in - 1 + pad - j
	if last < 0 {
		return 0, 0
	}
	hi = min(last/stride+1, out)
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}

// interior returns the outputs [lo, hi) along one axis whose whole
// window lies inside the input.
func interior(in, out, k, stride, pad int) (lo, hi int) {
	lo = (pad + stride - 1) / stride
	if in-k+pad < 0 {
		return 0, 0
	}
	hi = min(out, (in-k+pad)/stride+1)
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}

// genPool emits max or average pooling: per channel, the window unrolled
// for cells inside the image, a runtime helper for border cells.
func (g *gen) genPool(s *step) []jen.Code {
	net := g.net
	pl := s.op.Pool
	in, out := net.Shape(s.op.In[0]), net.Shape(s.op.Out)
	hw, ohw := in.H*in.W, out.H*out.W
	isMax := s.op.Kind == ir.KindMaxPool
	y0, y1 := interior(in.H, out.H, pl.KH, pl.SH, pl.Pad.Top)
	x0, x1 := interior(in.W, out.W, pl.KW, pl.SW, pl.Pad.Left)
	clipped := []jen.Code{id("in"), lit(in.W),
		jen.Max(id("iy"), lit(0)), jen.Min(id("iy").Op("+").Lit(pl.KH), lit(in.H)),
		jen.Max(id("ix"), lit(0)), jen.Min(id("ix").Op("+").Lit(pl.KW), lit(in.W))}
	var border jen.Code
	if isMax {
		border = id("v").Op("=").Add(rt("MaxCell")).Call(clipped...)
	} else {
		// The divisor counts the padding but not what a ceil-mode window
		// has beyond it.
		div := jen.Parens(jen.Min(id("iy").Op("+").Lit(pl.KH), lit(in.H+pl.Pad.Bottom)).Op("-").Id("iy")).Op("*").
			Parens(jen.Min(id("ix").Op("+").Lit(pl.KW), lit(in.W+pl.Pad.Right)).Op("-").Id("ix"))
		border = id("v").Op("=").Add(rt("SumCell")).Call(clipped...).Op("/").Float32().Parens(div)
	}
	cell := []jen.Code{
		id("ix").Op(":=").Add(mulAdd("x", pl.SW, -pl.Pad.Left)),
		jen.Var().Id("v").Float32(),
	}
	if y0 < y1 && x0 < x1 && pl.KH*pl.KW <= maxUnroll {
		var unrolled []jen.Code
		unrolled = append(unrolled, id("r").Op(":=").Id("in").Index(id("iy").Op("*").Lit(in.W).Op("+").Id("ix").Op(":")))
		first := true
		for i := range pl.KH {
			for j := range pl.KW {
				at := id("r").Index(lit(i*in.W + j))
				switch {
				case isMax && first:
					unrolled = append(unrolled, id("v").Op("=").Add(at))
				case isMax:
					unrolled = append(unrolled, id("v").Op("=").Add(rt("MaxNaN")).Call(id("v"), at))
				default:
					unrolled = append(unrolled, id("v").Op("+=").Add(at))
				}
				first = false
			}
		}
		if !isMax {
			unrolled = append(unrolled, id("v").Op("/=").Lit(pl.KH*pl.KW))
		}
		var cond *jen.Statement
		addCond := func(c *jen.Statement) {
			if cond == nil {
				cond = c
			} else {
				cond = cond.Op("&&").Add(c)
			}
		}
		if y0 > 0 {
			addCond(id("y").Op(">=").Lit(y0))
		}
		if y1 < out.H {
			addCond(id("y").Op("<").Lit(y1))
		}
		if x0 > 0 {
			addCond(id("x").Op(">=").Lit(x0))
		}
		if x1 < out.W {
			addCond(id("x").Op("<").Lit(x1))
		}
		if cond == nil {
			cell = append(cell, unrolled...)
		} else {
			cell = append(cell, jen.If(cond).Block(unrolled...).Else().Block(border))
		}
	} else {
		cell = append(cell, border)
	}
	cell = append(cell, id("out").Index(id("y").Op("*").Lit(out.W).Op("+").Id("x")).Op("=").Id("v"))
	body := g.srcDst(s)
	return append(body, forItems("c",
		id("in").Op(":=").Id("src").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)),
		id("out").Op(":=").Id("dst").Index(id("c").Op("*").Lit(ohw).Op(":").Id("c").Op("*").Lit(ohw).Op("+").Lit(ohw)),
		forN("y", lit(0), lit(out.H),
			id("iy").Op(":=").Add(mulAdd("y", pl.SH, -pl.Pad.Top)),
			forN("x", lit(0), lit(out.W), cell...),
		),
	))
}

// genAdaptive emits adaptive average pooling: cell (y, x) averages input
// rows floor(y·H/OH) .. ceil((y+1)·H/OH)-1, likewise columns.
func (g *gen) genAdaptive(s *step) []jen.Code {
	net := g.net
	in, out := net.Shape(s.op.In[0]), net.Shape(s.op.Out)
	hw, ohw := in.H*in.W, out.H*out.W
	body := g.srcDst(s)
	perC := []jen.Code{
		id("in").Op(":=").Id("src").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)),
	}
	if out.H == 1 && out.W == 1 {
		perC = append(perC, id("dst").Index(id("c")).Op("=").Add(rt("SumCell")).Call(id("in"), lit(in.W), lit(0), lit(in.H), lit(0), lit(in.W)).Op("/").Lit(in.H).Op("/").Lit(in.W))
		return append(body, forItems("c", perC...))
	}
	perC = append(perC,
		id("out").Op(":=").Id("dst").Index(id("c").Op("*").Lit(ohw).Op(":").Id("c").Op("*").Lit(ohw).Op("+").Lit(ohw)),
		forN("y", lit(0), lit(out.H),
			jen.List(id("y0"), id("y1")).Op(":=").Id("y").Op("*").Lit(in.H).Op("/").Lit(out.H).Op(",").Parens(id("y").Op("*").Lit(in.H).Op("+").Lit(in.H+out.H-1)).Op("/").Lit(out.H),
			forN("x", lit(0), lit(out.W),
				jen.List(id("x0"), id("x1")).Op(":=").Id("x").Op("*").Lit(in.W).Op("/").Lit(out.W).Op(",").Parens(id("x").Op("*").Lit(in.W).Op("+").Lit(in.W+out.W-1)).Op("/").Lit(out.W),
				id("out").Index(id("y").Op("*").Lit(out.W).Op("+").Id("x")).Op("=").Add(rt("SumCell")).Call(id("in"), lit(in.W), id("y0"), id("y1"), id("x0"), id("x1")).
					Op("/").Float32().Parens(id("y1").Op("-").Id("y0")).Op("/").Float32().Parens(id("x1").Op("-").Id("x0")),
			),
		),
	)
	return append(body, forItems("c", perC...))
}

// f32 renders a float64 attribute rounded to float32 as an exact literal.
func f32(v float64) *jen.Statement { return jen.Lit(float32(v)) }

// genLRN emits local response normalisation with the arithmetic of
// runtime.LRN: the window's squares summed in channel order in float32,
// d = s/size·alpha + k, y = x / d^beta (the power in float64, as
// sqrt(d)·sqrt(sqrt(d)) for beta 0.75, by sqrt for 0.5).
func (g *gen) genLRN(s *step) []jen.Code {
	net := g.net
	l := s.op.LRN
	sh := net.Shape(s.op.Out)
	hw := sh.H * sh.W
	// pow is d^beta, as a float32.
	d64 := jen.Float64().Parens(id("d"))
	var pre []jen.Code
	var pow jen.Code
	switch l.Beta {
	case 0.75:
		pre = []jen.Code{id("r").Op(":=").Qual("math", "Sqrt").Call(d64)}
		pow = jen.Float32().Parens(id("r").Op("*").Qual("math", "Sqrt").Call(id("r")))
	case 0.5:
		pow = jen.Float32().Parens(jen.Qual("math", "Sqrt").Call(d64))
	case 1:
		pow = id("d")
	default:
		pow = jen.Float32().Parens(jen.Qual("math", "Pow").Call(d64, jen.Float64().Parens(f32(l.Beta))))
	}
	perPixel := []jen.Code{
		jen.Var().Id("s").Float32(),
		forN("j", id("j0"), id("j1"),
			id("v").Op(":=").Id("src").Index(id("j").Op("*").Lit(hw).Op("+").Id("i")),
			id("s").Op("+=").Id("v").Op("*").Id("v"),
		),
		id("d").Op(":=").Float32().Parens(id("s").Op("/").Add(f32(float64(l.Size))).Op("*").Add(f32(l.Alpha))).Op("+").Add(f32(l.K)),
	}
	perPixel = append(perPixel, pre...)
	perPixel = append(perPixel, id("dst").Index(id("c").Op("*").Lit(hw).Op("+").Id("i")).Op("=").Id("src").Index(id("c").Op("*").Lit(hw).Op("+").Id("i")).Op("/").Add(pow))
	body := g.srcDst(s)
	return append(body, forItems("it",
		id("p0").Op(":=").Id("it").Op("*").Lit(s.chunk),
		id("p1").Op(":=").Min(id("p0").Op("+").Lit(s.chunk), lit(hw)),
		forN("c", lit(0), lit(sh.C),
			jen.Comment("channels j0..j1-1 of the window, clipped to the image"),
			jen.List(id("j0"), id("j1")).Op(":=").Max(id("c").Op("-").Lit(l.Size/2), lit(0)).Op(",").Min(id("c").Op("+").Lit((l.Size-1)/2+1), lit(sh.C)),
			forN("i", id("p0"), id("p1"), perPixel...),
		),
	))
}

// reluIf clamps v at zero if the step has a fused ReLU.
func reluIf(s *step, v string) []jen.Code {
	if s.relu == nil {
		return nil
	}
	return []jen.Code{jen.If(id(v).Op("<").Lit(0)).Block(id(v).Op("=").Lit(0))}
}

// genBatchNorm emits batch normalisation with runtime.BatchNorm's
// arithmetic, per channel.
func (g *gen) genBatchNorm(s *step) []jen.Code {
	sh := g.net.Shape(s.op.Out)
	hw := sh.H * sh.W
	body := g.srcDst(s)
	body = append(body, id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("bn").Index(lit(s.widx)))
	inner := []jen.Code{id("v").Op(":=").Float32().Parens(jen.Float64().Parens(id("x")).Op("*").Id("scale").Op("+").Id("shift"))}
	inner = append(inner, reluIf(s, "v")...)
	inner = append(inner, id("y").Index(id("i")).Op("=").Id("v"))
	return append(body, forItems("c",
		jen.List(id("scale"), id("shift")).Op(":=").Float64().Parens(id("w").Dot("Scale").Index(id("c"))).Op(",").Float64().Parens(id("w").Dot("Shift").Index(id("c"))),
		id("y").Op(":=").Id("dst").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)),
		jen.For(jen.List(id("i"), id("x")).Op(":=").Range().Id("src").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw))).Block(inner...),
	))
}

// genElementwise emits ReLU and addition (inputs summed left to right) over
// runs of values.
func (g *gen) genElementwise(s *step) []jen.Code {
	n := g.net.Shape(s.out).Len()
	var body []jen.Code
	for k, v := range s.op.In {
		body = append(body, id(fmt.Sprintf("x%d", k)).Op(":=").Add(g.view(v)))
	}
	body = append(body, id("dst").Op(":=").Add(g.view(s.out)))
	var sum *jen.Statement
	for k := range s.op.In {
		x := id(fmt.Sprintf("x%d", k)).Index(id("i"))
		if sum == nil {
			sum = x
		} else {
			sum = sum.Op("+").Add(x)
		}
	}
	inner := []jen.Code{id("v").Op(":=").Add(sum)}
	if s.op.Kind == ir.KindReLU {
		inner = append(inner, jen.If(id("v").Op("<").Lit(0)).Block(id("v").Op("=").Lit(0)))
	} else {
		inner = append(inner, reluIf(s, "v")...)
	}
	inner = append(inner, id("dst").Index(id("i")).Op("=").Id("v"))
	return append(body, forItems("it",
		id("i0").Op(":=").Id("it").Op("*").Lit(s.chunk),
		forN("i", id("i0"), jen.Min(id("i0").Op("+").Lit(s.chunk), lit(n)), inner...),
	))
}

// genSoftmax emits softmax over channels with the runtime's kernel.
func (g *gen) genSoftmax(s *step) []jen.Code {
	body := g.srcDst(s)
	return append(body, rt("Softmax").Call(id("dst"), id("src"), lit(1), lit(g.net.Shape(s.op.In[0]).C)))
}

// genFC emits a fully connected layer as a GEMV over blocks of outputs.
func (g *gen) genFC(s *step) []jen.Code {
	out := s.op.FC.Out
	body := g.srcDst(s)
	body = append(body, id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("fc").Index(lit(s.widx)))
	var o1 jen.Code = jen.Min(id("o0").Op("+").Lit(s.fcBlock), lit(out))
	if out%s.fcBlock == 0 {
		o1 = id("o0").Op("+").Lit(s.fcBlock)
	}
	return append(body, forItems("it",
		id("o0").Op(":=").Id("it").Op("*").Lit(s.fcBlock),
		rt("Gemv").Call(id("dst"), id("w").Dot("W"), id("src"), id("w").Dot("Bias"), id("o0"), o1, jen.Lit(s.relu != nil)),
	))
}

// genConcat emits the copies of concat inputs that could not be written in
// place.
func (g *gen) genConcat(s *step) []jen.Code {
	body := []jen.Code{id("dst").Op(":=").Add(g.view(s.out))}
	return append(body, forItems("it", jen.Switch(id("it")).BlockFunc(func(gr *jen.Group) {
		for k, c := range s.copies {
			n := g.net.Shape(c.from).Len()
			gr.Case(lit(k)).Block(jen.Copy(id("dst").Index(lit(c.off).Op(":").Lit(c.off+n)), g.view(c.from)))
		}
	})))
}
