package dsl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/inccdev/incc/internal/golden"
)

// TestFormat formats testdata/fmt/*.inc into *.golden and checks that the
// output is stable, means the same and keeps every comment.
func TestFormat(t *testing.T) {
	files, err := filepath.Glob("testdata/fmt/*.inc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(path, src)
			if err != nil {
				t.Fatal(err)
			}
			got := Format(f)
			golden.Check(t, strings.TrimSuffix(path, ".inc")+".golden", got)
			checkFormatted(t, path, f, got)
		})
	}
}

// checkFormatted checks the properties of out = Format(f): it parses to
// the same tree with the same comments, and formatting it again gives out.
func checkFormatted(t *testing.T, name string, f *File, out []byte) {
	t.Helper()
	g, err := Parse(name, out)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if want, got := dump(f), dump(g); want != got {
		t.Fatalf("output means something else:\nwant %s\ngot  %s\noutput:\n%s", want, got, out)
	}
	if again := Format(g); !bytes.Equal(again, out) {
		t.Fatalf("not idempotent:\nfirst:\n%s\nsecond:\n%s", out, again)
	}
}

// dump prints a node without positions, for comparing trees.
func dump(v any) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(v))
	return b.String()
}

func dumpValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpValue(b, v.Elem())
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{")
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if name == "Pos" || name == "EndPos" {
				continue
			}
			b.WriteString(name + ":")
			dumpValue(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice:
		b.WriteString("[")
		for i := range v.Len() {
			dumpValue(b, v.Index(i))
			b.WriteString(" ")
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%q", fmt.Sprint(v.Interface()))
	}
}

func TestFormatLayout(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty file", "", ""},
		{"blank lines only", "\n\n\n", ""},
		{"empty bodies", "network n {\n}\nblock b() {}", "network n {}\n\nblock b() {}\n"},
		{"one-line body stays", "network n { a;b ; c }", "network n { a; b; c }\n"},
		{"multi-line body opens", "network n { a; b\n c }", "network n {\n    a; b\n    c\n}\n"},
		{"nested one-line in multi-line", "network n {\n x: { a; { b } }\n}", "network n {\n    x: { a; { b } }\n}\n"},
		{"blank lines collapse", "network n {\n\n a\n\n\n b\n\n}", "network n {\n    a\n\n    b\n}\n"},
		{"declarations separated", "network a {}\nnetwork b {}\n\n\n\nnetwork c {}", "network a {}\n\nnetwork b {}\n\nnetwork c {}\n"},
		{"expressions", "network n { conv 2*(c+1) -x a-b a--1 (1,2 ,3) }", "network n { conv 2 * (c + 1) - x a - b a - -1 (1, 2, 3) }\n"},
		{"call and params", "block b(x,y>z,w=1+2){}\nnetwork n { q:b(1,2>3,w=4) }", "block b(x, y > z, w = 1 + 2) {}\n\nnetwork n { q: b(1, 2 > 3, w = 4) }\n"},
		{"raw literals", "network n { x 007 1.0 .5 1e3 3X3 3x3 \"s\" }", "network n { x 007 1.0 .5 1e3 3 X3 3x3 \"s\" }\n"},
		{"string label", "network n { \"a b\":conv }", "network n { \"a b\": conv }\n"},
		{"trailing comment", "network n {\n a # x\n}", "network n {\n    a  # x\n}\n"},
		{"comment before brace", "network n {\n a\n\n # x\n}", "network n {\n    a\n\n    # x\n}\n"},
		{"comment after brace", "network n { # x\n a\n}", "network n {  # x\n    a\n}\n"},
		{"comment only body", "network n {\n # x\n}", "network n {\n    # x\n}\n"},
		{"comment leads declaration", "network a {}\n# x\nnetwork b {}", "network a {}\n\n# x\nnetwork b {}\n"},
		{"comment at end", "network a {}\n# x", "network a {}\n# x\n"},
		{"comment at end after blank", "network a {}\n\n\n# x", "network a {}\n\n# x\n"},
		{"statements on one line stay on one line", "network n {\n a;b # x\n c\n}", "network n {\n    a; b  # x\n    c\n}\n"},
		{"crlf", "network n {\r\n a # x\r\n}\r\n", "network n {\n    a  # x\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.inc", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got := Format(f)
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			checkFormatted(t, "t.inc", f, got)
		})
	}
}

// TestFormatHandBuilt formats a tree without positions, as a tool might
// build it: bodies go one statement per line.
func TestFormatHandBuilt(t *testing.T) {
	num := func(s string) *Expr {
		return &Expr{Left: &Term{Left: &Unary{Primary: &Primary{Number: &Number{Raw: s}}}}}
	}
	f := &File{Decls: []*Decl{{Network: &Network{
		Name: &Ident{Name: "n"},
		Body: &Body{Stmts: []*Stmt{
			{Layer: &Layer{Kind: &Ident{Name: "input"}, Args: []*Arg{{Expr: &Expr{Left: &Term{Left: &Unary{Primary: &Primary{Dims: &Dims{Raw: "3x8x8"}}}}}}}}},
			{Label: &Label{Ident: "fc"}, Layer: &Layer{Kind: &Ident{Name: "fc"}, Args: []*Arg{{Expr: num("10")}}}},
		}},
	}}}}
	want := "network n {\n    input 3x8x8\n    fc: fc 10\n}\n"
	if got := string(Format(f)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
