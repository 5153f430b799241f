// Package testspec loads spec files for tests: parse, check, and fail the
// test with the positioned errors if the spec does not check. Only tests
// import it.
package testspec

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/inccdev/incc/compiler"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns the path of a file given relative to the repository root.
func Path(rel string) string { return filepath.Join(Root(), filepath.FromSlash(rel)) }

// Load parses and checks the spec at rel (relative to the repository root).
// Positions in the IR carry rel as the file name.
func Load(t testing.TB, rel string) *ir.Network {
	t.Helper()
	src, err := os.ReadFile(Path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return Check(t, rel, src)
}

// Check parses and checks src as the file name.
func Check(t testing.TB, name string, src []byte) *ir.Network {
	t.Helper()
	f, err := dsl.Parse(name, src)
	if err == nil {
		var net *ir.Network
		if net, err = compiler.Check(f); err == nil {
			return net
		}
	}
	var b bytes.Buffer
	dsl.Print(&b, err, map[string][]byte{name: src, compiler.PreludeFile: compiler.Prelude()})
	t.Fatalf("%s does not check:\n%s", name, b.String())
	return nil
}
