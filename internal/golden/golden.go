// Package golden compares test output with golden files under testdata/.
//
// Run the tests with -update to rewrite the golden files from the current
// output, then review the diff:
//
//	go test ./dsl -update
//
// The flag is registered by this package, so it exists in every test binary
// that imports it. It imports only the standard library.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// Diff returns a line diff of a and b: lines only in a start with "-",
// lines only in b with "+", shared lines with " ". Runs of more than three
// shared lines are elided.
func Diff(a, b string) string {
	x, y := lines(a), lines(b)
	// Longest common subsequence, by dynamic programming; golden files are small.
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			out = append(out, " "+x[i])
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+"+y[j])
			j++
		default:
			out = append(out, "-"+x[i])
			i++
		}
	}
	return elide(out)
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	l := strings.SplitAfter(s, "\n")
	for i, line := range l {
		if !strings.HasSuffix(line, "\n") {
			l[i] = line + "\\ no newline at end"
		} else {
			l[i] = strings.TrimSuffix(line, "\n")
		}
	}
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// elide keeps changed lines and up to three shared lines around them.
func elide(diff []string) string {
	const ctx = 3
	keep := make([]bool, len(diff))
	for i, d := range diff {
		if d[0] != ' ' {
			for k := max(0, i-ctx); k <= min(len(diff)-1, i+ctx); k++ {
				keep[k] = true
			}
		}
	}
	var b strings.Builder
	skipped := false
	for i, d := range diff {
		if !keep[i] {
			skipped = true
			continue
		}
		if skipped {
			b.WriteString("...\n")
			skipped = false
		}
		fmt.Fprintln(&b, d)
	}
	if skipped {
		b.WriteString("...\n")
	}
	return b.String()
}
