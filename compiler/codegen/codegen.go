// Package codegen compiles a checked network ([ir.Network]) to one Go
// source file, specialised to every shape: the generated package runs the
// network with no interpretation left, importing only package runtime.
//
// It reads the IR only: it never imports the parser (dsl), the checker
// (compiler) nor runtime; jennifer builds the file and go/format lays it
// out. The output is deterministic: the same IR gives the same bytes on
// every machine.
//
// # What the generated code does
//
// One image at a time goes through a table of layer functions ("layers"),
// each specialised to its shapes, strides and offsets, which are Go
// constants; the runtime's engine runs them in order:
//
//   - Values live in one arena per network instance, at offsets planned
//     here from their lifetimes over the op order: values whose lifetimes
//     do not overlap share memory. Dropout, identity and flatten are
//     aliases (no code); each concat input is written by its producer
//     straight into its channel slice of the concat output (a copy only
//     where that is impossible, e.g. for the network input). Side heads run
//     as soon as the trunk value they read exists.
//   - Batch norm after a convolution is folded into its weights and bias
//     when the weights are loaded, and so is a scale that alone reads the
//     convolution (after the batch norm); an activation (ReLU, ReLU6,
//     sigmoid, hard sigmoid, hard swish, SiLU) is fused into the
//     convolution, fully connected layer, batch norm, addition or
//     multiplication before it: the GEMM applies ReLU as it stores its
//     results, the others are applied to each rectangle it wrote, in cache.
//   - A convolution is a GEMM (package runtime/gemm) of its packed weights
//     (out channels × C·KH·KW) with its input: the image itself for a 1×1
//     stride-1 unpadded convolution (MulTile), else its im2col matrix,
//     whose panels ConvTile packs straight from the image into a
//     per-worker scratch; bias and ReLU are applied as the results are
//     stored. A grouped convolution is no GEMM: a depthwise one (one
//     input and one output channel per group) is runtime.DepthwiseChannels
//     over the work item's channels, which sums each tap over whole rows
//     of a zero-padded copy of the plane (in AVX2); any other is computed
//     directly, one output channel per work item, its window unrolled
//     (and, for one input channel, its weights in local variables) for the
//     pixels whose window lies inside the image. A fully connected layer is a GEMM with one column. Their
//     work items are tiles of output pixels (multiples of the
//     micro-kernel's 48 columns) × blocks of output channels; the GEMM sums
//     every output in one fixed order, so the results do not depend on the
//     number of threads.
//   - Max pools call the runtime's separable SIMD kernel, by channels;
//     average pools unroll their window for cells inside the image and call
//     a runtime helper for border cells; LRN, batch norm, softmax,
//     additions, multiplications (a per-channel factor read once per
//     channel) and activations are plain specialised loops or runtime
//     kernels.
//   - Each layer lists the earlier layers it must wait for (it reads their
//     output or overwrites memory they use). Buffers are planned so that
//     layers that may run at the same time (same level of the data flow)
//     never share memory, so these are the data flow itself for branches.
//
// The runtime's [github.com/inccdev/incc/runtime.Engine] runs batches: whole images in parallel,
// one per worker, and the remainder one image at a time with its layers,
// cut into chunks of work items, as a task graph on all workers.
//
// Generated code names only package runtime, the runtime's interface for
// it, and begins with the check that the runtime it is compiled with
// supports the version of that interface it was written for
// ([RuntimeVersion]; see runtime.Version): a stale runtime fails the build
// on that one line.
package codegen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/token"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/numfmt"
	"github.com/inccdev/incc/internal/safetext"
)

// rtPath is the import path of the runtime package generated code uses,
// imported as "rt" (its name shadows the standard library's runtime).
const rtPath = "github.com/inccdev/incc/runtime"

// RuntimeVersion is the version of the runtime's interface that generated
// code is written for (runtime.Version): every generated file checks at
// compile time that the runtime it is built with supports it.
const RuntimeVersion = 9

// Options configure [Generate].
type Options struct {
	// Package is the generated package's name; default: the network's name.
	Package string
	// Spec is the spec's path as given to incc, for the header; default:
	// the network's File.
	Spec string
}

