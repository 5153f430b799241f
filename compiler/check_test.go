package compiler

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// An expectation is one `ERROR "rx"` in a comment of a check test file:
// an error whose message matches rx must be reported on the comment's line.
// `ERROR @tok "rx"` also wants the error's column at the token tok (the
// source at the column starts with tok, at a token boundary).
type expectation struct {
	line int
	tok  string
	rx   *regexp.Regexp
	used bool
}

var errorComment = regexp.MustCompile("ERROR(?:\\s+@(\\S+))?\\s+(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)")

func expectations(t *testing.T, f *dsl.File) []*expectation {
	t.Helper()
	var out []*expectation
	for _, c := range f.Comments {
		for _, m := range errorComment.FindAllStringSubmatch(c.Text, -1) {
			s, err := strconv.Unquote(m[2])
			if err != nil {
				t.Fatalf("%d: bad ERROR comment %s: %v", c.Pos.Line, m[0], err)
			}
			rx, err := regexp.Compile(s)
			if err != nil {
				t.Fatalf("%d: bad ERROR regexp %s: %v", c.Pos.Line, m[0], err)
			}
			out = append(out, &expectation{line: c.Pos.Line, tok: m[1], rx: rx})
		}
	}
	return out
}

// errorLine returns the line of this file an error belongs to and the text
// its expectation is matched against. An error in another file (a block of
// the prelude) belongs to the line of its outermost block instance in this
// file and is matched in full, position included, so that an expectation
// can say where in the block the error is.
func errorLine(e *dsl.Error, file string) (int, string, bool) {
	if e.Pos.Filename == file {
		return e.Pos.Line, e.Msg, true
	}
	for i := len(e.Trail) - 1; i >= 0; i-- {
		if e.Trail[i].Pos.Filename == file {
			return e.Trail[i].Pos.Line, e.Error(), true
		}
	}
	return 0, "", false
}

// atToken reports whether the source at line:col starts with tok at a token
// boundary.
func atToken(lines []string, line, col int, tok string) bool {
	if line < 1 || line > len(lines) {
		return false
	}
	r := []rune(lines[line-1])
	if col < 1 || col > len(r) {
		return false
	}
	if !strings.HasPrefix(string(r[col-1:]), tok) {
		return false
	}
	word := func(c rune) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return col == 1 || !word(r[col-2]) || !word([]rune(tok)[0])
}

