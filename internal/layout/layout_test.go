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
// depend on, directly or not. A trailing "/" allows a whole subtree.
var rules = []struct {
	pkg   string
	allow []string
	// forbid lists outside modules it must not link.
	forbid []string
}{
	{"dsl", nil, []string{"github.com/dave/jennifer", "gonum.org/"}},
	{"compiler/ir", nil, []string{"github.com/alecthomas/participle", "github.com/dave/jennifer"}},
	{"compiler", []string{"dsl", "compiler/ir"}, []string{"github.com/dave/jennifer"}},
	{"compiler/stats", []string{"compiler/ir"}, nil},
	{"compiler/graph", []string{"compiler/ir"}, nil},
	{"compiler/export", []string{"compiler/ir"}, nil},
	{"compiler/codegen", []string{"compiler/ir"}, []string{"github.com/alecthomas/participle"}},
	{"compiler/interp", []string{"compiler/ir", "runtime", "runtime/"}, []string{"github.com/alecthomas/participle", "github.com/dave/jennifer"}},
	// What a model binary links: never the compiler, participle or jennifer.
	{"runtime", []string{"runtime/"}, []string{"github.com/alecthomas/participle", "github.com/dave/jennifer"}},
	{"runtime/...", []string{"runtime", "runtime/"}, []string{"github.com/alecthomas/participle", "github.com/dave/jennifer"}},
	{"generated/...", []string{"runtime", "runtime/"}, []string{"github.com/alecthomas/participle", "github.com/dave/jennifer"}},
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
			for _, f := range r.forbid {
				if strings.HasPrefix(path, f) {
					t.Errorf("%s depends on %s", r.pkg, path)
				}
			}
			rel, ours := strings.CutPrefix(path, mod)
			if !ours || rel == self || strings.HasPrefix(rel, self+"/") && strings.HasSuffix(r.pkg, "/...") {
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
