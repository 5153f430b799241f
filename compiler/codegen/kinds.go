package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
)

// opGen is how the code generator compiles one kind of op: how the plan
// treats it (alias, fusion, its table of weights, its work items) and the
// layer function it emits (gen) with the doc comment's description of what
// it computes (what) and of its work items (items).
type opGen struct {
	// alias marks kinds whose output is its input, viewed: no code.
	alias bool
	// foldBN folds a batch norm that alone reads the output into the
	// weights, and foldScale a scale that alone reads it (after the batch
	// norm, if one is folded); fuseAct fuses an activation that alone reads
	// the output (after both).
	foldBN, foldScale, fuseAct bool
	// apply, for element-wise kinds, computes the kind's function of the
	// float32 variable v in place: the code of a standalone step, and of an
	// activation fused into the step before it.
	apply func(op *ir.Op, v string) []jen.Code
	// places marks a join that has its inputs written in place, in its
	// output (concat), copying only those that cannot be.
	places bool
	// table is the step's table of weights in the generated package, nil
	// for kinds without weights.
	table func(p *plan) *[]*step
	tile  func(p *plan, s *step, in, out ir.Shape)
	what  func(op *ir.Op) string
	items func(g *gen, s *step) string
	gen   func(g *gen, s *step) []jen.Code
	// scratch, if set, is the per-worker scratch (in values) the layer
	// needs; it may return nil for a step that needs none.
	scratch func(g *gen, s *step) jen.Code
}

