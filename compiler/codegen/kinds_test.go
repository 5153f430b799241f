package codegen

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"

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

// TestRenderBroken: source that does not format is a short error, with
// the raw text kept for --debug, not printed.
func TestRenderBroken(t *testing.T) {
	f := jen.NewFile("p")
	f.Func().Id("f").Params().Block(jen.Op("}"))
	_, err := render(f)
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "codegen: the generated code does not format (a bug of incc): ") ||
		strings.Contains(err.Error(), "\n") || !bytes.Contains(fe.Source, []byte("func f")) {
		t.Errorf("got %v (%T)", err, err)
	}
}
