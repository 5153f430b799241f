package codegen_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/internal/golden"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/preproc"
)

// TestGenerateMain generates the main of a model binary for the MNIST
// example (with its side head) and compares it with
// testdata/main_mnist.go.golden; it must be deterministic, import only
// the runtime side of incc, and embed the weights. cmd/incc's build test
// compiles and runs such a main.
func TestGenerateMain(t *testing.T) {
	const spec = "specs/examples/mnist_inception.inc"
	src, err := os.ReadFile(testspec.Path(spec))
	if err != nil {
		t.Fatal(err)
	}
	opts := codegen.MainOptions{
		NetImport: "example.com/m/_incc-build-1/mnist_inception", NetPackage: "mnist_inception",
		Spec: spec, Source: string(src), Stats: "name  type\nstem  basic\n",
		WeightsSHA256: strings.Repeat("ab", 32), Heads: true, Threads: 2,
		// What incc maps the spec's input and preprocessing to.
		Preprocess: preproc.Config{Channels: 1, Height: 28, Width: 28, Scale: 1, Order: "rgb", Mean: []float64{0.1307}, Std: []float64{0.3081}},
	}
	out, err := codegen.GenerateMain(testspec.Load(t, spec), opts)
	if err != nil {
		t.Fatal(err)
	}
	again, err := codegen.GenerateMain(testspec.Load(t, spec), opts)
	if err != nil || !bytes.Equal(out, again) {
		t.Errorf("generating twice gives different bytes (err %v)", err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if !regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`).MatchString(first) {
		t.Errorf("header %q", first)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", out, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		imports = append(imports, p)
	}
	if got, want := strings.Join(imports, " "), "embed example.com/m/_incc-build-1/mnist_inception github.com/inccdev/incc/runtime/modelcli github.com/inccdev/incc/runtime/preproc os"; got != want {
		t.Errorf("imports %s, want %s", got, want)
	}
	for _, want := range []string{
		"//go:embed weights.safetensors\nvar weights []byte",
		"Source: `# A small Inception network",
		`Mean:     []float64{0.1307}`,
		`Order:    "rgb",`,
		"New: func(o modelcli.NetOptions) (modelcli.Net, error) {",
		`Heads: []modelcli.Head{`,
		"os.Exit(model.Main(os.Args[1:], os.Stdout, os.Stderr))",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("main lacks %q", want)
		}
	}
	golden.Check(t, "testdata/main_mnist.go.golden", out)

	// A source a raw string cannot hold is quoted.
	opts.Source = "network `x` {}\r\n"
	if out, err := codegen.GenerateMain(testspec.Load(t, spec), opts); err != nil || !strings.Contains(string(out), `Source: "network `+"`x`"+` {}\r\n"`) {
		t.Errorf("backquoted source: %v\n%s", err, out)
	}
	for _, pre := range []any{nil, 3, struct{ X int }{1}, preproc.Config{Channels: 1, Memory: preproc.NewBudget(1)}} {
		o := opts
		o.Preprocess = pre
		if _, err := codegen.GenerateMain(testspec.Load(t, spec), o); err == nil || !strings.Contains(err.Error(), "preprocessing") {
			t.Errorf("Preprocess %#v: error %v, want one about the preprocessing", pre, err)
		}
	}
	opts.Weights = "../w.safetensors"
	if _, err := codegen.GenerateMain(testspec.Load(t, spec), opts); err == nil {
		t.Error("a weights path outside the directory was accepted")
	}
}
