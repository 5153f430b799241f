package codegen_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/golden"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/preproc"
)

// TestRuntimeVersion: the code generator writes code for the runtime of its
// own module, so a change to what generated code needs of the runtime
// raises both runtime.Version and codegen.RuntimeVersion (and the version
// check of every generated file with them).
func TestRuntimeVersion(t *testing.T) {
	if codegen.RuntimeVersion != runtime.Version || runtime.MinVersion < 1 || runtime.MinVersion > runtime.Version {
		t.Errorf("codegen.RuntimeVersion %d, runtime.Version %d, runtime.MinVersion %d: want RuntimeVersion = Version >= MinVersion >= 1",
			codegen.RuntimeVersion, runtime.Version, runtime.MinVersion)
	}
	if codegen.DepthwiseMaxTaps != runtime.DepthwiseMaxTaps {
		t.Errorf("the generator gives depthwise kernels of up to %d taps to runtime.DepthwiseChannels, which takes %d",
			codegen.DepthwiseMaxTaps, runtime.DepthwiseMaxTaps)
	}
}

// TestGolden generates each testdata/<name>.inc and compares the result
// with <name>.go.golden (go test -update rewrites them). It also checks
// that the output is gofmt-stable, generated twice gives the same bytes,
// and the header is the standard one.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.inc")
	if len(files) == 0 {
		t.Fatal("no testdata/*.inc")
	}
	header := regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".inc")
		t.Run(name, func(t *testing.T) {
			net := testspec.Load(t, "compiler/codegen/"+filepath.ToSlash(f))
			opts := codegen.Options{Package: name, Spec: filepath.ToSlash(f)}
			out, err := codegen.Generate(net, opts)
			if err != nil {
				t.Fatal(err)
			}
			if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
				t.Errorf("output is not gofmt-stable (err %v)", err)
			}
			again, err := codegen.Generate(testspec.Load(t, "compiler/codegen/"+filepath.ToSlash(f)), opts)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("generating twice gives different bytes (err %v)", err)
			}
			first, _, _ := strings.Cut(string(out), "\n")
			if !header.MatchString(first) || !strings.Contains(first, " from "+opts.Spec+".") {
				t.Errorf("first line %q, want the generated-code header naming %s", first, opts.Spec)
			}
			golden.Check(t, strings.TrimSuffix(f, ".inc")+".go.golden", out)
		})
	}
}

// TestInitKind checks that the generated initializer table gives every
// weight of both GoogLeNets the runtime kind the interpreter uses for it.
func TestInitKind(t *testing.T) {
	kinds := regexp.MustCompile(`\{rt\.(Init\w+), (\d+)\}`)
	for _, spec := range []string{"specs/googlenet.inc", "specs/googlenet_torchvision.inc"} {
		net := testspec.Load(t, spec)
		out, err := codegen.Generate(net, codegen.Options{Package: "x"})
		if err != nil {
			t.Fatal(err)
		}
		got := kinds.FindAllStringSubmatch(string(out), -1)
		var want [][2]string
		for _, heads := range []bool{false, true} {
			for i := range net.Ops {
				op := &net.Ops[i]
				if (op.Head != "") != heads {
					continue
				}
				for j, p := range op.Params {
					want = append(want, [2]string{"Init" + titleKind(interp.InitKind(net.ParamInit(op, j))), itoa(p.FanIn)})
				}
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d initializer entries, want %d", spec, len(got), len(want))
		}
		for i := range want {
			if got[i][1] != want[i][0] || got[i][2] != want[i][1] {
				t.Errorf("%s: entry %d: %s %s, want %s %s", spec, i, got[i][1], got[i][2], want[i][0], want[i][1])
			}
		}
	}
}

// titleKind maps an init kind to its Go constant's suffix.
func titleKind(k runtime.InitKind) string {
	return map[runtime.InitKind]string{
		runtime.InitWeight: "Weight", runtime.InitBias: "Bias", runtime.InitBNWeight: "BNWeight",
		runtime.InitBNBias: "BNBias", runtime.InitRunningMean: "RunningMean", runtime.InitRunningVar: "RunningVar",
	}[k]
}

func itoa(n int) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestSize guards the size of generated GoogLeNets, so that a change of
// the unrolling policy cannot silently make a file that takes minutes to
// compile: every function at most maxLines lines, the file at most
// maxBytes.
func TestSize(t *testing.T) {
	const maxLines, maxBytes = 120, 200 << 10
	for _, spec := range []string{"specs/googlenet.inc", "specs/googlenet_torchvision.inc"} {
		out, err := codegen.Generate(testspec.Load(t, spec), codegen.Options{Package: "x"})
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", out, 0)
		if err != nil {
			t.Fatal(err)
		}
		longest, name := 0, ""
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
				if n > longest {
					longest, name = n, fn.Name.Name
				}
			}
		}
		t.Logf("%s: %d bytes, %d lines; longest function %s, %d lines", spec, len(out), bytes.Count(out, []byte("\n")), name, longest)
		if longest > maxLines {
			t.Errorf("%s: function %s has %d lines, want at most %d", spec, name, longest, maxLines)
		}
		if len(out) > maxBytes {
			t.Errorf("%s: %d bytes, want at most %d", spec, len(out), maxBytes)
		}
	}
}