// opGens holds every kind's compilation. A kind missing here is an error
// of Generate, and TestOpGens names it.
var opGens = map[ir.Kind]*opGen{
	ir.KindConv: {
		foldBN: true, foldScale: true, fuseAct: true,
		table: func(p *plan) *[]*step { return &p.convs },
		tile:  func(p *plan, s *step, in, out ir.Shape) { p.tileConv(s, in, out) },
		what: func(op *ir.Op) string {
			c := op.Conv
			what := fmt.Sprintf("%dx%d convolution, stride %s, pad %s", c.KH, c.KW, pair(c.SH, c.SW), ir.PadString(c.Pad))
			if c.Groups > 1 {
				what += fmt.Sprintf(", %d groups", c.Groups)
			}
			if !c.Bias {
				what += ", no bias"
			}
			return what
		},
		items: func(g *gen, s *step) string {
			if s.wino1d {
				return fmt.Sprintf("Work items (%d): %s; one-dimensional Winograd F(4, 3) on taps 0–2 and 3–5 and a 1×1 GEMM for tap 6 (runtime/gemm's Winograd1D): the input of each block of tile rows transformed, 6 GEMMs, the output transformed. A worker's items make at most three calls.",
					s.items, g.gridDoc(s.grid, "tile rows of 4 output rows", "output channels"))
			}
			if t := s.winograd; t > 0 {
				return fmt.Sprintf("Work items (%d): %s; Winograd's F(%d×%d, 3×3) (runtime/gemm): the input of each block of tiles transformed, %d GEMMs, the output transformed. A worker's items make at most three calls.",
					s.items, g.gridDoc(s.grid, fmt.Sprintf("%d×%d tiles", t, t), "output channels"), t, t, (t+2)*(t+2))
			}
			if g.depthwise(s) {
				return fmt.Sprintf("Work items (%d): channels, computed directly (no GEMM) by runtime.DepthwiseChannels, each plane copied zero-padded into the worker's scratch.", s.items)
			}
			if s.grouped {
				c := s.op.Conv
				how := fmt.Sprintf("each sums %d input channel(s) of its group", g.net.Shape(s.op.In[0]).C/c.Groups)
				if c.KH*c.KW <= maxUnroll {
					how += fmt.Sprintf(", the %dx%d window unrolled for pixels whose window lies inside the image", c.KH, c.KW)
				}
				return fmt.Sprintf("Work items (%d): output channels, computed directly (no GEMM): %s.", s.items, how)
			}
			how := fmt.Sprintf("the im2col matrix (%d×%d) is never stored: ConvTile packs each panel of it straight from the input into the worker's scratch", s.k, s.grid.n)
			if s.direct {
				how = "a GEMM straight on the input (MulTile)"
			}
			return fmt.Sprintf("Work items (%d): %s; %s. A worker's items make at most three GEMM calls.", s.items, g.gridDoc(s.grid, "output pixels", "output channels"), how)
		},
		gen: func(g *gen, s *step) []jen.Code {
			if g.depthwise(s) {
				return g.genDepthwise(s)
			}
			if s.grouped {
				return g.genGroupedConv(s)
			}
			return g.genConv(s)
		},
		scratch: func(g *gen, s *step) jen.Code {
			if g.depthwise(s) {
				return rt("DepthwiseScratch").Call(g.convParams(s))
			}
			in, out := g.net.Shape(g.p.input(s)), g.net.Shape(s.op.Out)
			if s.wino1d {
				return rt("Winograd1DScratchLen").Call(lit(out.C), lit(in.C), lit(in.W))
			}
			if s.winograd == 0 {
				return nil
			}
			return rt("WinogradScratchLen").Call(lit(in.C), lit(out.W), lit(s.winograd))
		},
	},
	ir.KindMaxPool: {
		tile:  perChannel,
		what:  poolWhat("max"),
		items: channelsDoc,
		gen:   (*gen).genMaxPool,
		scratch: func(g *gen, s *step) jen.Code {
			return rt("MaxPoolScratch").Call(poolParams(g.net.Shape(s.op.In[0]), s.op.Pool))
		},
	},
	ir.KindAvgPool: {
		tile:  perChannel,
		what:  poolWhat("average"),
		items: channelsDoc,
		gen:   (*gen).genAvgPool,
		scratch: func(g *gen, s *step) jen.Code {
			return rt("AvgPoolScratch").Call(poolParams(g.net.Shape(s.op.In[0]), s.op.Pool))
		},
	},
	ir.KindAdaptiveAvgPool: {
		tile: perChannel,
		what: func(op *ir.Op) string {
			return fmt.Sprintf("adaptive average pooling to %dx%d", op.Adaptive.H, op.Adaptive.W)
		},
		items: channelsDoc,
		gen:   (*gen).genAdaptive,
	},
	ir.KindLRN: {
		tile: func(p *plan, s *step, in, out ir.Shape) {
			hw := out.H * out.W
			s.chunk = max(16, ceilDiv(hw, minItems))
			s.items = ceilDiv(hw, s.chunk)
		},
		what: func(op *ir.Op) string {
			l := op.LRN
			return fmt.Sprintf("local response normalisation, size %d, alpha %v, beta %v, k %v", l.Size, l.Alpha, l.Beta, l.K)
		},
		items: func(g *gen, s *step) string {
			return fmt.Sprintf("Work items (%d): runs of %d pixels.", s.items, s.chunk)
		},
		gen: (*gen).genLRN,
	},
	ir.KindBatchNorm: {
		fuseAct: true,
		table:   func(p *plan) *[]*step { return &p.bns },
		tile:    perChannel,
		what:    func(op *ir.Op) string { return fmt.Sprintf("batch normalisation, eps %v", op.BN.Eps) },
		items:   channelsDoc,
		gen:     (*gen).genBatchNorm,
	},
	ir.KindReLU:  elementwise("ReLU", relu),
	ir.KindReLU6: elementwise("ReLU6", func(_ *ir.Op, v string) []jen.Code { return clamp(v, 0, 6) }),
	ir.KindClamp: elementwise("clamp", func(op *ir.Op, v string) []jen.Code {
		return clamp(v, float32(op.Clamp.Min), float32(op.Clamp.Max))
	}),
	ir.KindSigmoid:     elementwise("sigmoid", rtOf("SigmoidOf")),
	ir.KindHardSigmoid: elementwise("hard sigmoid", rtOf("HardSigmoidOf")),
	ir.KindHardSwish:   elementwise("hard swish", rtOf("HardSwishOf")),
	ir.KindSiLU:        elementwise("SiLU", rtOf("SiLUOf")),
	ir.KindScale: elementwise("scaling", func(op *ir.Op, v string) []jen.Code {
		return []jen.Code{id(v).Op("=").Add(f32(op.Scale.Factor)).Op("*").Id(v)}
	}),
	ir.KindDropout:  {alias: true},
	ir.KindFlatten:  {alias: true},
	ir.KindIdentity: {alias: true},
	ir.KindFC: {
		fuseAct: true,
		table:   func(p *plan) *[]*step { return &p.fcs },
		tile: func(p *plan, s *step, in, out ir.Shape) {
			s.k = in.Len()
			s.grid = gemmGrid(s.op.FC.Out, 1)
			s.items = s.grid.items()
			s.flops = 2 * int64(s.op.FC.Out) * int64(s.k)
			p.gemm = true
			p.gemmK = max(p.gemmK, s.k)
		},
		what: func(op *ir.Op) string {
			what := fmt.Sprintf("fully connected, %d outputs", op.FC.Out)
			if !op.FC.Bias {
				what += ", no bias"
			}
			return what
		},
		items: func(g *gen, s *step) string {
			return fmt.Sprintf("Work items (%d): %s; a GEMM with one column, the input (MulTile).", s.items, g.gridDoc(s.grid, "columns", "outputs"))
		},
		gen: (*gen).genFC,
	},
	ir.KindSoftmax: {
		tile:  func(p *plan, s *step, in, out ir.Shape) { s.items = 1 },
		what:  func(*ir.Op) string { return "softmax" },
		items: func(*gen, *step) string { return "Work items (1): the whole image." },
		gen:   (*gen).genSoftmax,
	},
	ir.KindConcat: {
		places: true,
		tile:   func(p *plan, s *step, in, out ir.Shape) { s.items = len(s.copies) },
		what:   func(op *ir.Op) string { return fmt.Sprintf("concatenation of %d inputs", len(op.In)) },
		items: func(g *gen, s *step) string {
			return fmt.Sprintf("Work items (%d): one per input that is copied (the others are written in place by their producers).", s.items)
		},
		gen: (*gen).genConcat,
	},
	ir.KindAdd: {
		fuseAct: true,
		tile:    perValues,
		what:    func(op *ir.Op) string { return fmt.Sprintf("sum of %d inputs", len(op.In)) },
		items:   valuesDoc,
		gen:     func(g *gen, s *step) []jen.Code { return g.genElementwise(s, nil) },
	},
	ir.KindMul: {
		fuseAct: true,
		tile:    perChannel,
		what: func(op *ir.Op) string {
			return fmt.Sprintf("product of %d inputs, each broadcast over the image where it has one value per channel", len(op.In))
		},
		items: channelsDoc,
		gen:   (*gen).genMul,
	},
}

