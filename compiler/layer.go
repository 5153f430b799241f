package compiler

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// layerKind is the syntax of one built-in layer: the arguments it takes,
// the attributes it cannot do without, and how its attributes make an op
// (build). What the op then means (which values its attributes may take,
// its output shape, its weights) is its IR kind's, in package ir.
type layerKind struct {
	args argSpec
	// need lists the required attributes; a missing one is reported as
	// "<kind>: missing <what> (usage: …)".
	need []need
	// build sets the op's kind and attributes from the layer's arguments.
	build func(b *builder)
	// join is the IR kind of a join (concat, add), whose branches make its
	// inputs; build is nil then.
	join ir.Kind
}

type need struct{ key, what string }

// layers maps the language's layer kinds to their syntax.
var layers = map[string]*layerKind{
	"conv": {
		args: argSpec{dims: "kernel", pos: []string{"out"}, keys: []string{"kernel", "out", "stride", "pad", "groups"},
			flags: withActs("bias", "nobias"), doc: "conv KxK OUT [stride S] [pad P|HxW|(T, L, B, R)|same] [groups G] [nobias] [ACTIVATION]"},
		need: []need{{"kernel", "kernel size"}, {"out", "output channels"}},
		build: func(b *builder) {
			kh, kw := b.pair("kernel", 1, 1)
			out := b.int("out", 1)
			sh, sw := b.pair("stride", 1, 1)
			b.op.Kind = ir.KindConv
			b.op.Conv = &ir.Conv{Out: out, KH: kh, KW: kw, SH: sh, SW: sw, Pad: b.pad(kh, kw, sh, sw), Bias: b.bias(), Groups: b.int("groups", 1)}
		},
	},
	"maxpool": poolLayer(ir.KindMaxPool),
	"avgpool": poolLayer(ir.KindAvgPool),
	"adaptiveavgpool": {
		args: argSpec{dims: "size", pos: []string{"size"}, keys: []string{"size"}, doc: "adaptiveavgpool HxW"},
		need: []need{{"size", "output size"}},
		build: func(b *builder) {
			h, w := b.pair("size", 1, 1)
			b.op.Kind, b.op.Adaptive = ir.KindAdaptiveAvgPool, &ir.Adaptive{H: h, W: w}
		},
	},
	"globalavgpool": {
		args: argSpec{doc: "globalavgpool"},
		build: func(b *builder) {
			b.op.Kind, b.op.Adaptive = ir.KindAdaptiveAvgPool, &ir.Adaptive{H: 1, W: 1}
		},
	},
	"lrn": {
		args: argSpec{pos: []string{"size"}, keys: []string{"size", "alpha", "beta", "k"}, doc: "lrn SIZE [alpha A] [beta B] [k K]"},
		need: []need{{"size", "size"}},
		build: func(b *builder) {
			b.op.Kind = ir.KindLRN
			b.op.LRN = &ir.LRN{Size: b.int("size", 5), Alpha: b.float("alpha", 1e-4), Beta: b.float("beta", 0.75), K: b.float("k", 1)}
		},
	},
	"batchnorm": {
		args: argSpec{keys: []string{"eps"}, flags: withActs(), doc: "batchnorm [eps E] [ACTIVATION]"},
		build: func(b *builder) {
			b.op.Kind, b.op.BN = ir.KindBatchNorm, &ir.BatchNorm{Eps: b.float("eps", 1e-5)}
		},
	},
	"relu":        simpleLayer(ir.KindReLU),
	"relu6":       simpleLayer(ir.KindReLU6),
	"sigmoid":     simpleLayer(ir.KindSigmoid),
	"hardsigmoid": simpleLayer(ir.KindHardSigmoid),
	"hardswish":   simpleLayer(ir.KindHardSwish),
	"silu":        simpleLayer(ir.KindSiLU),
	"clamp": {
		args: argSpec{pos: []string{"min", "max"}, keys: []string{"min", "max"}, doc: "clamp MIN MAX"},
		need: []need{{"min", "lower bound"}, {"max", "upper bound"}},
		build: func(b *builder) {
			b.op.Kind, b.op.Clamp = ir.KindClamp, &ir.Clamp{Min: b.float("min", 0), Max: b.float("max", 0)}
		},
	},
	"scale": {
		args: argSpec{pos: []string{"factor"}, keys: []string{"factor"}, doc: "scale S"},
		need: []need{{"factor", "factor"}},
		build: func(b *builder) {
			b.op.Kind, b.op.Scale = ir.KindScale, &ir.Scale{Factor: b.float("factor", 1)}
		},
	},
	"dropout": {
		args: argSpec{pos: []string{"rate"}, keys: []string{"rate"}, doc: "dropout RATE"},
		build: func(b *builder) {
			b.op.Kind, b.op.Dropout = ir.KindDropout, &ir.Dropout{Rate: b.float("rate", 0.5)}
		},
	},
	"flatten": simpleLayer(ir.KindFlatten),
	"fc": {
		args: argSpec{pos: []string{"out"}, keys: []string{"out"}, flags: withActs("bias", "nobias"), doc: "fc OUT [nobias] [ACTIVATION]"},
		need: []need{{"out", "output size"}},
		build: func(b *builder) {
			b.op.Kind, b.op.FC = ir.KindFC, &ir.FC{Out: b.int("out", 1), Bias: b.bias()}
		},
	},
	"softmax":  simpleLayer(ir.KindSoftmax),
	"identity": simpleLayer(ir.KindIdentity),
	"concat":   {args: argSpec{body: true, flags: withActs(), doc: "concat [ACTIVATION] { branch; branch; ... }"}, join: ir.KindConcat},
	"add":      {args: argSpec{body: true, flags: withActs(), doc: "add [ACTIVATION] { branch; branch; ... }"}, join: ir.KindAdd},
	"mul":      {args: argSpec{body: true, flags: withActs(), doc: "mul [ACTIVATION] { branch; branch; ... }"}, join: ir.KindMul},
}

