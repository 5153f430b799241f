package modelcli

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package boundary: model binaries link modelcli, so
// it depends only on the standard library, incc's runtime and
// runtime/preproc (and golang.org/x/image through preproc), never on the
// compiler or a CLI library.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/inccdev/incc/runtime":          true,
		"github.com/inccdev/incc/runtime/gemm":     true,
		"github.com/inccdev/incc/runtime/preproc":  true,
		"github.com/inccdev/incc/runtime/modelcli": true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] && !strings.HasPrefix(p, "golang.org/x/image/") {
			t.Errorf("modelcli depends on %s, want only the standard library, runtime, runtime/preproc and golang.org/x/image", p)
		}
	}
}