// elementwise is a kind computed value by value (genElementwise), what
// describing it and apply computing it from the value v.
func elementwise(what string, apply func(op *ir.Op, v string) []jen.Code) *opGen {
	return &opGen{
		tile:  perValues,
		what:  func(*ir.Op) string { return what },
		items: valuesDoc,
		apply: apply,
		gen: func(g *gen, s *step) []jen.Code {
			return g.genElementwise(s, func(v string) []jen.Code { return apply(s.op, v) })
		},
	}
}

// rtOf applies the runtime's function of one value (SigmoidOf, …), a
// wrapper of runtime/ref's: the interpreter's kernel computes each value
// with the same function, so the bits agree.
func rtOf(fn string) func(op *ir.Op, v string) []jen.Code {
	return func(_ *ir.Op, v string) []jen.Code { return []jen.Code{id(v).Op("=").Add(rt(fn)).Call(id(v))} }
}

// clamp bounds v to [lo, hi] as ref.Clamp does: with min and max, which
// do not branch (a branch on the sign of data mispredicts half the time;
// the compares made the depthwise layers of MobileNetV2 three times as slow).
func clamp(v string, lo, hi float32) []jen.Code {
	return []jen.Code{id(v).Op("=").Min(jen.Max(id(v), jen.Lit(lo)), jen.Lit(hi))}
}

// perChannel makes each output channel a work item.
func perChannel(p *plan, s *step, in, out ir.Shape) { s.items = out.C }

// perValues cuts the output into runs of values.
func perValues(p *plan, s *step, in, out ir.Shape) {
	n := out.Len()
	s.chunk = roundUp(max(1024, ceilDiv(n, minItems)), align)
	s.items = ceilDiv(n, s.chunk)
}

func channelsDoc(g *gen, s *step) string { return fmt.Sprintf("Work items (%d): channels.", s.items) }

func valuesDoc(g *gen, s *step) string {
	return fmt.Sprintf("Work items (%d): runs of %d values.", s.items, s.chunk)
}

func poolWhat(kind string) func(op *ir.Op) string {
	return func(op *ir.Op) string {
		c := op.Pool
		round := "floor"
		if c.Ceil {
			round = "ceil"
		}
		what := fmt.Sprintf("%dx%d %s pooling, stride %s, pad %s, %s", c.KH, c.KW, kind, pair(c.SH, c.SW), ir.PadString(c.Pad), round)
		if c.ExcludePad {
			what += ", the padding left out of the divisor"
		}
		return what
	}
}