// actFlags maps the activation flags (relu, relu6, …) to their kinds: the
// names of the IR's activations ([ir.KindInfo].Act).
var actFlags = func() map[string]ir.Kind {
	m := map[string]ir.Kind{}
	for _, k := range ir.Kinds() {
		if k.Info().Act {
			m[k.Info().Name] = k
		}
	}
	return m
}()

// withActs lists flags and the activation flags.
func withActs(flags ...string) []string {
	for _, k := range ir.Kinds() {
		if k.Info().Act {
			flags = append(flags, k.Info().Name)
		}
	}
	return flags
}

// activation emits the activation a layer's flags ask for (at most one)
// after its output y: an op of the activation's kind named <name>.<flag>
// (conv1.relu), as if the layer were followed by it.
func (c *checker) activation(sc scope, name string, a attrs, y val) val {
	flags := actsOf(a)
	if len(flags) != 1 || !y.ok {
		return y // two are reported by parseArgs
	}
	return c.emit(sc, ir.Op{Kind: actFlags[flags[0]], Name: name + "." + flags[0], In: []int{y.id}}, y.shape, a.flags[flags[0]])
}

// actsOf returns the activation flags given, in the order written.
func actsOf(a attrs) []string {
	var flags []string
	for f := range a.flags {
		if _, isAct := actFlags[f]; isAct {
			flags = append(flags, f)
		}
	}
	sort.Slice(flags, func(i, j int) bool { return a.flags[flags[i]].Offset < a.flags[flags[j]].Offset })
	return flags
}

// poolLayer is max or average pooling.
func poolLayer(k ir.Kind) *layerKind {
	name := k.Info().Name
	return &layerKind{
		args: argSpec{dims: "kernel", pos: []string{"kernel"}, keys: []string{"kernel", "stride", "pad"},
			flags: []string{"ceil", "floor", "excludepad"}, doc: name + " KxK [stride S] [pad P] [ceil|floor]" + map[bool]string{true: " [excludepad]"}[k == ir.KindAvgPool]},
		need: []need{{"kernel", "kernel size"}},
		build: func(b *builder) {
			kh, kw := b.pair("kernel", 1, 1)
			sh, sw := b.pair("stride", kh, kw) // the kernel, as in PyTorch
			b.op.Kind = k
			_, exclude := b.a.flags["excludepad"]
			b.op.Pool = &ir.Pool{KH: kh, KW: kw, SH: sh, SW: sw, Pad: b.pad(kh, kw, sh, sw), Ceil: b.either("ceil", "floor"), ExcludePad: exclude}
		},
	}
}

