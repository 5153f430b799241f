package codegen_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package boundary: codegen reads the IR only, so it
// imports compiler/ir and jennifer, never the parser, the checker or the
// runtime.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/inccdev/incc/compiler/codegen": true,
		"github.com/inccdev/incc/compiler/ir":      true,
		"github.com/dave/jennifer/jen":             true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("codegen depends on %s, want only compiler/ir, jennifer and the standard library", p)
		}
	}
}
