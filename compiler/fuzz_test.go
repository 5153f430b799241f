package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// FuzzCheck checks that Parse then Check never panic or hang, that errors
// are positioned, and that a network that checks is well formed.
func FuzzCheck(f *testing.F) {
	for _, pattern := range []string{"../specs/*.inc", "../specs/examples/*.inc", "testdata/check/*.inc"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := dsl.Parse("fuzz.inc", src)
		if err != nil {
			return
		}
		start := time.Now()
		n, err := Check(file)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Check took %v", d)
		}
		if err != nil {
			var list dsl.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %T, want dsl.ErrorList: %v", err, err)
			}
			if len(list) == 0 {
				t.Fatal("empty error list")
			}
			for _, e := range list {
				if e.Pos.Line < 1 || e.Pos.Column < 1 || e.Msg == "" {
					t.Errorf("bad error: %q at %d:%d", e.Msg, e.Pos.Line, e.Pos.Column)
				}
				for _, fr := range e.Trail {
					if fr.Pos.Line < 1 || fr.Name == "" {
						t.Errorf("%v: bad trail frame %+v", e, fr)
					}
				}
			}
			if n != nil {
				t.Error("got a network and errors")
			}
			return
		}
		wellFormed(t, n)
	})
}

// wellFormed checks the IR's invariants: ops in execution order over
// earlier values, every shape and weight positive.
func wellFormed(t *testing.T, n *ir.Network) {
	t.Helper()
	positive := func(s ir.Shape) bool { return s.C > 0 && s.H > 0 && s.W > 0 }
	if len(n.Values) == 0 || n.Values[0].Producer != -1 || n.Values[0].Shape != n.Input || !positive(n.Input) {
		t.Fatalf("bad input value: %+v, input %v", n.Values[:min(1, len(n.Values))], n.Input)
	}
	for id, v := range n.Values {
		if v.ID != id || !positive(v.Shape) {
			t.Errorf("bad value %d: %+v", id, v)
		}
	}
	names := map[string]bool{}
	for i := range n.Ops {
		op := &n.Ops[i]
		if op.Out <= 0 || op.Out >= len(n.Values) || n.Values[op.Out].Producer != i {
			t.Errorf("op %d %s: bad output v%d", i, op.Name, op.Out)
			continue
		}
		if len(op.In) == 0 {
			t.Errorf("op %d %s: no inputs", i, op.Name)
		}
		for _, in := range op.In {
			if in < 0 || in >= op.Out || n.Values[in].Producer >= i {
				t.Errorf("op %d %s: input v%d is not an earlier value", i, op.Name, in)
			}
		}
		if names[op.Name] {
			t.Errorf("op %d: name %s used twice", i, op.Name)
		}
		names[op.Name] = true
		for _, p := range op.Params {
			if len(p.Shape) == 0 {
				t.Errorf("op %s: param %s has no shape", op.Name, p.Name)
			}
			for _, d := range p.Shape {
				if d <= 0 {
					t.Errorf("op %s: param %s has shape %v", op.Name, p.Name, p.Shape)
					break
				}
			}
		}
	}
	if n.Output < 0 || n.Output >= len(n.Values) {
		t.Errorf("bad output v%d", n.Output)
	}
	for _, h := range n.Heads {
		if h.At < 0 || h.At >= len(n.Values) || h.Output <= h.At || h.Output >= len(n.Values) {
			t.Errorf("head %s: bad values %d -> %d", h.Name, h.At, h.Output)
		}
	}
}