// Generate compiles net to the source of one Go file. The file is gofmt'd
// and deterministic. Errors are internal: the IR fails [ir.Validate] (which
// a network from the checker never does), or the output does not format.
func Generate(net *ir.Network, opts Options) ([]byte, error) {
	if err := ir.Validate(net); err != nil {
		return nil, err
	}
	if opts.Package == "" {
		opts.Package = net.Name
	}
	if opts.Spec == "" {
		opts.Spec = net.File
	}
	if err := CheckPackage(opts.Package); err != nil {
		return nil, err
	}
	p, err := newPlan(net)
	if err != nil {
		return nil, err
	}
	g := &gen{p: p, net: p.net, opts: opts, f: jen.NewFile(opts.Package)}
	g.f.HeaderComment(header(opts.Spec))
	g.f.ImportAlias(rtPath, "rt")
	g.genVersionCheck()
	g.genShapes()
	g.genParams()
	g.genLayout()
	g.genAPI()
	g.genWeights()
	g.genForward()
	for _, s := range p.steps {
		g.genStep(s)
	}
	return render(g.f)
}

// CheckPackage reports whether name can be a generated network's package
// name: a Go identifier (not a keyword; any Unicode letters, as Go allows),
// and not main, which would make a command without a main function.
func CheckPackage(name string) error {
	switch {
	case token.IsKeyword(name):
		return fmt.Errorf("codegen: package name %q is a Go keyword", name)
	case !token.IsIdentifier(name):
		return fmt.Errorf("codegen: package name %q is not a Go identifier", name)
	case name == "main":
		return errors.New("codegen: package name \"main\" would make a command; a network is a library package")
	}
	return nil
}

// A FormatError is generated source that go/format rejects: a bug of the
// code generator. Source holds the raw text, for a person to inspect or
// run go vet on (incc --debug writes it to <file>.broken); the error's
// message does not include it.
type FormatError struct {
	Err    error
	Source []byte
}

func (e *FormatError) Error() string {
	msg, _, _ := strings.Cut(e.Err.Error(), "\n")
	return "codegen: the generated code does not format (a bug of incc): " + msg
}

// render formats f: gofmt'd, and stable under formatting again.
func render(f *jen.File) ([]byte, error) {
	f.NoFormat = true // formatted here, so that a failure does not print the source
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("codegen: %v", err)
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, &FormatError{Err: err, Source: buf.Bytes()}
	}
	if again, err := format.Source(out); err != nil || !bytes.Equal(again, out) {
		return nil, &FormatError{Err: errors.New("output is not gofmt-stable"), Source: buf.Bytes()}
	}
	return out, nil
}

// gen holds the file being generated.
type gen struct {
	p    *plan
	net  *ir.Network
	opts Options
	f    *jen.File
}

// genVersionCheck emits the constants that compile only against a runtime
// supporting RuntimeVersion (see runtime.Version).
func (g *gen) genVersionCheck() {
	g.f.Comment(lineComment(wrap(fmt.Sprintf("This file is written for version %d of the runtime's interface: it compiles only against a runtime that supports it (see runtime.Version).", RuntimeVersion), 76)))
	g.f.Const().Defs(
		jen.Id("_").Op("=").Add(rt("RuntimeTooOld")).Call(rt("Version").Op("-").Lit(RuntimeVersion)),
		jen.Id("_").Op("=").Add(rt("GeneratedCodeTooOld")).Call(jen.Lit(RuntimeVersion).Op("-").Add(rt("MinVersion"))),
	)
}

// rt refers to an identifier of the runtime package.
func rt(name string) *jen.Statement { return jen.Qual(rtPath, name) }

// lits renders ints as a list of literals.
func lits(xs ...int) []jen.Code {
	c := make([]jen.Code, len(xs))
	for i, x := range xs {
		c[i] = jen.Lit(x)
	}
	return c
}

// header is the first line of a generated file: the generated-code marker
// naming the spec, on one line whatever the spec's file name holds.
func header(spec string) string {
	return fmt.Sprintf("Code generated by incc from %s. DO NOT EDIT.", safetext.Escape(spec, ""))
}

// docf adds a doc comment, wrapping long lines at word boundaries.
func (g *gen) docf(format string, args ...any) {
	g.f.Comment(lineComment(wrap(fmt.Sprintf(format, args...), 76)))
}

// lineComment renders text as // comment lines (jennifer renders text with
// newlines as a /* */ block otherwise). Characters that are not printable
// are escaped, so that text from the spec (names, file names) cannot end a
// comment line and start code.
func lineComment(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		l = safetext.Escape(l, "")
		if l == "" {
			lines[i] = "//"
		} else {
			lines[i] = "// " + l
		}
	}
	return strings.Join(lines, "\n")
}

