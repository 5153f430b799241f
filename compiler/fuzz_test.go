package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// FuzzCheck checks that Parse then Check never panic, that errors are
// positioned, and that a network that checks passes ir.Validate. (A hang
// shows as the fuzzer's timeout: the checker bounds the work of block
// expansion, see maxStmts, instead of a clock here.)
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
		n, err := Check(file)
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
		if err := ir.Validate(n); err != nil {
			t.Errorf("a network that checks is not valid IR:\n%v", err)
		}
	})
}
