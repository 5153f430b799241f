package codegen

import (
	"testing"

	"github.com/inccdev/incc/compiler/ir"
)

// TestOpGens: the code generator compiles every kind of op: an alias, or a
// kind with work items, a description and a layer function.
func TestOpGens(t *testing.T) {
	for _, k := range ir.Kinds() {
		og := opGens[k]
		switch {
		case og == nil:
			t.Errorf("codegen: no row for kind %v (%s) in opGens", k, k.Info().Name)
		case og.alias:
			if og.gen != nil || og.tile != nil || og.table != nil {
				t.Errorf("codegen: kind %v is an alias but has code", k)
			}
		case og.tile == nil || og.what == nil || og.items == nil || og.gen == nil:
			t.Errorf("codegen: kind %v lacks tile, what, items or gen", k)
		}
	}
}