// multi renders a composite literal's elements one per line.
func multi(items []jen.Code) *jen.Statement {
	return jen.Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, items...)
}

// wrap breaks text into lines of at most width runes at spaces, keeping
// explicit newlines.
func wrap(text string, width int) string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			switch {
			case line == "":
				line = w
			case len([]rune(line))+1+len([]rune(w)) > width:
				out = append(out, line)
				line = w
			default:
				line += " " + w
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func shape3(s ir.Shape) jen.Code {
	return jen.Index(jen.Lit(3)).Int().Values(lits(s.C, s.H, s.W)...)
}

// genShapes emits InputShape, OutputShape, their lengths and the heads.
func (g *gen) genShapes() {
	net := g.net
	out := net.Shape(net.Output)
	g.docf("InputShape is the shape of one input image: channels, height, width. A batch is N×C×H×W, row-major.")
	g.f.Var().Id("InputShape").Op("=").Add(shape3(net.Input))
	g.docf("OutputShape is the shape of one image's output of the trunk (%s).", opName(net, net.Output))
	g.f.Var().Id("OutputShape").Op("=").Add(shape3(out))
	g.f.Const().Defs(
		jen.Comment("InputLen is the number of values of one input image, C·H·W."),
		jen.Id("InputLen").Op("=").Lit(net.Input.Len()),
		jen.Comment("OutputLen is the number of values of one image's output."),
		jen.Id("OutputLen").Op("=").Lit(out.Len()),
	)
	var names, shapes []jen.Code
	for _, h := range net.Heads {
		names = append(names, jen.Lit(h.Name))
		shapes = append(shapes, jen.Values(lits(net.Shape(h.Output).C, net.Shape(h.Output).H, net.Shape(h.Output).W)...))
	}
	g.docf("HeadNames lists the side heads (auxiliary classifiers), in spec order; they run only with Options.Heads, and InferHeads returns their outputs in this order.")
	g.f.Var().Id("HeadNames").Op("=").Index().String().Values(names...)
	g.docf("HeadShapes is the shape of each head's output for one image, in the order of HeadNames.")
	g.f.Var().Id("HeadShapes").Op("=").Index().Index(jen.Lit(3)).Int().Values(shapes...)
}

// opName describes the op producing value v.
func opName(net *ir.Network, v int) string {
	if op := net.Producer(v); op != nil {
		return op.Name
	}
	return "the input"
}

// genParams emits the weight manifest and the initializer table.
func (g *gen) genParams() {
	net := g.net
	var specs, inits []jen.Code
	trunk := 0
	for _, heads := range []bool{false, true} {
		for i := range net.Ops {
			op := &net.Ops[i]
			if (op.Head != "") != heads {
				continue
			}
			for j, prm := range op.Params {
				kv := []jen.Code{jen.Id("Name").Op(":").Lit(prm.Name), jen.Id("Shape").Op(":").Index().Int().Values(lits(prm.Shape...)...)}
				if prm.Role == ir.RoleRunningVar {
					kv = append(kv, jen.Id("NonNegative").Op(":").True())
				}
				specs = append(specs, jen.Values(kv...))
				// The runtime's initializer kinds have the IR's names.
				inits = append(inits, jen.Values(rt(net.ParamInit(op, j).String()), jen.Lit(prm.FanIn)))
				if !heads {
					trunk++
				}
			}
		}
	}
	g.docf("Params is the weight manifest: the name and shape of every tensor the network reads, as a safetensors file holds them (running variances must not be negative). The trunk's come first, in op order (TrunkParams of them), then the side heads'. Without Options.Heads, only the trunk's are required.")
	g.f.Var().Id("Params").Op("=").Index().Add(rt("Spec")).Add(multi(specs))
	g.f.Comment(lineComment(wrap("TrunkParams is the number of leading entries of Params that the trunk reads.", 76)))
	g.f.Const().Id("TrunkParams").Op("=").Lit(trunk)
	g.f.Comment(lineComment(wrap("paramInit gives each entry of Params its deterministic initializer (see NewSeeded).", 76)))
	g.f.Var().Id("paramInit").Op("=").Index(jen.Op("...")).Struct(
		jen.Id("kind").Add(rt("InitKind")),
		jen.Id("fanIn").Int(),
	).Add(multi(inits))
}

// slot renders the runtime.Slot of value v; elided omits the type (for
// elements of a slice literal).
func (g *gen) slot(v int, elided bool) jen.Code {
	l := g.p.loc[v]
	kv := []any{"Off", jen.Lit(l.off), "Len", jen.Lit(g.net.Shape(v).Len()), "Input", jen.True()}
	if !l.input {
		kv = []any{"Off", jen.Lit(g.p.arena(v)), "Len", jen.Lit(g.net.Shape(v).Len())}
	}
	if elided {
		return jen.Values(fields(kv...)...)
	}
	return rt("Slot").Values(fields(kv...)...)
}

// genLayout emits the layout: the arena plan and where the outputs are.
func (g *gen) genLayout() {
	p, net := g.p, g.net
	mb := func(n int) string { return fmt.Sprintf("%.1f MB", float64(4*n)/1e6) }
	var uses []string
	if p.gemm {
		uses = append(uses, "the GEMM (its packed panels of im2col matrices)")
	}
	for _, s := range p.steps {
		if s.winograd > 0 || s.wino1d {
			uses = append(uses, "Winograd convolutions (the transformed inputs and products of a block of tiles)")
			break
		}
	}
	for _, s := range p.steps {
		if s.op.Kind == ir.KindMaxPool {
			uses = append(uses, "max pooling (rows of window maxima)")
			break
		}
	}
	for _, s := range p.steps {
		if s.op.Kind == ir.KindAvgPool {
			uses = append(uses, "average pooling (a zero-padded plane)")
			break
		}
	}
	scratch := ""
	switch len(uses) {
	case 0:
	case 1:
		scratch = " Each worker also has a scratch for " + uses[0] + "."
	default:
		scratch = " Each worker also has a scratch for " + strings.Join(uses[:len(uses)-1], ", ") + " and " + uses[len(uses)-1] + "."
	}
	g.docf("layout is the memory plan of one image. The arena holds %s values (%s); storing each of the %d values of the network separately would take %s (%s): values whose lifetimes do not overlap share memory, and concat inputs are written in place.%s",
		numfmt.Thousands(p.arenaLen), mb(p.arenaLen), len(net.Values)-1, numfmt.Thousands(p.valuesLen), mb(p.valuesLen), scratch)
	var heads []jen.Code
	for _, h := range net.Heads {
		heads = append(heads, g.slot(h.Output, true))
	}
	// The scratch: the GEMM's, and what each layer that needs one asks
	// for (max pools).
	var sizes []jen.Code
	if p.gemm {
		sizes = append(sizes, rt("GemmScratchSize").Call(jen.Lit(p.gemmK)))
	}
	seen := map[string]bool{}
	for _, s := range p.steps {
		scratch := opGens[s.op.Kind].scratch
		if scratch == nil {
			continue
		}
		size := scratch(g, s)
		if size == nil {
			continue
		}
		if key := fmt.Sprintf("%#v", size); !seen[key] {
			seen[key] = true
			sizes = append(sizes, size)
		}
	}
	var scratchLen jen.Code
	switch len(sizes) {
	case 0:
		scratchLen = jen.Lit(0)
	case 1:
		scratchLen = sizes[0]
	default:
		scratchLen = jen.Id("max").Custom(jen.Options{Open: "(", Close: ")", Separator: ",", Multi: true}, sizes...)
	}
	g.f.Var().Id("layout").Op("=").Add(rt("Layout")).Values(jen.Dict{
		jen.Id("Name"):       jen.Lit(g.opts.Package),
		jen.Id("InputLen"):   jen.Id("InputLen"),
		jen.Id("ArenaLen"):   jen.Lit(p.arenaLen),
		jen.Id("ScratchLen"): scratchLen,
		jen.Id("Output"):     g.slot(net.Output, false),
		jen.Id("Heads"):      jen.Index().Add(rt("Slot")).Values(heads...),
	})
	g.docf("ThreadBytes is the memory a Net takes for each of its threads (Options.Threads), in bytes: an arena and a scratch, allocated by New. The weights come on top, once.")
	g.f.Var().Id("ThreadBytes").Op("=").Lit(4).Op("*").Int64().Call(jen.Id("layout").Dot("ArenaLen").Op("+").Id("layout").Dot("ScratchLen"))
}

// genAPI emits Options, Net and its constructors and methods.
func (g *gen) genAPI() {
	net := g.net
	f := g.f
	heads := "the side heads"
	if len(net.Heads) > 0 {
		var hs []string
		for _, h := range net.Heads {
			hs = append(hs, h.Name)
		}
		heads += " (" + strings.Join(hs, ", ") + ")"
	}
	f.Comment("Options configure a Net.")
	f.Type().Id("Options").Struct(
		jen.Comment(lineComment(wrap("Heads runs "+heads+" too: their weights are then required, and InferHeads returns their outputs. Without it their weights are optional and ignored.", 72))),
		jen.Id("Heads").Bool(),
		jen.Comment(lineComment(wrap("Threads is the number of goroutines an inference uses (< 1: GOMAXPROCS). Results are the same bits for any number.", 72))),
		jen.Id("Threads").Int(),
		jen.Comment(lineComment(wrap("Profile records the time each layer takes, for Profile.", 72))),
		jen.Id("Profile").Bool(),
	)
	g.docf("Net is the network %s compiled from %s, with one set of weights.\n\nA Net is safe for concurrent use: it owns one arena per thread and a worker pool, and its methods serialise their callers with a mutex. To run inferences in parallel, give each goroutine its own Clone, which shares the (read-only) weights. A Net runs until Close; one that becomes unreachable is closed by the garbage collector (its methods keep it reachable while they run, so dropping a Net is safe at any time).",
		net.Name, g.opts.Spec)
	f.Type().Id("Net").Struct(jen.Id("eng").Op("*").Add(rt("Engine")).Types(jen.Id("weights")))

	g.docf("New returns the network with the given weights, checked against Params: a missing tensor, a wrong shape or an unexpected name is an error naming the tensor. Batch norms are folded into the convolutions before them and the kernels are repacked; the Net keeps no reference to w.")
	f.Func().Id("New").Params(jen.Id("w").Add(rt("Weights")), jen.Id("opts").Id("Options")).Params(jen.Op("*").Id("Net"), jen.Error()).Block(
		jen.List(jen.Id("ws"), jen.Err()).Op(":=").Id("loadWeights").Call(jen.Id("w"), jen.Id("opts").Dot("Heads")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("newNet").Call(rt("NewEngine").Call(jen.Id("ws"), jen.Op("&").Id("layout"), jen.Id("layers").Index(jen.Op(":")),
			rt("EngineConfig").Values(fields("Threads", jen.Id("opts").Dot("Threads"), "Heads", jen.Id("opts").Dot("Heads"), "Profile", jen.Id("opts").Dot("Profile"))...))), jen.Nil()),
	)
	f.Comment(lineComment(wrap("newNet wraps an engine; the garbage collector closes its workers with the Net, never while a method runs.", 76)))
	f.Func().Id("newNet").Params(jen.Id("eng").Op("*").Add(rt("Engine")).Types(jen.Id("weights"))).Op("*").Id("Net").Block(
		jen.Id("n").Op(":=").Op("&").Id("Net").Values(jen.Id("eng")),
		rt("CloseEngineWith").Call(jen.Id("n"), jen.Id("eng")),
		jen.Return(jen.Id("n")),
	)
	load := func(name, doc string, params []jen.Code, call jen.Code) {
		g.docf("%s", doc)
		f.Func().Id(name).Params(params...).Params(jen.Op("*").Id("Net"), jen.Error()).Block(
			jen.List(jen.Id("w"), jen.Err()).Op(":=").Add(call),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Id("New").Call(jen.Id("w"), jen.Id("opts"))),
		)
	}
	wanted := []jen.Code{jen.Id("Params"), jen.Id("requiredParams").Call(jen.Id("opts").Dot("Heads"))}
	load("Load", "Load reads the weights from a safetensors file and returns the network (see New). The file's header is checked against Params before any data is read, and only the tensors the Net uses are read (runtime.ReadWeights).",
		[]jen.Code{jen.Id("path").String(), jen.Id("opts").Id("Options")}, rt("LoadWeights").Call(append([]jen.Code{jen.Id("path")}, wanted...)...))
	load("Read", "Read reads the weights as a safetensors file of size bytes from r and returns the network (see New and Load).",
		[]jen.Code{jen.Id("r").Qual("io", "Reader"), jen.Id("size").Int64(), jen.Id("opts").Id("Options")},
		rt("ReadWeights").Call(append([]jen.Code{jen.Lit("weights"), jen.Id("r"), jen.Id("size")}, wanted...)...))
	load("Decode", "Decode returns the network with the weights of a safetensors file held in data (see New and Load), e.g. one embedded with go:embed. Float32 tensors are read from data in place (runtime.ViewWeights), without a decoded copy; data must not change while Decode runs.",
		[]jen.Code{jen.Id("data").Index().Byte(), jen.Id("opts").Id("Options")},
		rt("ViewWeights").Call(append([]jen.Code{jen.Lit("weights"), jen.Id("data")}, wanted...)...))
	f.Comment(lineComment(wrap("requiredParams is the number of leading entries of Params a Net reads: the trunk's, and with heads the side heads' too.", 76)))
	f.Func().Id("requiredParams").Params(jen.Id("heads").Bool()).Int().Block(
		jen.If(jen.Id("heads")).Block(jen.Return(jen.Len(jen.Id("Params")))),
		jen.Return(jen.Id("TrunkParams")),
	)

	g.docf("NewSeeded returns the network with weights from the deterministic initializer (runtime.Init) for seed, the same values as interp.InitWeights and tools/incc_init.py give: for tests and benchmarks.")
	f.Func().Id("NewSeeded").Params(jen.Id("seed").Uint64(), jen.Id("opts").Id("Options")).Params(jen.Op("*").Id("Net"), jen.Error()).Block(
		jen.Return(jen.Id("New").Call(jen.Id("seededWeights").Call(jen.Id("seed"), jen.Id("opts").Dot("Heads")), jen.Id("opts"))),
	)
	f.Comment(lineComment(wrap("seededWeights fills the trunk's weights, and with heads the side heads', for seed.", 76)))
	f.Func().Id("seededWeights").Params(jen.Id("seed").Uint64(), jen.Id("heads").Bool()).Add(rt("Weights")).Block(
		jen.Id("n").Op(":=").Id("TrunkParams"),
		jen.If(jen.Id("heads")).Block(jen.Id("n").Op("=").Len(jen.Id("Params"))),
		jen.Id("w").Op(":=").Make(rt("Weights"), jen.Id("n")),
		jen.For(jen.List(jen.Id("i"), jen.Id("s")).Op(":=").Range().Id("Params").Index(jen.Op(":").Id("n"))).Block(
			jen.Id("t").Op(":=").Add(rt("New")).Call(jen.Id("s").Dot("Shape").Op("...")),
			rt("Init").Call(jen.Id("t").Dot("Data"), jen.Id("seed"), jen.Id("s").Dot("Name"), jen.Id("paramInit").Index(jen.Id("i")).Dot("kind"), jen.Id("paramInit").Index(jen.Id("i")).Dot("fanIn")),
			jen.Id("w").Index(jen.Id("s").Dot("Name")).Op("=").Id("t"),
		),
		jen.Return(jen.Id("w")),
	)

	// Each method keeps m reachable until it returns: otherwise m is dead
	// once m.eng is loaded, and the garbage collector could close the
	// engine's workers under the running call.
	keepAlive := jen.Defer().Qual("runtime", "KeepAlive").Call(jen.Id("m"))
	g.docf("Infer computes a batch of n images: src holds n×InputLen values (N×C×H×W, row-major), dst receives n×OutputLen. Wrong sizes are errors. Infer does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("Infer").Params(jen.List(jen.Id("dst"), jen.Id("src")).Index().Float32(), jen.Id("n").Int()).Error().Block(
		keepAlive,
		jen.Return(jen.Id("m").Dot("eng").Dot("Run").Call(jen.Id("dst"), jen.Nil(), jen.Id("src"), jen.Id("n"))),
	)
	g.docf("InferHeads is Infer that also runs the side heads, which needs Options.Heads: heads holds one slice per entry of HeadNames, receiving n images of that head's output (HeadShapes).")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("InferHeads").Params(jen.List(jen.Id("dst"), jen.Id("src")).Index().Float32(), jen.Id("n").Int(), jen.Id("heads").Index().Index().Float32()).Error().Block(
		keepAlive,
		jen.If(jen.Id("heads").Op("==").Nil()).Block(jen.Id("heads").Op("=").Index().Index().Float32().Values()),
		jen.Return(jen.Id("m").Dot("eng").Dot("Run").Call(jen.Id("dst"), jen.Id("heads"), jen.Id("src"), jen.Id("n"))),
	)
	g.docf("Clone returns a Net sharing m's weights, with its own arenas and workers, for a goroutine that runs inferences in parallel with m.")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("Clone").Params().Op("*").Id("Net").Block(
		keepAlive,
		jen.Return(jen.Id("newNet").Call(jen.Id("m").Dot("eng").Dot("Clone").Call())),
	)
	g.docf("Profile returns the time each layer took over the images inferred since the Net was made or ResetProfile, in execution order (the table layers), or nil without Options.Profile.")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("Profile").Params().Index().Add(rt("LayerProfile")).Block(
		keepAlive,
		jen.Return(jen.Id("m").Dot("eng").Dot("Profile").Call()),
	)
	g.docf("ResetProfile clears the times Profile reports.")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("ResetProfile").Params().Block(keepAlive, jen.Id("m").Dot("eng").Dot("ResetProfile").Call())
	g.docf("Close stops the worker goroutines. The Net must not be used afterwards.")
	f.Func().Params(jen.Id("m").Op("*").Id("Net")).Id("Close").Params().Block(keepAlive, jen.Id("m").Dot("eng").Dot("Close").Call())
}

