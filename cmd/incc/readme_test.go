package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/inccdev/incc/internal/golden"
	"github.com/inccdev/incc/internal/testspec"
)

// TestReadme keeps the README honest: every code block that starts with
// "$ incc ARGS" must show exactly what incc prints for ARGS (run from the
// repository root), and the language reference's complete example must
// check.
func TestReadme(t *testing.T) {
	src, err := os.ReadFile(testspec.Path("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	root := testspec.Root()
	wd, _ := os.Getwd()
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	blocks := regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(string(src), -1)
	ran := 0
	for _, b := range blocks {
		text := b[1]
		first, rest, _ := strings.Cut(text, "\n")
		if !strings.HasPrefix(first, "$ incc ") || strings.Contains(first, "#") {
			continue
		}
		args := strings.Fields(strings.TrimPrefix(first, "$ incc "))
		var out, errw bytes.Buffer
		run(args, &out, &errw)
		if got := out.String() + errw.String(); got != rest {
			t.Errorf("README block %q differs from what incc prints (-README +incc):\n%s", first, golden.Diff(rest, got))
		}
		ran++
	}
	if ran < 2 {
		t.Errorf("found %d README blocks to check, want at least 2", ran)
	}
	m := regexp.MustCompile("(?s)## The language.*?```\n(.*?)```").FindStringSubmatch(string(src))
	if m == nil {
		t.Fatal("README has no language example")
	}
	net := testspec.Check(t, "README.md", []byte(m[1]))
	if len(net.Heads) != 1 || net.Shape(net.Output).C != 10 {
		t.Errorf("README example: %d heads, output %v", len(net.Heads), net.Shape(net.Output))
	}
}
