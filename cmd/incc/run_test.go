package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inccdev/incc/internal/golden"
)

// TestErrors runs incc check on each testdata/errors/*.inc and compares
// what it prints with the .stderr golden file next to it.
func TestErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.inc")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var out, errw bytes.Buffer
			code := run([]string{"check", f}, &out, &errw)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if out.Len() > 0 {
				t.Errorf("stdout: %q, want nothing", out.String())
			}
			golden.Check(t, strings.TrimSuffix(f, ".inc")+".stderr", errw.Bytes())
		})
	}
}

// TestCheckSpecs checks every committed spec: exit 0, no output.
func TestCheckSpecs(t *testing.T) {
	specs := allSpecs(t)
	var out, errw bytes.Buffer
	if code := run(append([]string{"check"}, specs...), &out, &errw); code != 0 || out.Len()+errw.Len() > 0 {
		t.Fatalf("incc check: exit %d, output %q %q", code, out.String(), errw.String())
	}
}

func allSpecs(t *testing.T) []string {
	a, _ := filepath.Glob("../../specs/*.inc")
	b, _ := filepath.Glob("../../specs/examples/*.inc")
	if len(a) < 2 || len(b) < 3 {
		t.Fatalf("specs not found: %v %v", a, b)
	}
	return append(a, b...)
}

func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"nosuchcmd"}, 2, "unexpected argument nosuchcmd"},
		{[]string{"stats"}, 2, "expected \"<file>\""},
		{[]string{"stats", "x.inc", "--format", "xml"}, 2, "--format"},
		{[]string{"check", "does/not/exist.inc"}, 1, "no such file"},
	} {
		var out, errw bytes.Buffer
		code := run(tt.args, &out, &errw)
		if code != tt.code || !strings.Contains(errw.String(), tt.want) {
			t.Errorf("run %q: exit %d, stderr %q; want exit %d and %q", tt.args, code, errw.String(), tt.code, tt.want)
		}
	}
	var out, errw bytes.Buffer
	if code := run([]string{"--help"}, &out, &errw); code != 0 || !strings.Contains(out.String(), "stats") {
		t.Errorf("--help: exit %d, stdout %q", code, out.String())
	}
}

// TestStatsFigures checks the totals incc prints, in every format, against
// the published figures (the paper's widths with biases, and torchvision).
func TestStatsFigures(t *testing.T) {
	for _, tt := range []struct {
		spec         string
		aux          bool
		params, macs string
	}{
		{"../../specs/googlenet.inc", false, "6,998,552", "1,582,671,872"},
		{"../../specs/googlenet.inc", true, "13,378,280", ""},
		{"../../specs/googlenet_torchvision.inc", false, "6,624,904", "1,498,376,192"},
		{"../../specs/googlenet_torchvision.inc", true, "13,004,888", ""},
		{"../../specs/examples/naive_5x5.inc", false, "153,632", "120,422,400"},
		{"../../specs/examples/bottleneck_5x5.inc", false, "15,920", "12,443,648"},
	} {
		for _, format := range []string{"table", "markdown", "csv", "json"} {
			args := []string{"stats", tt.spec, "--format", format}
			if tt.aux {
				args = append(args, "--aux")
			}
			var out, errw bytes.Buffer
			if code := run(args, &out, &errw); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errw.String())
			}
			params, macs := totals(t, format, out.String())
			if params != plain(tt.params) || tt.macs != "" && macs != plain(tt.macs) {
				t.Errorf("%v: totals params %s MACs %s, want %s %s", args, params, macs, tt.params, tt.macs)
			}
		}
	}
}

func plain(s string) string { return strings.ReplaceAll(s, ",", "") }