// simpleLayer is a kind without arguments.
func simpleLayer(k ir.Kind) *layerKind {
	name := k.Info().Name
	return &layerKind{args: argSpec{doc: name}, build: func(b *builder) { b.op.Kind = k }}
}

// layerNames lists the layer kinds, for suggestions.
func layerNames() []string {
	var names []string
	for k := range layers {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// builder evaluates a layer's attributes for its build function,
// recording those that could not be evaluated.
type builder struct {
	c    *checker
	kind string // as written
	a    attrs
	en   env
	in   ir.Shape // the input's shape (a placeholder if it is not known)
	op   ir.Op
	// failed holds the attributes whose value is not known (an error was
	// reported evaluating it); invalid is set when the arguments
	// contradict each other.
	failed  map[string]bool
	invalid bool
}

func (b *builder) fail(key string, ok bool) {
	if !ok {
		b.failed[key] = true
	}
}

// pair returns an attribute given as N or AxB, or the defaults.
func (b *builder) pair(key string, def1, def2 int) (int, int) {
	v1, v2, ok := b.c.pair(b.kind, b.a, key, b.en, def1, def2)
	b.fail(key, ok)
	return v1, v2
}

func (b *builder) int(key string, def int) int {
	v, _, ok := b.c.intAttr(b.a, key, b.en, def)
	b.fail(key, ok)
	return v
}

func (b *builder) float(key string, def float64) float64 {
	v, _, ok := b.c.floatAttr(b.a, key, b.en, def)
	b.fail(key, ok)
	return v
}

// pad returns the padding, given the kernel and stride (for pad same).
func (b *builder) pad(kh, kw, sh, sw int) ir.Pad {
	p, ok := b.c.padAttr(b.kind, b.a, b.en, b.in, kh, kw, sh, sw)
	b.fail("pad", ok)
	return p
}

// bias returns whether the layer has a bias: it does unless nobias is given.
func (b *builder) bias() bool {
	_, on := b.a.flags["bias"]
	p, off := b.a.flags["nobias"]
	if on && off {
		b.c.errorf(p, "%s: bias and nobias both given", b.kind)
	}
	return !off
}

// either returns whether flag yes is given, reporting it given with its
// opposite no.
func (b *builder) either(yes, no string) bool {
	_, on := b.a.flags[yes]
	if p, off := b.a.flags[no]; on && off {
		b.c.errorf(p, "%s: %s and %s both given", b.kind, yes, no)
		b.invalid = true
	}
	return on
}

// layer checks one built-in layer and emits its op (and the op of its
// activation flag, if it has one).
func (c *checker) layer(sc scope, s *dsl.Stmt, x val) val {
	l := s.Layer
	kind := l.Kind.Name
	lk, known := layers[kind]
	if !known {
		if _, isBlock := c.blocks[kind]; isBlock {
			c.errorf(l.Kind.Pos, "%s is a block: call it as %s(...)", kind, kind)
		} else {
			c.unknownKind(l.Kind, layerNames(), "layer kind")
		}
		return bad(x)
	}
	a := c.parseArgs(kind, &lk.args, l.Args, sc.env)
	c.noBody(l, kind)
	ok := true
	for _, n := range lk.need {
		if !a.has(n.key) {
			if !a.bad {
				c.errorf(l.Kind.Pos, "%s: missing %s (usage: %s)", kind, n.what, lk.args.doc)
			}
			ok = false
		}
	}
	b := &builder{c: c, kind: kind, a: a, en: sc.env, in: x.shape, failed: map[string]bool{}}
	b.op.Name = sc.name()
	b.op.In = []int{x.id}
	lk.build(b)
	ok = ok && !b.invalid && len(b.failed) == 0
	for _, e := range ir.CheckAttrs(&b.op) {
		ok = false
		switch {
		case len(e.Attrs) == 0:
			c.errorf(l.Kind.Pos, "%s", e.Msg)
		case anyIn(e.Attrs, b.failed):
			// Its value is not known: that was reported.
		case a.has(e.Attrs[0]):
			c.errorf(a.vals[e.Attrs[0]].pos, "%s", e.Msg)
		case a.flags[e.Attrs[0]] != (dsl.Pos{}):
			c.errorf(a.flags[e.Attrs[0]], "%s", e.Msg)
		default:
			// An attribute not given defaults to another (a pool's stride
			// to its kernel), which is reported instead.
		}
	}
	if !ok || !x.ok {
		if ok && ir.HasWeights(b.op.Kind) {
			// Its shape is unknown after an error upstream: its name is
			// still checked.
			c.phantoms = append(c.phantoms, phantom{name: b.op.Name, meta: opMeta{path: sc.path, claim: sc.claim, quiet: sc.quiet}})
		}
		return bad(x)
	}
	at := func(e *ir.ShapeError) dsl.Pos {
		if a.has(e.Attr) {
			return a.vals[e.Attr].pos
		}
		return l.Kind.Pos
	}
	y := c.finish(sc, s, &b.op, []ir.Shape{x.shape}, at, a.bad, x)
	return c.activation(sc, b.op.Name, a, y)
}

func anyIn(keys []string, set map[string]bool) bool {
	for _, k := range keys {
		if set[k] {
			return true
		}
	}
	return false
}

// finish infers the shape of op, a layer or join with inputs of shapes
// in, gives it its weights and emits it, reporting what does not fit
// (where at says) and what exceeds the language's limits. With argsBad,
// the layer is not what its author meant (an argument was reported): its
// output would only cause errors downstream. x is the statement's input.
func (c *checker) finish(sc scope, s *dsl.Stmt, op *ir.Op, in []ir.Shape, at func(*ir.ShapeError) dsl.Pos, argsBad bool, x val) val {
	l := s.Layer
	kind := l.Kind.Name
	fail := bad(x)
	out, err := ir.Infer(op, in)
	if err != nil {
		var se *ir.ShapeError
		if !errors.As(err, &se) {
			panic("compiler: " + err.Error()) // the checker gives every kind its arity and attributes
		}
		c.errorf(at(se), "%s", se.Msg)
		return fail
	}
	for _, w := range ir.Weights(op, in) {
		if product(w.Shape...) > maxWeights {
			c.errorf(l.Kind.Pos, "%s: too many weights: %s (at most %d)", kind, dims(w.Shape), maxWeights)
			return fail
		}
		op.Params = append(op.Params, ir.Param{Name: w.Suffix, Role: w.Role, Shape: w.Shape, FanIn: w.FanIn})
	}
	if argsBad {
		return fail
	}
	if product(out.C, out.H, out.W) > dsl.MaxInt {
		c.errorf(l.Kind.Pos, "%s: output %v is too large (at most %d values)", kind, out, dsl.MaxInt)
		return fail
	}
	return c.emit(sc, *op, out, s.Pos)
}

// maxWeights bounds the weights of one tensor (1 GiB of float32).
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

// dims renders a shape as the language writes dimensions: 64x3x7x7.
func dims(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "x")
}

func (c *checker) noBody(l *dsl.Layer, kind string) {
	if l.Body != nil {
		c.errorf(l.Body.Pos, "%s takes no { body }", kind)
	}
}

// unknownKind reports a kind that is not one of known, suggesting the
// closest.
func (c *checker) unknownKind(id *dsl.Ident, known []string, what string) *dsl.Error {
	e := c.errorf(id.Pos, "unknown %s %q", what, id.Name)
	if s := suggest(id.Name, known); s != "" {
		e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return e
}
