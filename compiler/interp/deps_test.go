package interp

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package boundary: interp links compiler/ir and
// runtime, never the parser (dsl), participle or jennifer.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/inccdev/incc/compiler/interp": true,
		"github.com/inccdev/incc/compiler/ir":     true,
		"github.com/inccdev/incc/runtime":         true,
		"github.com/inccdev/incc/runtime/gemm":    true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("interp depends on %s, want only compiler/ir, runtime and the standard library", p)
		}
	}
}
