// Package golden compares test output with golden files under testdata/.
//
// Run the tests with -update to rewrite the golden files from the current
// output, then review the diff:
//
//	go test ./dsl -update
//
// The flag is registered by this package, so it exists in every test binary
// that imports it. It imports the standard library and internal/textdiff
// (the diff it prints).
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/inccdev/incc/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Check compares got with the contents of the file at path and fails t with
// a line diff (-want +got) if they differ. With -update it writes got to
// path instead, creating directories as needed.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff returns a unified diff from a (want) to b (got).
func Diff(a, b string) string {
	return textdiff.Unified("want", "got", []byte(a), []byte(b))
}
