package codegen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/geom"
)

// maxUnroll bounds the windows of a grouped convolution that are unrolled
// (7×7).
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
	what := opGens[op.Kind].what(op)
	shapes := fmt.Sprintf("%v -> %v", in, out)
	if op.Kind.Info().Join {
		var ins []string
		for _, v := range op.In {
			ins = append(ins, net.Shape(v).String())
		}
		shapes = strings.Join(ins, " + ") + " -> " + out.String()
	}
	text := fmt.Sprintf("%s computes %s (%s): %s, %s", s.fn, op.Name, where(op), what, shapes)
	if s.pre != nil {
		text = fmt.Sprintf("%s computes %s (%s) and %s and ReLU %s before it: %s after batch norm (eps %v) and ReLU, %v -> %v",
			s.fn, op.Name, where(op), s.pre.Name, s.preReLU.Name, what, s.pre.BN.Eps, net.Shape(s.pre.In[0]), out)
	}
	if s.bn != nil {
		text += fmt.Sprintf("; batch norm %s (eps %v) folded into the weights", s.bn.Name, s.bn.BN.Eps)
	}
	if s.scale != nil {
		text += fmt.Sprintf("; scale %s (%v) folded into the weights", s.scale.Name, float32(s.scale.Scale.Factor))
	}
	if s.add != nil {
		text += fmt.Sprintf("; the addition %s of %s fused (added to each tile of the output before the activation)", s.add.Name, opName(net, s.res))
	}
	if s.act != nil {
		text += "; " + opGens[s.act.Kind].what(s.act) + " " + s.act.Name + " fused"
	}
	if s.pre != nil {
		text += "; the batch norm and ReLU are applied to the input as the GEMM packs it"
	}
	if s.inReLU != nil {
		text += fmt.Sprintf("; the ReLU %s before it (%v) applied to each input plane as the kernel copies it", s.inReLU.Name, net.Shape(s.inReLU.In[0]))
	}
	text += "."
	if r := g.p.loc[s.out]; !r.input && r.root != g.p.base(s.out) && !opGens[op.Kind].places {
		c := net.Shape(r.root)
		text += fmt.Sprintf(" It writes channels %d..%d of %s (%v) in place.", r.off/(c.H*c.W), (r.off/(c.H*c.W))+out.C-1, opName(net, r.root), c)
	}
	if op.Head != "" {
		text += " Side head " + op.Head + "."
	}
	if i := net.Values[op.Out].Producer; g.p.moved[i] {
		if op.Kind == ir.KindAvgPool {
			c := net.Producer(op.In[0])
			text += fmt.Sprintf(" The spec pools before %s; the two commute, and pooling its %d output channels instead of its %d input channels is cheaper.",
				c.Name, out.C, net.Shape(c.In[0]).C)
		} else {
			text += " It reads the input of the average pool that the spec puts before it (see that layer)."
		}
	}
	text += "\n\n" + opGens[op.Kind].items(g, s)
	return text
}

// gridDoc describes a GEMM grid.
func (g *gen) gridDoc(gr grid, cols, rows string) string {
	d := fmt.Sprintf("%d tile(s) of %d %s", gr.tiles, gr.tileN, cols)
	if gr.tiles*gr.tileN != gr.n {
		d = fmt.Sprintf("%d tile(s) of %d %s (the last ending at %d)", gr.tiles, gr.tileN, cols, gr.n)
	}
	if gr.tiles == 1 {
		d = fmt.Sprintf("1 tile of %d %s", gr.n, strings.TrimSuffix(cols, "s")+map[bool]string{true: "", false: "s"}[gr.n == 1])
	}
	d += fmt.Sprintf(" × %d block(s) of %d %s", gr.blocks, gr.tileM, rows)
	if gr.byRows {
		d += ", numbered block by block (two workers take half the rows each: the tiles do not halve evenly)"
	}
	return d
}

func pair(a, b int) string {
	if a == b {
		return strconv.Itoa(a)
	}
	return fmt.Sprintf("%dx%d", a, b)
}

