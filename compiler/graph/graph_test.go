package graph

import (
	"testing"

	"github.com/inccdev/incc/compiler/ir"
)

// TestNodes: graph draws every kind of op.
func TestNodes(t *testing.T) {
	for _, k := range ir.Kinds() {
		if nd, ok := nodes[k]; !ok || nd.what == nil {
			t.Errorf("graph: no row for kind %v (%s) in nodes", k, k.Info().Name)
		}
	}
}
