package codegen

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
)

// Import paths of what a model binary's main uses.
const (
	modelcliPath = "github.com/inccdev/incc/runtime/modelcli"
	preprocPath  = "github.com/inccdev/incc/runtime/preproc"
)

// MainOptions configure [GenerateMain].
type MainOptions struct {
	// NetImport is the import path of the network package [Generate]
	// wrote, and NetPackage its package name.
	NetImport, NetPackage string
	// Spec is the spec's path as given to incc, for the header and the
	// binary's info; Source is the spec's text and Stats its cost table.
	Spec, Source, Stats string
	// Weights is the name of the safetensors file, in the main package's
	// directory, that the binary embeds (default "weights.safetensors");
	// WeightsSHA256 is its checksum (hex).
	Weights, WeightsSHA256 string
	// Heads makes the binary run the side heads too.
	Heads bool
	// Threads is the binary's default number of threads (< 1: all CPUs).
	Threads int
}

// GenerateMain returns the source of the main package of a model binary
// (incc build): it embeds the weights with go:embed, describes the network
// in a modelcli.Model literal (shapes, preprocessing, labels, info text)
// and calls its Main. It reads only the IR and opts; like [Generate], its
// output is gofmt'd and deterministic.
func GenerateMain(net *ir.Network, opts MainOptions) ([]byte, error) {
	if err := ir.Validate(net); err != nil {
		return nil, err
	}
	if opts.NetImport == "" || CheckPackage(opts.NetPackage) != nil {
		return nil, fmt.Errorf("codegen: main: bad network package %q (%q)", opts.NetPackage, opts.NetImport)
	}
	if opts.Weights == "" {
		opts.Weights = "weights.safetensors"
	}
	if strings.ContainsAny(opts.Weights, " \t\n\"`/\\") {
		return nil, fmt.Errorf("codegen: main: weights file name %q must be a plain name", opts.Weights)
	}
	if opts.Spec == "" {
		opts.Spec = net.File
	}
	f := jen.NewFile("main")
	f.HeaderComment(header(opts.Spec))
	f.PackageComment(lineComment(wrap(fmt.Sprintf("Command %s is the network %s compiled by incc build from %s, with its weights embedded. Run it without arguments for usage.", net.Name, net.Name, opts.Spec), 76)))
	f.ImportName(opts.NetImport, opts.NetPackage)
	f.ImportName(modelcliPath, "modelcli")
	f.ImportName(preprocPath, "preproc")
	f.Anon("embed")

	f.Comment(lineComment("weights is the safetensors file checked against the spec when the binary was\nbuilt."))
	f.Comment("//go:embed " + opts.Weights)
	f.Var().Id("weights").Index().Byte()

	in, out := net.Input, net.Shape(net.Output)
	shape := func(s ir.Shape) jen.Code { return jen.Index(jen.Lit(3)).Int().Values(lits(s.C, s.H, s.W)...) }
	fields := jen.Dict{
		jen.Id("Name"):          jen.Lit(net.Name),
		jen.Id("Spec"):          jen.Lit(opts.Spec),
		jen.Id("Source"):        text(opts.Source),
		jen.Id("Stats"):         text(opts.Stats),
		jen.Id("Weights"):       jen.Id("weights"),
		jen.Id("WeightsSHA256"): jen.Lit(opts.WeightsSHA256),
		jen.Id("Input"):         shape(in),
		jen.Id("Output"):        shape(out),
		jen.Id("ThreadBytes"):   jen.Qual(opts.NetImport, "ThreadBytes"),
		jen.Id("Preprocess"):    preprocConfig(net),
		jen.Id("New"): jen.Func().Params(jen.Id("threads").Int()).Params(jen.Qual(modelcliPath, "Net"), jen.Error()).Block(
			jen.List(jen.Id("n"), jen.Err()).Op(":=").Qual(opts.NetImport, "Decode").Call(jen.Id("weights"),
				jen.Qual(opts.NetImport, "Options").Values(jen.Dict{jen.Id("Heads"): jen.Lit(opts.Heads), jen.Id("Threads"): jen.Id("threads")})),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Id("n"), jen.Nil()),
		),
	}
	if net.Labels != "" {
		fields[jen.Id("Labels")] = jen.Lit(net.Labels)
	}
	if endsWithSoftmax(net) {
		fields[jen.Id("Softmax")] = jen.True()
	}
	if opts.Threads > 0 {
		fields[jen.Id("Threads")] = jen.Lit(opts.Threads)
	}
	if opts.Heads && len(net.Heads) > 0 {
		var hs []jen.Code
		for _, h := range net.Heads {
			hs = append(hs, jen.Values(jen.Dict{jen.Id("Name"): jen.Lit(h.Name), jen.Id("Shape"): shape(net.Shape(h.Output))}))
		}
		fields[jen.Id("Heads")] = jen.Index().Qual(modelcliPath, "Head").Add(multi(hs))
	}
	f.Comment("model is the network as the command line sees it.")
	f.Var().Id("model").Op("=").Op("&").Qual(modelcliPath, "Model").Values(fields)

	f.Func().Id("main").Params().Block(
		jen.Qual("os", "Exit").Call(jen.Id("model").Dot("Main").Call(jen.Qual("os", "Args").Index(jen.Lit(1).Op(":")), jen.Qual("os", "Stdout"), jen.Qual("os", "Stderr"))),
	)

	return render(f)
}