// TestCheckErrors checks each testdata/check/*.inc: every error it expects
// in an ERROR comment is reported on that line, and every reported error is
// expected (the go/parser convention).
func TestCheckErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/check/*.inc")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".inc"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := dsl.Parse(file, src)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want := expectations(t, f)
			_, err = Check(f)
			if err == nil {
				if len(want) > 0 {
					t.Fatalf("Check succeeded, want %d errors", len(want))
				}
				return
			}
			var list dsl.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Check: got %T, want dsl.ErrorList", err)
			}
			lines := strings.Split(string(src), "\n")
			for _, e := range list {
				line, text, ok := errorLine(e, file)
				if !ok {
					t.Errorf("error outside %s with no instance in it: %v %v", file, e, e.Trail)
					continue
				}
				var match *expectation
				for _, x := range want {
					if x.used || x.line != line || !x.rx.MatchString(text) {
						continue
					}
					if x.tok != "" && (e.Pos.Filename != file || !atToken(lines, e.Pos.Line, e.Pos.Column, x.tok)) {
						continue
					}
					match = x
					break
				}
				if match == nil {
					t.Errorf("unexpected error: %v", e)
					continue
				}
				match.used = true
			}
			for _, x := range want {
				if !x.used {
					at := ""
					if x.tok != "" {
						at = " at " + x.tok
					}
					t.Errorf("%s:%d: missing error%s matching %q", file, x.line, at, x.rx)
				}
			}
		})
	}
}

// TestCheckTrail checks that an error inside a block instance points into
// the block's body and carries the trail of instances, innermost first,
// each naming the instance and where it was written.
func TestCheckTrail(t *testing.T) {
	const src = `block basic(c) {
    conv: conv 1x1 c nobias
}

block pair(a, b) {
    x: basic(a)
    y: basic(b)
}

network trail {
    input 3x8x8
    i0: inception(0, 96 > 128, 16 > 32, 32)
    p: pair(4, -1)
}
`
	f, err := dsl.Parse("trail.inc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(f)
	var list dsl.ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want 2 errors", err)
	}
	pos := func(file string, line, col int) dsl.Pos { return dsl.Pos{Filename: file, Line: line, Column: col} }
	at := func(p dsl.Pos) string { return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column) }

	// The prelude's inception: the error is at n1 in its 1x1 branch.
	var n1 dsl.Pos
	for i, line := range strings.Split(string(Prelude()), "\n") {
		if j := strings.Index(line, "conv 1x1 n1"); j >= 0 {
			n1 = pos(PreludeFile, i+1, len([]rune(line[:j]))+len("conv 1x1 ")+1)
		}
	}
	want := []struct {
		pos   dsl.Pos
		msg   string
		trail []dsl.Frame
	}{
		{n1, "conv: output channels must be positive, got 0", []dsl.Frame{
			{Name: "i0", Pos: pos("trail.inc", 12, 9)},
		}},
		{pos("trail.inc", 2, 20), "conv: output channels must be positive, got -1", []dsl.Frame{
			{Name: "p.y", Pos: pos("trail.inc", 7, 8)},
			{Name: "p", Pos: pos("trail.inc", 13, 8)},
		}},
	}
	// Sorted by file name: the prelude's "<prelude>" comes first.
	for i, w := range want {
		e := list[i]
		if at(e.Pos) != at(w.pos) || e.Msg != w.msg {
			t.Errorf("error %d: got %s: %s, want %s: %s", i, at(e.Pos), e.Msg, at(w.pos), w.msg)
		}
		if len(e.Trail) != len(w.trail) {
			t.Errorf("error %d: got trail %v, want %v", i, e.Trail, w.trail)
			continue
		}
		for j, fr := range e.Trail {
			if fr.Name != w.trail[j].Name || at(fr.Pos) != at(w.trail[j].Pos) {
				t.Errorf("error %d: frame %d: got %s at %s, want %s at %s", i, j, fr.Name, at(fr.Pos), w.trail[j].Name, at(w.trail[j].Pos))
			}
		}
	}

	// Printed, the trail reads "in <instance> at <position>" under the error.
	var b strings.Builder
	dsl.Print(&b, err, map[string][]byte{"trail.inc": []byte(src), PreludeFile: Prelude()})
	for _, s := range []string{"\tin p.y at trail.inc:7:8\n\tin p at trail.inc:13:8\n", "\tin i0 at trail.inc:12:9\n"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("printed errors lack %q:\n%s", s, b.String())
		}
	}
}

// TestLayerRows: every kind of the IR has a row in the checker's table of
// layers under its name, which makes an op of that kind.
func TestLayerRows(t *testing.T) {
	for _, k := range ir.Kinds() {
		name := k.Info().Name
		lk, ok := layers[name]
		if !ok {
			t.Errorf("kind %v: no layer %q in the checker's table (layer.go)", k, name)
			continue
		}
		if lk.build == nil {
			if lk.join != k {
				t.Errorf("layer %q joins into %v, want %v", name, lk.join, k)
			}
			continue
		}
		b := &builder{c: &checker{}, kind: name, a: attrs{vals: map[string]attr{}, flags: map[string]dsl.Pos{}}, failed: map[string]bool{}}
		lk.build(b)
		if b.op.Kind != k {
			t.Errorf("layer %q builds %v, want %v", name, b.op.Kind, k)
		}
	}
}

// TestTrailNamesCalls: an error inside an unlabeled block call names the
// instance by the call as written, not by its index in the sequence.
func TestTrailNamesCalls(t *testing.T) {
	const src = "block basic(c) { conv 1x1 c }\nnetwork n {\n    input 3x8x8\n    basic(0)\n    x: { relu; basic(-1) }\n}\n"
	f, err := dsl.Parse("t.inc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(f)
	var list dsl.ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want 2 errors", err)
	}
	for i, want := range []string{"basic() at t.inc:4:5", "basic() at t.inc:5:16"} {
		if tr := list[i].Trail; len(tr) != 1 || fmt.Sprintf("%s at %s:%d:%d", tr[0].Name, tr[0].Pos.Filename, tr[0].Pos.Line, tr[0].Pos.Column) != want {
			t.Errorf("error %d: trail %v, want %s", i, tr, want)
		}
	}
}