// genStep emits the function of one step.
func (g *gen) genStep(s *step) {
	body := opGens[s.op.Kind].gen(g, s)
	g.docf("%s", g.describe(s))
	g.f.Func().Id(s.fn).Params(id("e").Op("*").Id("exec"), jen.List(id("worker"), id("lo"), id("hi")).Int()).Block(body...)
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
		id("src").Op(":=").Add(g.view(g.p.input(s))),
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

// genConv emits a convolution: the GEMM of its packed weights with its
// input (MulTile) or the input's im2col matrix (ConvTile), or Winograd's
// algorithm (Winograd.ConvTile), over the rectangles of the worker's
// items; a fused addition or pre-activation goes to MulTileFused or
// ConvTileFused.
func (g *gen) genConv(s *step) []jen.Code {
	net := g.net
	in, out := net.Shape(g.p.input(s)), net.Shape(s.op.Out)
	c := s.op.Conv
	ohw := out.H * out.W
	body := []jen.Code{
		id("src").Op(":=").Add(g.view(g.p.input(s))),
		id("dst").Op(":=").Add(g.view(s.out)),
		id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("conv").Index(lit(s.widx)),
	}
	var fused []any
	if s.res >= 0 {
		body = append(body, id("res").Op(":=").Add(g.view(s.res)))
		fused = append(fused, "Res", id("res"), "LDRes", lit(ohw))
	}
	if s.pre != nil {
		body = append(body, id("pre").Op(":=").Op("&").Id("e").Dot("W").Dot("bn").Index(lit(s.preIdx)))
		fused = append(fused, "Scale", id("pre").Dot("Scale"), "Shift", id("pre").Dot("Shift"))
	}
	epilogue := g.epilogue(s, ohw)
	if lo, hi, ok := clampFused(s); ok && s.winograd == 0 && !s.wino1d {
		fused = append(fused, "Clamp", jen.True(), "Lo", jen.Lit(lo), "Hi", jen.Lit(hi))
		epilogue = nil
	}
	if fused != nil {
		body = append(body, id("f").Op(":=").Add(rt("Fused")).Values(fields(fused...)...))
	}
	tail := []jen.Code{id("r").Dot("N0"), id("r").Dot("N1"), id("r").Dot("M0"), id("r").Dot("M1"), id("w").Dot("Bias"), jen.Lit(reluFused(s))}
	if fused != nil {
		tail = append(tail, jen.Op("&").Id("f"))
	}
	tail = append(tail, id("e").Dot("Scratch").Index(id("worker")))
	geom := rt("Conv").Values(fields(
		"C", lit(in.C), "H", lit(in.H), "W", lit(in.W), "KH", lit(c.KH), "KW", lit(c.KW), "SH", lit(c.SH), "SW", lit(c.SW),
		"Pad", jen.Index(jen.Lit(4)).Int().Values(lits(c.Pad.Top, c.Pad.Left, c.Pad.Bottom, c.Pad.Right)...))...)
	var call *jen.Statement
	switch {
	case s.winograd > 0:
		call = id("w").Dot("Wino").Dot("ConvTile").Call(append([]jen.Code{id("dst"), lit(ohw), id("src"), geom}, tail...)...)
	case s.wino1d:
		call = id("w").Dot("Wino1D").Dot("ConvTile").Call(append([]jen.Code{id("dst"), lit(ohw), id("src"), geom}, tail...)...)
	case s.direct:
		name := "MulTile"
		if fused != nil {
			name = "MulTileFused"
		}
		call = id("w").Dot("P").Dot(name).Call(append([]jen.Code{id("dst"), lit(ohw), id("src"), lit(ohw)}, tail...)...)
	default:
		name := "ConvTile"
		if fused != nil {
			name = "ConvTileFused"
		}
		call = id("w").Dot("P").Dot(name).Call(append([]jen.Code{id("dst"), lit(ohw), id("src"), geom}, tail...)...)
	}
	return append(body, g.gridLoop(s.grid, call, epilogue...)...)
}

// reluFused reports whether the step's fused activation is a ReLU, which
// the GEMM applies as it stores the results.
func reluFused(s *step) bool { return s.act != nil && s.act.Kind == ir.KindReLU }

// clampFused returns the bounds of the step's fused activation if it is a
// clamp (ReLU6, clamp), which a convolution's GEMM applies to each column
// panel while it is in cache (runtime.Fused's Clamp): a pass over the
// output after the call would read it back from memory (MobileNetV2's
// expanding 1×1 convolutions write 4.8 MB at 112×112).
func clampFused(s *step) (lo, hi float32, ok bool) {
	if s.act == nil {
		return 0, 0, false
	}
	switch s.act.Kind {
	case ir.KindReLU6:
		return 0, 6, true
	case ir.KindClamp:
		return float32(s.act.Clamp.Min), float32(s.act.Clamp.Max), true
	}
	return 0, 0, false
}

// epilogue applies a fused activation other than ReLU to the rectangle r
// of a GEMM's output (rows of ld values) that the call before wrote, while
// it is in cache.
func (g *gen) epilogue(s *step, ld int) []jen.Code {
	if s.act == nil || reluFused(s) {
		return nil
	}
	return []jen.Code{forN("m", id("r").Dot("M0"), id("r").Dot("M1"),
		id("row").Op(":=").Id("dst").Index(id("m").Op("*").Lit(ld).Op("+").Id("r").Dot("N0").Op(":").Id("m").Op("*").Lit(ld).Op("+").Id("r").Dot("N1")),
		jen.For(jen.List(id("i"), id("v")).Op(":=").Range().Id("row")).Block(
			append(actIf(s, "v"), id("row").Index(id("i")).Op("=").Id("v"))...,
		),
	)}
}

// gridLoop declares the step's grid and runs call, then after, for each
// rectangle r of items [lo, hi).
func (g *gen) gridLoop(gr grid, call jen.Code, after ...jen.Code) []jen.Code {
	kv := []any{"N", lit(gr.n), "TileN", lit(gr.tileN), "Tiles", lit(gr.tiles), "M", lit(gr.m), "TileM", lit(gr.tileM), "Blocks", lit(gr.blocks)}
	if gr.byRows {
		kv = append(kv, "ByRows", jen.True())
	}
	return []jen.Code{
		id("g").Op(":=").Add(rt("Grid")).Values(fields(kv...)...),
		jen.List(id("rs"), id("nr")).Op(":=").Id("g").Dot("Rects").Call(id("lo"), id("hi")),
		jen.For(jen.List(jen.Id("_"), id("r")).Op(":=").Range().Id("rs").Index(jen.Op(":").Id("nr"))).Block(append([]jen.Code{call}, after...)...),
	}
}

// fields renders key: value pairs in the order given (jen.Dict sorts them).
func fields(kv ...any) []jen.Code {
	var c []jen.Code
	for i := 0; i < len(kv); i += 2 {
		c = append(c, id(kv[i].(string)).Op(":").Add(kv[i+1].(jen.Code)))
	}
	return c
}

// genMaxPool emits max pooling: the runtime's separable SIMD kernel over
// the worker's channels.
func (g *gen) genMaxPool(s *step) []jen.Code {
	body := g.srcDst(s)
	return append(body, rt("MaxPoolChannels").Call(id("dst"), id("src"), poolParams(g.net.Shape(s.op.In[0]), s.op.Pool), id("lo"), id("hi"), id("e").Dot("Scratch").Index(id("worker"))))
}

// genAvgPool emits average pooling: runtime.AvgPoolChannels over the
// worker's channels (whole windows of a zero-padded plane summed 8 cells
// at a time in SIMD, the others one by one, each as AvgPool2D sums it). It replaced
// windows unrolled in Go per layer: Inception-v3's 3×3 stride-1 pools ran
// 1.0–1.6 ms each that way at one thread, about a tenth of the network.
func (g *gen) genAvgPool(s *step) []jen.Code {
	body := g.srcDst(s)
	return append(body, rt("AvgPoolChannels").Call(id("dst"), id("src"), poolParams(g.net.Shape(s.op.In[0]), s.op.Pool), id("lo"), id("hi"), id("e").Dot("Scratch").Index(id("worker"))))
}

// poolParams renders the runtime.Pool2DParams of a pool with input in.
func poolParams(in ir.Shape, pl *ir.Pool) jen.Code {
	kv := []any{"C", lit(in.C), "H", lit(in.H), "W", lit(in.W), "KH", lit(pl.KH), "KW", lit(pl.KW), "SH", lit(pl.SH), "SW", lit(pl.SW)}
	if pl.Pad != (ir.Pad{}) {
		kv = append(kv, "Pad", rt("Pad").Values(fields("Top", lit(pl.Pad.Top), "Left", lit(pl.Pad.Left), "Bottom", lit(pl.Pad.Bottom), "Right", lit(pl.Pad.Right))...))
	}
	if pl.Ceil {
		kv = append(kv, "Ceil", jen.True())
	}
	if pl.ExcludePad {
		kv = append(kv, "ExcludePad", jen.True())
	}
	return rt("Pool2DParams").Values(fields(kv...)...)
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
// ref.LRN: the window's squares summed in channel order in float32,
// d = s/size·alpha + k, y = x / d^beta (the power in float64, as
// sqrt(d)·sqrt(sqrt(d)) for beta 0.75, by sqrt for 0.5). Beta 0.75
// (GoogLeNet's) is runtime.LRN075Pixels, in SIMD: the loop below took a
// fifth of GoogLeNet's time.
func (g *gen) genLRN(s *step) []jen.Code {
	net := g.net
	l := s.op.LRN
	sh := net.Shape(s.op.Out)
	hw := sh.H * sh.W
	if l.Beta == 0.75 {
		return append(g.srcDst(s), rt("LRN075Pixels").Call(id("dst"), id("src"), lit(sh.C), lit(hw), lit(l.Size), f32(l.Alpha), f32(l.K),
			id("lo").Op("*").Lit(s.chunk), jen.Min(id("hi").Op("*").Lit(s.chunk), lit(hw))))
	}
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

// actIf applies the step's fused activation, if it has one, to v.
func actIf(s *step, v string) []jen.Code {
	if s.act == nil {
		return nil
	}
	return s.apply(s.act, v)
}

// relu clamps v at zero, as ref.ReLU does (with max: no branch).
func relu(_ *ir.Op, v string) []jen.Code {
	return []jen.Code{id(v).Op("=").Max(id(v), jen.Lit(float32(0)))}
}

// genBatchNorm emits batch normalisation with ref.BatchNorm's
// arithmetic, per channel: runtime.BatchNormPlane (in SIMD) when it has no
// fused activation or a ReLU, else a loop with the activation inline.
func (g *gen) genBatchNorm(s *step) []jen.Code {
	sh := g.net.Shape(s.op.Out)
	hw := sh.H * sh.W
	body := g.srcDst(s)
	body = append(body, id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("bn").Index(lit(s.widx)))
	if s.act == nil || reluFused(s) {
		plane := func(v string) *jen.Statement {
			return id(v).Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw))
		}
		return append(body, forItems("c",
			rt("BatchNormPlane").Call(plane("dst"), plane("src"), id("w").Dot("Scale").Index(id("c")), id("w").Dot("Shift").Index(id("c")), jen.Lit(reluFused(s))),
		))
	}
	inner := []jen.Code{id("v").Op(":=").Float32().Parens(jen.Float64().Parens(id("x")).Op("*").Id("scale").Op("+").Id("shift"))}
	inner = append(inner, actIf(s, "v")...)
	inner = append(inner, id("y").Index(id("i")).Op("=").Id("v"))
	return append(body, forItems("c",
		jen.List(id("scale"), id("shift")).Op(":=").Float64().Parens(id("w").Dot("Scale").Index(id("c"))).Op(",").Float64().Parens(id("w").Dot("Shift").Index(id("c"))),
		id("y").Op(":=").Id("dst").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)),
		jen.For(jen.List(id("i"), id("x")).Op(":=").Range().Id("src").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw))).Block(inner...),
	))
}