// genWeights emits the weights type, the tables naming each layer's
// tensors and the loader.
func (g *gen) genWeights() {
	p, net, f := g.p, g.net, g.f
	str := func(op *ir.Op, role ir.Role) jen.Code {
		if op == nil {
			return jen.Lit("")
		}
		for _, q := range op.Params {
			if q.Role == role {
				return jen.Lit(q.Name)
			}
		}
		return jen.Lit("")
	}
	f.Comment(lineComment(wrap("weights holds the network's weights as the layer functions read them; it is shared by clones and never written after loading.", 76)))
	f.Type().Id("weights").Struct(
		jen.Id("conv").Index(jen.Lit(len(p.convs))).Add(rt("ConvWeights")),
		jen.Id("fc").Index(jen.Lit(len(p.fcs))).Add(rt("FCWeights")),
		jen.Id("bn").Index(jen.Lit(len(p.bns))).Add(rt("BNWeights")),
	)
	f.Comment(lineComment(wrap("exec is the state of one forward pass: weights, input image, arena, scratch.", 76)))
	f.Type().Id("exec").Op("=").Add(rt("Exec")).Types(jen.Id("weights"))

	f.Comment(lineComment(wrap("convSources names the tensors of each convolution, with the batch norm folded into it.", 76)))
	f.Var().Id("convSources").Op("=").Index(jen.Lit(len(p.convs))).Add(rt("ConvSource")).ValuesFunc(func(gr *jen.Group) {
		for _, s := range p.convs {
			in := net.Shape(s.op.In[0])
			c := s.op.Conv
			d := jen.Dict{
				jen.Id("Weight"): str(s.op, ir.RoleWeight),
				jen.Id("Out"):    jen.Lit(c.Out),
				jen.Id("K"):      jen.Lit(in.C / c.Groups * c.KH * c.KW),
			}
			if c.Groups > 1 {
				d[jen.Id("Groups")] = jen.Lit(c.Groups)
			}
			if s.scale != nil {
				d[jen.Id("Scale")] = jen.Lit(s.scale.Scale.Factor)
			}
			if s.winograd > 0 {
				d[jen.Id("Winograd")] = jen.Lit(s.winograd)
			}
			if s.wino1d {
				d[jen.Id("Winograd1D")] = jen.True()
			}
			if s.op.Conv.Bias {
				d[jen.Id("Bias")] = str(s.op, ir.RoleBias)
			}
			if s.bn != nil {
				d[jen.Id("Gamma")] = str(s.bn, ir.RoleWeight)
				d[jen.Id("Beta")] = str(s.bn, ir.RoleBias)
				d[jen.Id("Mean")] = str(s.bn, ir.RoleRunningMean)
				d[jen.Id("Variance")] = str(s.bn, ir.RoleRunningVar)
				d[jen.Id("Eps")] = jen.Lit(s.bn.BN.Eps)
			}
			if s.op.Head != "" {
				d[jen.Id("Head")] = jen.True()
			}
			gr.Values(d)
		}
	})
	f.Comment(lineComment(wrap("fcSources names the tensors of each fully connected layer.", 76)))
	f.Var().Id("fcSources").Op("=").Index(jen.Lit(len(p.fcs))).Add(rt("FCSource")).ValuesFunc(func(gr *jen.Group) {
		for _, s := range p.fcs {
			d := jen.Dict{
				jen.Id("Weight"): str(s.op, ir.RoleWeight),
				jen.Id("Out"):    jen.Lit(s.op.FC.Out),
				jen.Id("In"):     jen.Lit(net.Shape(s.op.In[0]).Len()),
			}
			if s.op.FC.Bias {
				d[jen.Id("Bias")] = str(s.op, ir.RoleBias)
			}
			if s.op.Head != "" {
				d[jen.Id("Head")] = jen.True()
			}
			gr.Values(d)
		}
	})
	f.Comment(lineComment(wrap("bnSources names the tensors of each batch norm that is not folded into a convolution.", 76)))
	f.Var().Id("bnSources").Op("=").Index(jen.Lit(len(p.bns))).Add(rt("BNSource")).ValuesFunc(func(gr *jen.Group) {
		for _, s := range p.bns {
			d := jen.Dict{
				jen.Id("Gamma"):    str(s.op, ir.RoleWeight),
				jen.Id("Beta"):     str(s.op, ir.RoleBias),
				jen.Id("Mean"):     str(s.op, ir.RoleRunningMean),
				jen.Id("Variance"): str(s.op, ir.RoleRunningVar),
				jen.Id("Eps"):      jen.Lit(s.op.BN.Eps),
				jen.Id("C"):        jen.Lit(net.Shape(s.op.In[0]).C),
			}
			if s.op.Head != "" {
				d[jen.Id("Head")] = jen.True()
			}
			gr.Values(d)
		}
	})
	loop := func(table, field string) jen.Code {
		return jen.For(jen.Id("i").Op(":=").Range().Id(table)).Block(
			jen.Id("s").Op(":=").Op("&").Id(table).Index(jen.Id("i")),
			jen.If(jen.Id("s").Dot("Head").Op("&&").Op("!").Id("heads")).Block(jen.Continue()),
			jen.If(
				jen.Id("ws").Dot(field).Index(jen.Id("i")).Op(",").Err().Op("=").Id("s").Dot("Load").Call(jen.Id("w")),
				jen.Err().Op("!=").Nil(),
			).Block(jen.Return(jen.Nil(), jen.Err())),
		)
	}
	f.Comment(lineComment(wrap("loadWeights checks w against Params and converts it for the layer functions.", 76)))
	f.Func().Id("loadWeights").Params(jen.Id("w").Add(rt("Weights")), jen.Id("heads").Bool()).Params(jen.Op("*").Id("weights"), jen.Error()).Block(
		jen.Id("n").Op(":=").Id("TrunkParams"),
		jen.If(jen.Id("heads")).Block(jen.Id("n").Op("=").Len(jen.Id("Params"))),
		jen.If(jen.Err().Op(":=").Add(rt("CheckRequired")).Call(jen.Id("w"), jen.Id("Params"), jen.Id("n")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Err()),
		),
		jen.Id("ws").Op(":=").New(jen.Id("weights")),
		jen.Var().Err().Error(),
		loop("convSources", "conv"),
		loop("fcSources", "fc"),
		loop("bnSources", "bn"),
		jen.Return(jen.Id("ws"), jen.Nil()),
	)
}