// totals extracts the printed totals, independently for each format.
func totals(t *testing.T, format, out string) (params, macs string) {
	t.Helper()
	switch format {
	case "json":
		var r struct {
			Rows   []map[string]any
			Totals struct{ Params, MACs json.Number }
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil || len(r.Rows) == 0 {
			t.Fatalf("json: %v, %d rows", err, len(r.Rows))
		}
		return r.Totals.Params.String(), r.Totals.MACs.String()
	case "csv":
		lines := strings.Split(strings.TrimSpace(out), "\n")
		f := strings.Split(lines[len(lines)-1], ",")
		return f[7], f[8]
	}
	re := regexp.MustCompile(`(?m)^\|? ?\**total\**.*?([\d,]{5,})\**\s*\|?\s*\**([\d,]{5,})`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s: no totals line in\n%s", format, out)
	}
	return plain(m[1]), plain(m[2])
}

func TestGraph(t *testing.T) {
	var out, errw bytes.Buffer
	if code := run([]string{"graph", "../../specs/examples/inception_module.inc"}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	dot := out.String()
	for _, want := range []string{`digraph "inception3a"`, `cluster_inception3a`, `inception(64, 96>128, 16>32, 32)`, `output\n256x28x28`, `conv 5x5/1, 32 + relu`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q", want)
		}
	}
	if c := strings.Count(dot, "label=\"32x28x28\""); c != 2 {
		t.Errorf("%d edges carry 32x28x28, want 2 (the 5x5 and pool-proj branches into concat)", c)
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.inc")
	messy := "network  x {\n  input 3x8x8\n\n\n  c: conv 3x3 4   pad 1 # note\n}\n"
	os.WriteFile(path, []byte(messy), 0o644)
	var out, errw bytes.Buffer
	if code := run([]string{"fmt", "-l", path}, &out, &errw); code != 0 || strings.TrimSpace(out.String()) != path {
		t.Fatalf("fmt -l: exit %d, stdout %q, stderr %q", code, out.String(), errw.String())
	}
	out.Reset()
	if code := run([]string{"fmt", "-d", path}, &out, &errw); code != 0 || !strings.Contains(out.String(), "+    c: conv 3x3 4 pad 1") {
		t.Fatalf("fmt -d: exit %d, stdout %q", code, out.String())
	}
	if code := run([]string{"fmt", "-w", path}, &out, &errw); code != 0 {
		t.Fatalf("fmt -w: exit %d", code)
	}
	got, _ := os.ReadFile(path)
	want := "network x {\n    input 3x8x8\n\n    c: conv 3x3 4 pad 1  # note\n}\n"
	if string(got) != want {
		t.Errorf("fmt -w wrote %q, want %q", got, want)
	}
	out.Reset()
	if code := run([]string{"fmt", "-l", path}, &out, &errw); code != 0 || out.Len() != 0 {
		t.Errorf("fmt -l after -w: exit %d, stdout %q (want nothing: idempotent)", code, out.String())
	}
	// Every committed spec is already formatted.
	out.Reset()
	if code := run(append([]string{"fmt", "-l"}, allSpecs(t)...), &out, &errw); code != 0 || out.Len() != 0 {
		t.Errorf("unformatted specs (run incc fmt -w):\n%s", out.String())
	}
}

// TestGraphRender: incc graph writes SVG and PNG with no Graphviz
// installed (an empty PATH), with the branches of the Inception module in
// its picture.
func TestGraphRender(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	for _, ext := range []string{"svg", "png"} {
		path := filepath.Join(dir, "m."+ext)
		var out, errw bytes.Buffer
		if code := run([]string{"graph", "../../specs/examples/inception_module.inc", "-o", path}, &out, &errw); code != 0 {
			t.Fatalf("%s: exit %d: %s", ext, code, errw.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case "svg":
			for _, want := range []string{"<svg", "branch1", "branch4.1", "conv 5x5/1, 32 + relu"} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("SVG lacks %q", want)
				}
			}
		case "png":
			if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() < 100 {
				t.Errorf("PNG: %v", err)
			}
		}
	}
	var out, errw bytes.Buffer
	if code := run([]string{"graph", "../../specs/examples/inception_module.inc", "-o", filepath.Join(dir, "m.pdf")}, &out, &errw); code != 1 || !strings.Contains(errw.String(), "needs Graphviz's dot program") {
		t.Errorf("pdf without Graphviz: exit %d, %q", code, errw.String())
	}
}

// TestDirectories: fmt and check take directories, as gofmt and go vet do:
// the .inc files under them, recursively, in lexical order, skipping
// testdata and directories starting with "." or "_" below the one named.
func TestDirectories(t *testing.T) {
	dir := t.TempDir()
	messy := "network  x {\n  input 3x8x8\n  relu\n}\n"
	bad := "network y {\n    input 3x8x8\n    frobnicate\n}\n"
	for _, f := range []struct{ path, src string }{
		{"a.inc", messy},
		{"sub/b.inc", messy},
		{"sub/deeper/c.inc", bad},
		{"sub/notes.txt", "not a spec"},
		{"testdata/skipped.inc", bad},
		{"_tmp/skipped.inc", bad},
		{".hidden/skipped.inc", bad},
	} {
		path := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(f.src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errw bytes.Buffer
	if code := run([]string{"fmt", "-l", dir}, &out, &errw); code != 0 {
		t.Fatalf("fmt -l DIR: exit %d, %s", code, errw.String())
	}
	want := filepath.Join(dir, "a.inc") + "\n" + filepath.Join(dir, "sub", "b.inc") + "\n"
	if out.String() != want {
		t.Errorf("fmt -l DIR listed\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	errw.Reset()
	code := run([]string{"check", dir}, &out, &errw)
	if code != 1 || !strings.Contains(errw.String(), filepath.Join("sub", "deeper", "c.inc")+":3:5: unknown layer kind \"frobnicate\"") || strings.Contains(errw.String(), "skipped.inc") {
		t.Errorf("check DIR: exit %d, stderr:\n%s", code, errw.String())
	}
	out.Reset()
	errw.Reset()
	if code := run([]string{"check", filepath.Join(dir, "testdata")}, &out, &errw); code != 1 || !strings.Contains(errw.String(), "skipped.inc") {
		t.Errorf("check testdata named: exit %d, stderr:\n%s", code, errw.String())
	}
	// The repository's specs, by directory.
	out.Reset()
	errw.Reset()
	if code := run([]string{"check", "../../specs"}, &out, &errw); code != 0 || out.Len()+errw.Len() > 0 {
		t.Errorf("incc check specs: exit %d, output %q %q", code, out.String(), errw.String())
	}
}
