package preproc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package boundary: preproc links only the standard
// library and golang.org/x/image, never the compiler or the rest of incc.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/inccdev/incc/runtime/preproc" && !strings.HasPrefix(p, "golang.org/x/image/") {
			t.Errorf("preproc depends on %s, want only the standard library and golang.org/x/image", p)
		}
	}
}
