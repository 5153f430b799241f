package dsl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPrint(t *testing.T) {
	src := []byte("network n {\n\tx:\tconv 3x3 $\n    é: inc(\n}\n")
	at := func(line, col int) Pos {
		return Pos{Filename: "a.inc", Line: line, Column: col}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "tabs kept before the caret",
			err:  &Error{Pos: at(2, 14), Msg: `invalid character "$"`},
			want: "a.inc:2:14: invalid character \"$\"\n" +
				"    2 | \tx:\tconv 3x3 $\n" +
				"      | \t  \t         ^\n",
		},
		{
			name: "columns count runes",
			err:  ErrorList{{Pos: at(3, 12), Msg: "m"}},
			want: "a.inc:3:12: m\n" +
				"    3 |     é: inc(\n" +
				"      |            ^\n",
		},
		{
			name: "trail",
			err: &Error{Pos: at(1, 1), Msg: "m", Trail: []Frame{
				{Name: "inner", Pos: at(3, 5)},
				{Name: "outer", Pos: at(2, 2)},
			}},
			want: "a.inc:1:1: m\n" +
				"\tin inner at a.inc:3:5\n" +
				"\tin outer at a.inc:2:2\n" +
				"    1 | network n {\n" +
				"      | ^\n",
		},
		{
			name: "caret past the end of the line",
			err:  &Error{Pos: at(4, 2), Msg: "m"},
			want: "a.inc:4:2: m\n" +
				"    4 | }\n" +
				"      |  ^\n",
		},
		{
			name: "no source",
			err:  &Error{Pos: Pos{Filename: "b.inc", Line: 1, Column: 1}, Msg: "m"},
			want: "b.inc:1:1: m\n",
		},
		{
			name: "line out of range",
			err:  &Error{Pos: at(9, 1), Msg: "m"},
			want: "a.inc:9:1: m\n",
		},
		{
			name: "no position",
			err:  &Error{Pos: Pos{Filename: "a.inc"}, Msg: "m"},
			want: "a.inc: m\n",
		},
		{
			name: "other error",
			err:  errors.New("boom"),
			want: "boom\n",
		},
	}
	sources := map[string][]byte{"a.inc": src}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			Print(&b, tt.err, sources)
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestPrintTooMany(t *testing.T) {
	var list ErrorList
	for i := range MaxPrinted + 2 {
		list.Add(Pos{Filename: "a.inc", Line: i + 1, Column: 1}, "error %d", i)
	}
	var b strings.Builder
	Print(&b, list, nil)
	var want strings.Builder
	for i := range MaxPrinted {
		fmt.Fprintf(&want, "a.inc:%d:1: error %d\n", i+1, i)
	}
	want.WriteString("too many errors\n")
	if got := b.String(); got != want.String() {
		t.Errorf("got\n%s\nwant\n%s", got, want.String())
	}
}

func TestErrorList(t *testing.T) {
	var list ErrorList
	if list.Err() != nil || list.Error() != "no errors" {
		t.Errorf("empty list: Err() = %v, Error() = %q", list.Err(), list.Error())
	}
	list.Add(Pos{Filename: "b.inc", Line: 1, Column: 1}, "third")
	list.Add(Pos{Filename: "a.inc", Line: 2, Column: 3}, "second")
	list.Add(Pos{Filename: "a.inc", Line: 2, Column: 1}, "first")
	list.Add(Pos{Filename: "a.inc", Line: 2, Column: 3}, "second")
	err := list.Err()
	want := "a.inc:2:1: first (and 2 more errors)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	var sorted ErrorList
	if !errors.As(err, &sorted) || len(sorted) != 3 || sorted[1].Msg != "second" || sorted[2].Msg != "third" {
		t.Errorf("sorted = %v", sorted)
	}
}
