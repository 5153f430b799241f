package stats

import (
	"testing"

	"github.com/inccdev/incc/compiler/ir"
)

// TestWindows: stats has a patch/stride rule for every kind of op.
func TestWindows(t *testing.T) {
	for _, k := range ir.Kinds() {
		if windows[k] == nil {
			t.Errorf("stats: no row for kind %v (%s) in windows", k, k.Info().Name)
		}
	}
}
