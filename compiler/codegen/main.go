package codegen

import (
	"errors"
	"fmt"
	"go/token"
	"reflect"
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
	// Preprocess is the network's preproc.Config (its input and image
	// preprocessing), which the main holds as a literal of its non-zero
	// fields. It is a value of any struct type, so that the code generator
	// does not link the runtime; incc maps a network to it in one place.
	Preprocess any
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
	pre, err := literal(reflect.ValueOf(opts.Preprocess))
	if err == nil && reflect.TypeOf(opts.Preprocess).Kind() != reflect.Struct {
		err = fmt.Errorf("%T is not a struct", opts.Preprocess)
	}
	if err != nil {
		return nil, fmt.Errorf("codegen: main: preprocessing: %v", err)
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
		jen.Id("Preprocess"):    pre,
		jen.Id("New"): jen.Func().Params(jen.Id("o").Qual(modelcliPath, "NetOptions")).Params(jen.Qual(modelcliPath, "Net"), jen.Error()).Block(
			jen.List(jen.Id("n"), jen.Err()).Op(":=").Qual(opts.NetImport, "Decode").Call(jen.Id("weights"),
				jen.Qual(opts.NetImport, "Options").Values(jen.Dict{jen.Id("Heads"): jen.Lit(opts.Heads), jen.Id("Threads"): jen.Id("o").Dot("Threads"), jen.Id("Profile"): jen.Id("o").Dot("Profile")})),
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

// literal renders v, a value of an exported struct type, as a composite
// literal of its non-zero exported fields (in name order), which may be
// booleans, numbers, strings, slices of them, or structs.
func literal(v reflect.Value) (jen.Code, error) {
	if !v.IsValid() {
		return nil, errors.New("none given")
	}
	t := v.Type()
	named := func(c jen.Code) jen.Code { // a conversion to a named type of another package
		if t.PkgPath() == "" {
			return c
		}
		return jen.Qual(t.PkgPath(), t.Name()).Call(c)
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.PkgPath() == "" || !token.IsExported(t.Name()) {
			return nil, fmt.Errorf("%s is not an exported struct type", t)
		}
		d := jen.Dict{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || v.Field(i).IsZero() {
				continue
			}
			c, err := literal(v.Field(i))
			if err != nil {
				return nil, fmt.Errorf("%s: %v", f.Name, err)
			}
			d[jen.Id(f.Name)] = c
		}
		return jen.Qual(t.PkgPath(), t.Name()).Values(d), nil
	case reflect.Slice:
		elems := make([]jen.Code, v.Len())
		for i := range elems {
			c, err := literal(v.Index(i))
			if err != nil {
				return nil, err
			}
			elems[i] = c
		}
		var elem jen.Code = jen.Id(t.Elem().Name())
		if t.Elem().PkgPath() != "" {
			elem = jen.Qual(t.Elem().PkgPath(), t.Elem().Name())
		}
		return jen.Index().Add(elem).Values(elems...), nil
	case reflect.Bool:
		return named(jen.Lit(v.Bool())), nil
	case reflect.Int:
		return named(jen.Lit(int(v.Int()))), nil
	case reflect.Float64:
		return named(jen.Lit(v.Float())), nil
	case reflect.String:
		return named(jen.Lit(v.String())), nil
	}
	return nil, fmt.Errorf("cannot write a %s as a literal", t)
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
