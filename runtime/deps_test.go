package runtime

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package boundary: runtime links only the standard
// library and its GEMM (runtime/gemm; gonum is for tests), never the compiler, so model binaries stay
// small and free of participle and jennifer.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/inccdev/incc/runtime" && p != "github.com/inccdev/incc/runtime/gemm" && !strings.HasPrefix(p, "gonum.org/v1/gonum/") {
			t.Errorf("runtime depends on %s, want only the standard library, runtime/gemm and gonum", p)
		}
	}
}