// genElementwise emits an element-wise kind over runs of values: its inputs
// summed left to right (an addition's; one input otherwise), then apply,
// the kind's function of the value v (nil for none; ReLU's clamp), then a
// fused activation.
func (g *gen) genElementwise(s *step, apply func(v string) []jen.Code) []jen.Code {
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
	if apply != nil {
		inner = append(inner, apply("v")...)
	}
	inner = append(inner, actIf(s, "v")...)
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

// genFC emits a fully connected layer: the GEMM of its packed weights with
// the input as one column.
func (g *gen) genFC(s *step) []jen.Code {
	body := g.srcDst(s)
	body = append(body, id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("fc").Index(lit(s.widx)))
	call := id("w").Dot("P").Dot("MulTile").Call(id("dst"), lit(1), id("src"), lit(1), id("r").Dot("N0"), id("r").Dot("N1"), id("r").Dot("M0"), id("r").Dot("M1"),
		id("w").Dot("Bias"), jen.Lit(reluFused(s)), id("e").Dot("Scratch").Index(id("worker")))
	return append(body, g.gridLoop(s.grid, call, g.epilogue(s, 1)...)...)
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

// lanes is how many neighbouring pixels of a row the grouped convolution's
// interior computes at once: independent sums, each in the reference
// order, that the processor overlaps, reading the window's rows once.
const lanes = 4

// genGroupedConv emits a grouped convolution (depthwise when each group
// has one input channel) computed directly, one output channel per work
// item. For pixels whose window lies inside the image the window is
// unrolled (up to maxUnroll taps a channel; for one input channel, the
// weights are local variables), lanes pixels of a row at a time, each
// window row read through a slice of constant length (no bounds checks on
// the taps); runtime.ConvCell computes the border pixels. Every output
// sums its taps in ref.Conv2D's order (channels, then rows, then
// columns, from the bias), so the results are its bits, then the fused
// activation.
func (g *gen) genGroupedConv(s *step) []jen.Code {
	net := g.net
	c := s.op.Conv
	in, out := net.Shape(s.op.In[0]), net.Shape(s.op.Out)
	cg, og := in.C/c.Groups, out.C/c.Groups // channels of a group, in and out
	hw, ohw, kk := in.H*in.W, out.H*out.W, c.KH*c.KW
	y0, y1 := geom.Inside(in.H, out.H, c.KH, c.SH, c.Pad.Top)
	x0, x1 := geom.Inside(in.W, out.W, c.KW, c.SW, c.Pad.Left)
	unroll := y0 < y1 && x0 < x1 && kk <= maxUnroll
	bias := c.Bias || s.bn != nil

	group := id("o") // the output channel's group
	if og > 1 {
		group = id("o").Op("/").Lit(og)
	}
	perC := []jen.Code{
		id("in").Op(":=").Id("src").Index(group.Clone().Op("*").Lit(cg * hw).Op(":").Add(group.Clone()).Op("*").Lit(cg * hw).Op("+").Lit(cg * hw)),
		id("wk").Op(":=").Id("w").Dot("W").Index(id("o").Op("*").Lit(s.k).Op(":").Id("o").Op("*").Lit(s.k).Op("+").Lit(s.k)),
		id("out").Op(":=").Id("dst").Index(id("o").Op("*").Lit(ohw).Op(":").Id("o").Op("*").Lit(ohw).Op("+").Lit(ohw)),
	}
	if bias {
		perC = append(perC, id("b").Op(":=").Id("w").Dot("Bias").Index(id("o")))
	} else {
		perC = append(perC, jen.Var().Id("b").Float32())
	}
	// store finishes the pixel at out[at] from its sum v.
	store := func(v string, at jen.Code) []jen.Code {
		return append(actIf(s, v), id("out").Index(at).Op("=").Id(v))
	}
	pixel := func(x jen.Code) jen.Code { return id("y").Op("*").Lit(out.W).Op("+").Add(x) }
	// border computes the pixels [from, to) of a row one by one, skipping
	// the taps in the padding: for one input channel inline, with the
	// weights in local variables, else with runtime.ConvCell.
	border := func(from, to int) jen.Code {
		if from >= to {
			return jen.Null()
		}
		cell := []jen.Code{id("v").Op(":=").Add(rt("ConvCell")).Call(id("in"), id("wk"), id("b"), lit(cg), lit(in.H), lit(in.W), lit(c.KH), lit(c.KW),
			id("iy"), mulAdd("x", c.SW, -c.Pad.Left))}
		if cg == 1 && kk <= maxUnroll {
			cell = []jen.Code{id("ix").Op(":=").Add(mulAdd("x", c.SW, -c.Pad.Left)), id("v").Op(":=").Id("b")}
			for i := range c.KH {
				var taps []jen.Code
				yi := id("iy")
				if i > 0 {
					yi = id("iy").Op("+").Lit(i)
				}
				off := func() *jen.Statement { return id("iy").Op("*").Lit(in.W) }
				if i > 0 {
					off = func() *jen.Statement { return jen.Parens(yi.Clone()).Op("*").Lit(in.W) }
				}
				taps = append(taps, id("r").Op(":=").Id("in").Index(off().Op(":").Add(off()).Op("+").Lit(in.W)))
				for j := range c.KW {
					xj := id("ix")
					if j > 0 {
						xj = id("ix").Op("+").Lit(j)
					}
					taps = append(taps, jen.If(jen.Uint().Parens(xj.Clone()).Op("<").Lit(in.W)).Block(
						id("v").Op("+=").Id(fmt.Sprintf("w%d", i*c.KW+j)).Op("*").Id("r").Index(xj.Clone())))
				}
				cell = append(cell, jen.If(jen.Uint().Parens(yi.Clone()).Op("<").Lit(in.H)).Block(taps...))
			}
		}
		return forN("x", lit(from), lit(to), append(cell, store("v", pixel(id("x")))...)...)
	}
	if cg == 1 && kk <= maxUnroll {
		// One input channel: the weights in local variables.
		var names, vals []jen.Code
		for t := range kk {
			names = append(names, id(fmt.Sprintf("w%d", t)))
			vals = append(vals, id("wk").Index(lit(t)))
		}
		perC = append(perC, jen.List(names...).Op(":=").List(vals...))
	}
	rowLoop := []jen.Code{id("iy").Op(":=").Add(mulAdd("y", c.SH, -c.Pad.Top))}
	body := append(g.srcDst(s), id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("conv").Index(lit(s.widx)))
	if !unroll {
		rowLoop = append(rowLoop, border(0, out.W))
		return append(body, forItems("o", append(perC, forN("y", lit(0), lit(out.H), rowLoop...))...))
	}

	// row(i) is the offset of the window's row i in a plane: (iy+i)·W.
	row := func(i int) *jen.Statement {
		if i == 0 {
			return id("iy").Op("*").Lit(in.W)
		}
		return jen.Parens(id("iy").Op("+").Lit(i)).Op("*").Lit(in.W)
	}
	// weight(c, i, j) is the tap's weight.
	weight := func(i, j int) jen.Code { return id(fmt.Sprintf("w%d", i*c.KW+j)) }
	if cg > 1 {
		weight = func(i, j int) jen.Code { return id("wc").Index(lit(i*c.KW + j)) }
	}
	// window adds the taps of one input channel (its plane at base, nil
	// for the channel's rows r0, r1, … sliced per output row) to the sums
	// v0 … v(n-1) of n neighbouring pixels starting at column ix.
	window := func(base jen.Code, n int) []jen.Code {
		span := (n-1)*c.SW + c.KW
		var code []jen.Code
		for i := range c.KH {
			q := fmt.Sprintf("q%d", i)
			var at func() *jen.Statement
			if base == nil {
				at = func() *jen.Statement { return id("ix") }
				code = append(code, id(q).Op(":=").Id(fmt.Sprintf("r%d", i)).Index(at().Op(":").Add(at()).Op("+").Lit(span).Op(":").Add(at()).Op("+").Lit(span)))
			} else {
				at = func() *jen.Statement { return jen.Add(base).Op("+").Add(row(i)).Op("+").Id("ix") }
				code = append(code, id(q).Op(":=").Id("in").Index(at().Op(":").Add(at()).Op("+").Lit(span).Op(":").Add(at()).Op("+").Lit(span)))
			}
			for j := range c.KW {
				for k := range n {
					code = append(code, id(fmt.Sprintf("v%d", k)).Op("+=").Add(weight(i, j)).Op("*").Id(q).Index(lit(k*c.SW+j)))
				}
			}
		}
		return code
	}
	// pixels computes n neighbouring pixels from x.
	pixels := func(n int) []jen.Code {
		var vs, bs []jen.Code
		for k := range n {
			vs, bs = append(vs, id(fmt.Sprintf("v%d", k))), append(bs, id("b"))
		}
		code := []jen.Code{
			id("ix").Op(":=").Add(mulAdd("x", c.SW, -c.Pad.Left)),
			jen.List(vs...).Op(":=").List(bs...),
		}
		if cg == 1 {
			code = append(code, window(nil, n)...)
		} else {
			code = append(code, forN("k", lit(0), lit(cg), append([]jen.Code{
				id("wc").Op(":=").Id("wk").Index(id("k").Op("*").Lit(kk).Op(":").Id("k").Op("*").Lit(kk).Op("+").Lit(kk).Op(":").Id("k").Op("*").Lit(kk).Op("+").Lit(kk)),
			}, window(id("k").Op("*").Lit(hw), n)...)...))
		}
		for k := range n {
			at := pixel(id("x"))
			if k > 0 {
				at = pixel(id("x").Op("+").Lit(k))
			}
			code = append(code, store(fmt.Sprintf("v%d", k), at)...)
		}
		return code
	}
	var rowSetup []jen.Code
	if cg == 1 {
		// One input channel: the window's input rows sliced once per
		// output row.
		for i := range c.KH {
			rowSetup = append(rowSetup, id(fmt.Sprintf("r%d", i)).Op(":=").Id("in").Index(row(i).Op(":").Add(row(i)).Op("+").Lit(in.W)))
		}
	}
	inside := append(rowSetup, border(0, x0))
	if x1-x0 >= lanes {
		inside = append(inside,
			id("x").Op(":=").Lit(x0),
			jen.For(jen.Op(";").Id("x").Op("+").Lit(lanes).Op("<=").Lit(x1).Op(";").Id("x").Op("+=").Lit(lanes)).Block(pixels(lanes)...),
			jen.For(jen.Op(";").Id("x").Op("<").Lit(x1).Op(";").Id("x").Op("++")).Block(pixels(1)...),
		)
	} else {
		inside = append(inside, forN("x", lit(x0), lit(x1), pixels(1)...))
	}
	inside = append(inside, border(x1, out.W))
	var cond *jen.Statement
	switch {
	case y0 > 0 && y1 < out.H:
		cond = id("y").Op(">=").Lit(y0).Op("&&").Id("y").Op("<").Lit(y1)
	case y0 > 0:
		cond = id("y").Op(">=").Lit(y0)
	case y1 < out.H:
		cond = id("y").Op("<").Lit(y1)
	}
	if cond == nil {
		rowLoop = append(rowLoop, inside...)
	} else {
		rowLoop = append(rowLoop, jen.If(cond).Block(inside...).Else().Block(border(0, out.W)))
	}
	return append(body, forItems("o", append(perC, forN("y", lit(0), lit(out.H), rowLoop...))...))
}

// depthwise reports whether step s is a depthwise convolution (one input
// and one output channel a group) that runtime.DepthwiseChannels computes.
func (g *gen) depthwise(s *step) bool {
	return s.grouped && depthwiseConv(s.op, g.net.Shape(s.op.In[0]), g.net.Shape(s.op.Out))
}

// depthwiseConv reports whether convolution op, from in to out, is one
// runtime.DepthwiseChannels computes.
func depthwiseConv(op *ir.Op, in, out ir.Shape) bool {
	c := op.Conv
	return c.Groups > 1 && c.Groups == in.C && c.Groups == out.C && c.KH*c.KW <= dwMaxTaps
}

// dwMaxTaps is runtime.DepthwiseMaxTaps, the largest kernel
// DepthwiseChannels takes.
const dwMaxTaps = 64

// convParams renders the runtime.Conv2DParams of step s's convolution.
func (g *gen) convParams(s *step) jen.Code {
	c := s.op.Conv
	in, out := g.net.Shape(s.op.In[0]), g.net.Shape(s.op.Out)
	kv := []any{"C", lit(in.C), "H", lit(in.H), "W", lit(in.W), "OutC", lit(out.C), "KH", lit(c.KH), "KW", lit(c.KW), "SH", lit(c.SH), "SW", lit(c.SW)}
	if c.Pad != (ir.Pad{}) {
		kv = append(kv, "Pad", rt("Pad").Values(fields("Top", lit(c.Pad.Top), "Left", lit(c.Pad.Left), "Bottom", lit(c.Pad.Bottom), "Right", lit(c.Pad.Right))...))
	}
	if c.Groups > 1 {
		kv = append(kv, "Groups", lit(c.Groups))
	}
	return rt("Conv2DParams").Values(fields(kv...)...)
}

// bound renders a clamp's bound, ±Inf as math.Inf.
func bound(v float64) jen.Code {
	switch {
	case math.IsInf(v, 1):
		return jen.Float32().Parens(jen.Qual("math", "Inf").Call(lit(1)))
	case math.IsInf(v, -1):
		return jen.Float32().Parens(jen.Qual("math", "Inf").Call(lit(-1)))
	}
	return f32(v)
}

// genDepthwise emits a depthwise convolution with
// runtime.DepthwiseChannels over the item's channels, the fused
// activation clamped there if it is a ReLU, a ReLU6 or a clamp, else
// applied to the channels' outputs after it.
func (g *gen) genDepthwise(s *step) []jen.Code {
	ohw := g.net.Shape(s.op.Out).H * g.net.Shape(s.op.Out).W
	lo, hi := math.Inf(-1), math.Inf(1)
	after := s.act != nil
	if after {
		switch s.act.Kind {
		case ir.KindReLU:
			lo, after = 0, false
		case ir.KindReLU6:
			lo, hi, after = 0, 6, false
		case ir.KindClamp:
			if c := s.act.Clamp; !math.IsNaN(c.Min) && !math.IsNaN(c.Max) {
				lo, hi, after = float64(float32(c.Min)), float64(float32(c.Max)), false
			}
		}
	}
	fn := "DepthwiseChannels"
	if s.inReLU != nil {
		fn = "DepthwiseReLUChannels"
	}
	body := append(g.srcDst(s), id("w").Op(":=").Op("&").Id("e").Dot("W").Dot("conv").Index(lit(s.widx)),
		rt(fn).Call(id("dst"), id("src"), id("w").Dot("W"), id("w").Dot("Bias"), g.convParams(s), bound(lo), bound(hi),
			id("lo"), id("hi"), id("e").Dot("Scratch").Index(id("worker"))))
	if after {
		inner := append(actIf(s, "v"), id("out").Index(id("i")).Op("=").Id("v"))
		body = append(body,
			id("out").Op(":=").Id("dst").Index(id("lo").Op("*").Lit(ohw).Op(":").Id("hi").Op("*").Lit(ohw)),
			jen.For(jen.List(id("i"), id("v")).Op(":=").Range().Id("out")).Block(inner...))
	}
	return body
}

// genMul emits a product with channel broadcasting, by channel: each input
// with one value per channel is read once per channel, the others value by
// value; the factors are multiplied in input order (as ref.Mul), then
// the fused activation.
func (g *gen) genMul(s *step) []jen.Code {
	net := g.net
	out := net.Shape(s.out)
	hw := out.H * out.W
	body := []jen.Code{}
	for k, v := range s.op.In {
		body = append(body, id(fmt.Sprintf("x%d", k)).Op(":=").Add(g.view(v)))
	}
	body = append(body, id("dst").Op(":=").Add(g.view(s.out)))
	perC := []jen.Code{}
	var prod *jen.Statement
	for k, v := range s.op.In {
		var f *jen.Statement
		if sh := net.Shape(v); sh.H*sh.W == hw {
			a := fmt.Sprintf("a%d", k)
			perC = append(perC, id(a).Op(":=").Id(fmt.Sprintf("x%d", k)).Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)))
			f = id(a).Index(id("i"))
		} else {
			f = id(fmt.Sprintf("s%d", k))
			perC = append(perC, id(fmt.Sprintf("s%d", k)).Op(":=").Id(fmt.Sprintf("x%d", k)).Index(id("c")))
		}
		if prod == nil {
			prod = jen.Add(f)
		} else {
			prod = prod.Op("*").Add(f)
		}
	}
	perC = append(perC, id("o").Op(":=").Id("dst").Index(id("c").Op("*").Lit(hw).Op(":").Id("c").Op("*").Lit(hw).Op("+").Lit(hw)))
	inner := append([]jen.Code{id("v").Op(":=").Add(prod)}, actIf(s, "v")...)
	inner = append(inner, id("o").Index(id("i")).Op("=").Id("v"))
	perC = append(perC, jen.For(id("i").Op(":=").Range().Id("o")).Block(inner...))
	return append(body, forItems("c", perC...))
}
