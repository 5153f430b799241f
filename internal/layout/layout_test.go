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
	{"dsl", nil, []string{"github.com/alecthomas/participle/"}},
	{"compiler/ir", nil, nil},
	{"compiler", []string{"dsl", "compiler/ir"}, []string{"github.com/alecthomas/participle/"}},
	{"compiler/stats", []string{"compiler/ir"}, nil},
	{"compiler/graph", []string{"compiler/ir"}, []string{"gonum.org/v1/gonum/"}},
	{"compiler/export", []string{"compiler/ir"}, nil},
	{"compiler/codegen", []string{"compiler/ir"}, []string{"github.com/dave/jennifer/"}},
	{"compiler/interp", []string{"compiler/ir", "runtime", "runtime/"}, nil},
	{"compiler/onnx", []string{"dsl", "compiler", "compiler/ir", "compiler/onnx/onnxpb"},
		[]string{"github.com/alecthomas/participle/", "google.golang.org/protobuf/"}},
	{"compiler/onnx/onnxpb", nil, []string{"google.golang.org/protobuf/"}},
	{"runtime", []string{"runtime/gemm"}, nil},
	{"runtime/gemm", nil, nil},
	{"runtime/preproc", nil, []string{"golang.org/x/image/"}},
	{"runtime/modelcli", []string{"runtime", "runtime/"}, []string{"golang.org/x/image/"}},
	{"generated/...", []string{"runtime", "runtime/"}, nil},
}

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
