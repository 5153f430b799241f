// Package layout holds a test of the repository's import rules: which
// incc packages each package may depend on (see DESIGN notes in the README).
package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/inccdev/incc/"

// rules maps a package pattern to the incc packages its non-test build may
// depend on, directly or not (a trailing "/" allows a whole subtree), and to
// the outside modules it may link (import path prefixes; the standard
// library is always allowed). A model binary links runtime and generated
// code only: never the compiler, participle or jennifer.
var rules = []struct {
	pkg      string
	allow    []string
	external []string
}{
	{"internal/safetext", nil, nil},
	{"internal/geom", nil, nil},
	{"internal/regular", nil, nil},
	{"internal/atomicfile", nil, nil},
	{"internal/output", nil, nil},
	{"internal/numtest", nil, nil},
	{"internal/numfmt", nil, nil},
	{"dsl", []string{"internal/safetext"}, []string{"github.com/alecthomas/participle/"}},
	{"compiler/ir", []string{"internal/geom"}, nil},
	{"compiler", []string{"dsl", "compiler/ir", "internal/safetext", "internal/geom"}, []string{"github.com/alecthomas/participle/"}},
	{"compiler/stats", []string{"compiler/ir", "internal/geom", "internal/numfmt"}, nil},
	// Graph drawing: gonum for the DAG; Graphviz compiled to WebAssembly
	// (go-graphviz on wazero, with what its renderers import) for SVG and
	// PNG without an installed Graphviz; gg, freetype and the Go fonts
	// for painting PNG.
	{"compiler/graph", []string{"compiler/ir", "internal/geom"}, []string{"gonum.org/v1/gonum/",
		"github.com/goccy/go-graphviz/", "github.com/tetratelabs/wazero/", "github.com/fogleman/gg/",
		"github.com/golang/freetype/", "golang.org/x/image/", "github.com/disintegration/imaging/",
		"github.com/flopp/go-findfont/", "golang.org/x/text/", "golang.org/x/sys/"}},
	{"compiler/export", []string{"compiler/ir", "internal/safetext", "internal/geom"}, nil},
	{"compiler/codegen", []string{"compiler/ir", "internal/safetext", "internal/geom", "internal/numfmt"}, []string{"github.com/dave/jennifer/"}},
	{"compiler/interp", []string{"compiler/ir", "runtime", "runtime/", "internal/geom", "internal/regular", "internal/atomicfile"}, []string{"golang.org/x/sys/cpu/"}},
	{"compiler/onnx", []string{"dsl", "compiler", "compiler/ir", "compiler/onnx/onnxpb", "internal/safetext", "internal/geom"},
		[]string{"github.com/alecthomas/participle/", "google.golang.org/protobuf/"}},
	{"compiler/onnx/onnxpb", nil, []string{"google.golang.org/protobuf/"}},
	{"runtime/ref", []string{"internal/geom"}, nil},
	{"runtime/tensor", []string{"internal/regular", "internal/atomicfile"}, nil},
	{"runtime", []string{"runtime/gemm", "runtime/ref", "runtime/tensor", "internal/geom", "internal/regular", "internal/atomicfile"}, []string{"golang.org/x/sys/cpu/"}},
	// The GEMM's Go fallbacks of its fused activations are the reference
	// kernels (ref.ReLU, ref.Clamp), not copies of them.
	{"runtime/gemm", []string{"runtime/ref", "internal/geom"}, []string{"golang.org/x/sys/cpu/"}},
	{"runtime/labels", nil, nil},
	{"runtime/host", []string{"internal/numfmt"}, nil},
	{"runtime/bench", []string{"runtime", "runtime/gemm", "runtime/ref", "runtime/tensor", "runtime/host", "internal/geom", "internal/regular", "internal/atomicfile", "internal/numfmt"}, []string{"golang.org/x/sys/cpu/"}},
	{"runtime/preproc", []string{"internal/regular"}, []string{"golang.org/x/image/"}},
	// The server links gRPC (and protobuf, x/net, x/sys, x/text and the
	// status protos it needs); never the compiler.
	{"runtime/serve/inference", nil, grpcModules},
	{"runtime/serve", []string{"runtime", "runtime/preproc", "runtime/gemm", "runtime/ref", "runtime/tensor", "runtime/labels", "runtime/serve/inference", "internal/geom", "internal/regular", "internal/atomicfile"},
		append(grpcModules, "golang.org/x/image/")},
	{"runtime/modelcli", []string{"runtime", "runtime/", "internal/safetext", "internal/geom", "internal/regular", "internal/atomicfile", "internal/output", "internal/numfmt"},
		append(grpcModules, "golang.org/x/image/")},
	// Generated packages link the runtime's interface (package runtime)
	// and what it links, nothing else: not the model binary's command line,
	// the benchmark or the labels, and never the compiler.
	{"generated/...", []string{"runtime", "runtime/gemm", "runtime/ref", "runtime/tensor", "internal/geom", "internal/regular", "internal/atomicfile"}, []string{"golang.org/x/sys/cpu/"}},
}

// grpcModules are what google.golang.org/grpc links.
var grpcModules = []string{"google.golang.org/grpc/", "google.golang.org/protobuf/", "google.golang.org/genproto/googleapis/rpc/",
	"golang.org/x/net/", "golang.org/x/sys/", "golang.org/x/text/"}

func TestImports(t *testing.T) {
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", "../../"+r.pkg).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "matched no packages") {
				continue
			}
			t.Fatalf("go list %s: %v\n%s", r.pkg, err, out)
		}
		self := strings.TrimSuffix(r.pkg, "/...")
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			path, std, _ := strings.Cut(line, " ")
			if std == "true" {
				continue
			}
			rel, ours := strings.CutPrefix(path, mod)
			if !ours {
				if !allowedExternal(path, r.external) {
					t.Errorf("%s depends on %s, which it must not", r.pkg, path)
				}
				continue
			}
			if rel == self || strings.HasPrefix(rel, self+"/") && strings.HasSuffix(r.pkg, "/...") {
				continue
			}
			if !allowed(rel, r.allow) {
				t.Errorf("%s depends on %s, which it must not", r.pkg, rel)
			}
		}
	}
}

func allowed(rel string, allow []string) bool {
	for _, a := range allow {
		if rel == a || strings.HasSuffix(a, "/") && strings.HasPrefix(rel, a) {
			return true
		}
	}
	return false
}

func allowedExternal(path string, allow []string) bool {
	for _, a := range allow {
		if strings.HasPrefix(path+"/", a) {
			return true
		}
	}
	return false
}
