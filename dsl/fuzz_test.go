package dsl

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are one
// positioned [Error] inside the input, and that whatever parses formats to
// text that parses to the same tree and formats to itself.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{
		"testdata/*.inc",
		"testdata/fmt/*.inc",
		"../specs/*.inc",
		"../specs/examples/*.inc",
	} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, files...)
	}
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, src := range []string{
		"",
		"network n {}",
		"block b(x, y > z, w = 1) { conv 1x1 x; { a; b } }\nnetwork n { q: b(1, 2 > 3, w = -(4 % 2)) }",
		"network n {\n    a  # c\n\n    # d\n}  # e\n# f",
		"network n { conv 3x3 -1 (1, 2.5e3, .5) \"s\" }",
		"network n { x: inc(1,\n2) }",
		"network n { ((((((((((1)))))))))) }",
		"network n {\r\n\tconv\t1x1\r\n}",
		"network n { \"unterminated }",
		"\xff\xfe",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("f.inc", src)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("error is %T %v, want an ErrorList of one", err, err)
			}
			e := list[0]
			if e.Pos.Line < 1 || e.Pos.Column < 1 || e.Pos.Offset < 0 || e.Pos.Offset > len(src) || e.Pos.Filename != "f.inc" {
				t.Fatalf("error position %#v out of range (len %d): %v", e.Pos, len(src), e)
			}
			if file != nil {
				t.Fatalf("got a file with error %v", err)
			}
			return
		}
		out := Format(file)
		again, err := Parse("f.inc", out)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\ninput:\n%q\noutput:\n%s", err, src, out)
		}
		if want, got := dump(file), dump(again); want != got {
			t.Fatalf("formatted output means something else:\ninput %q\noutput %q\nwant %s\ngot  %s", src, out, want, got)
		}
		if out2 := Format(again); !bytes.Equal(out, out2) {
			t.Fatalf("Format not idempotent:\ninput %q\nfirst  %q\nsecond %q", src, out, out2)
		}
	})
}