// text renders a multi-line string as a raw string literal when it can be
// one, else as an interpreted literal.
func text(s string) jen.Code {
	if utf8.ValidString(s) && !strings.ContainsAny(s, "`\r\x00") && !strings.ContainsRune(s, '\uFEFF') {
		return jen.Op("`" + s + "`")
	}
	return jen.Lit(s)
}

// preprocConfig renders the preproc.Config of the network's input and
// preprocessing; zero fields are left out.
func preprocConfig(net *ir.Network) jen.Code {
	in := net.Input
	d := jen.Dict{
		jen.Id("Channels"): jen.Lit(in.C),
		jen.Id("Height"):   jen.Lit(in.H),
		jen.Id("Width"):    jen.Lit(in.W),
	}
	if p := net.Pre; p != nil {
		if p.Resize > 0 {
			d[jen.Id("Resize")] = jen.Lit(p.Resize)
		}
		if p.Interpolation != "" && p.Interpolation != "bilinear" {
			d[jen.Id("Interpolation")] = jen.Lit(p.Interpolation)
		}
		if p.CropH > 0 {
			d[jen.Id("CropH")] = jen.Lit(p.CropH)
			d[jen.Id("CropW")] = jen.Lit(p.CropW)
		}
		if p.Scale != 0 && p.Scale != 1 {
			d[jen.Id("Scale")] = jen.Lit(p.Scale)
		}
		if p.Order != "" && p.Order != "rgb" {
			d[jen.Id("Order")] = jen.Lit(p.Order)
		}
		floats := func(vs []float64) jen.Code {
			c := make([]jen.Code, len(vs))
			for i, v := range vs {
				c[i] = jen.Lit(v)
			}
			return jen.Index().Float64().Values(c...)
		}
		if len(p.Mean) > 0 {
			d[jen.Id("Mean")] = floats(p.Mean)
		}
		if len(p.Std) > 0 {
			d[jen.Id("Std")] = floats(p.Std)
		}
	}
	return jen.Qual(preprocPath, "Config").Values(d)
}

// endsWithSoftmax reports whether the trunk's output is a softmax, looking
// through the ops that only pass values on (aliases).
func endsWithSoftmax(net *ir.Network) bool {
	op := net.Producer(net.Output)
	for op != nil && opGens[op.Kind].alias {
		op = net.Producer(op.In[0])
	}
	return op != nil && op.Kind == ir.KindSoftmax
}