// TestGenerateErrors checks that a malformed IR, or options that cannot
// make a package, are the errors that say so, not a panic.
func TestGenerateErrors(t *testing.T) {
	net := testspec.Load(t, "compiler/codegen/testdata/inception.inc")
	bad := *net
	bad.Ops = append([]ir.Op(nil), net.Ops...)
	bad.Ops[0].Conv = nil
	for _, tt := range []struct {
		name string
		net  *ir.Network
		opts codegen.Options
		want string
	}{
		{"package", net, codegen.Options{Package: "not an identifier"}, `codegen: package name "not an identifier" is not a Go identifier`},
		{"keyword", net, codegen.Options{Package: "func"}, `codegen: package name "func" is a Go keyword`},
		{"main", net, codegen.Options{Package: "main"}, `codegen: package name "main" would make a command; a network is a library package`},
		{"empty", &ir.Network{}, codegen.Options{}, "ir: network has no values"},
		{"attributes", &bad, codegen.Options{}, "ir: op mix.branch1 (<prelude>:9:9): conv without its attributes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := codegen.Generate(tt.net, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestBuildTime compiles a generated GoogLeNet (torchvision) package and
// fails if that takes 30 s or more. A fresh comment in the file defeats the
// build cache for this package only (its dependencies stay cached), so
// the figure is the package's own compile time.
func TestBuildTime(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	out, err := codegen.Generate(testspec.Load(t, "specs/googlenet_torchvision.inc"), codegen.Options{Package: "googlenet"})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "tmp-build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out = append(out, fmt.Sprintf("\n// build %d\n", time.Now().UnixNano())...)
	if err := os.WriteFile(filepath.Join(dir, "googlenet_gen.go"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	// Build the dependencies first, so that only the package is timed.
	if out, err := exec.Command("go", "build", "github.com/inccdev/incc/runtime").CombinedOutput(); err != nil {
		t.Fatalf("go build runtime: %v\n%s", err, out)
	}
	start := time.Now()
	if out, err := exec.Command("go", "build", "./"+filepath.ToSlash(dir)).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	d := time.Since(start)
	t.Logf("go build of a generated GoogLeNet package: %v", d.Round(time.Millisecond))
	if d >= 30*time.Second {
		t.Errorf("go build took %v, want < 30s", d)
	}
}

// TestHostileText: the spec's file name and its op names reach the header
// and doc comments; none can end a comment and start code. The checker
// rejects non-printable labels, so the hostile names are set in the IR.
func TestHostileText(t *testing.T) {
	const payload = "\n}\nfunc init() { panic(\"owned\") }\n//\r"
	net := testspec.Load(t, "compiler/codegen/testdata/inception.inc")
	net.File = "evil" + payload + ".inc"
	for i := range net.Ops {
		net.Ops[i].Src.File = net.File
	}
	net.Ops[0].Name += "\u2028" + payload // Go names are mangled; the doc shows the name
	for _, gen := range []func() ([]byte, error){
		func() ([]byte, error) { return codegen.Generate(net, codegen.Options{Package: "p", Spec: net.File}) },
		func() ([]byte, error) {
			return codegen.GenerateMain(net, codegen.MainOptions{Spec: net.File, Weights: "w.safetensors", NetImport: "example.com/p", NetPackage: "p",
				Preprocess: preproc.Config{Channels: 8, Height: 6, Width: 6, Order: payload}})
		},
	} {
		out, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(out), "\n")
		if !regexp.MustCompile(`^// Code generated by incc from evil\\n}\\nfunc init.*\.inc\. DO NOT EDIT\.$`).MatchString(first) {
			t.Errorf("header %q", first)
		}
		f, err := parser.ParseFile(token.NewFileSet(), "gen.go", out, 0)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "init" {
				t.Errorf("the file name became code: func init at %d", fd.Pos())
			}
		}
	}
}