// genForward emits the table of layer functions, which the engine runs in
// order for each image.
func (g *gen) genForward() {
	p := g.p
	g.docf("layers lists the %d layer functions in execution order: the IR op each computes (the first, if others are fused into it), its number of work items (split among the workers for each image), whether it belongs to a side head (run only with heads), where its output goes, its floating-point operations for one image (convolutions and fully connected layers), and the earlier layers it must wait for (it reads their output, or overwrites memory they use), which let the engine run independent layers at the same time. Running a prefix of the table leaves that output in the arena, for tests and debugging.", len(p.steps))
	var rows []jen.Code
	for _, s := range p.steps {
		kv := []any{"Name", jen.Lit(s.op.Name), "Items", lit(s.items), "Run", id(s.fn)}
		if s.op.Head != "" {
			kv = append(kv, "Head", jen.True())
		}
		kv = append(kv, "Out", g.slot(s.out, false))
		if s.flops > 0 {
			kv = append(kv, "FLOPs", jen.Op(fmt.Sprint(s.flops)))
		}
		if len(s.deps) > 0 {
			kv = append(kv, "Deps", jen.Index().Int().Values(lits(s.deps...)...))
		}
		rows = append(rows, jen.Values(fields(kv...)...))
	}
	g.f.Var().Id("layers").Op("=").Index(jen.Op("...")).Add(rt("Layer")).Types(jen.Id("weights")).Add(multi(rows))
}
