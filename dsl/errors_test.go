package dsl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
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
	want.WriteString("and 2 more errors\n")
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

// TestPrintHostile: what a spec holds reaches the terminal escaped, so a
// spec cannot send escape sequences (set the window title, clear the
// screen, ring the bell) or fake lines of output.
func TestPrintHostile(t *testing.T) {
	src := []byte("network n {\n    \x1b]0;owned\a\x1b[2J conv\r bad\xff $\n}\n")
	err := &Error{Pos: Pos{Filename: "evil\x1b[31m.inc", Line: 2, Column: 31}, Msg: "unexpected \x07 token", Trail: []Frame{
		{Name: "x\ny", Pos: Pos{Filename: "b\n.inc", Line: 1, Column: 1}},
	}}
	var b strings.Builder
	Print(&b, err, map[string][]byte{"evil\x1b[31m.inc": src})
	want := `evil\x1b[31m.inc:2:31: unexpected \a token
	in x\ny at b\n.inc:1:1
    2 |     \x1b]0;owned\a\x1b[2J conv\r bad\xff $
      | ` + strings.Repeat(" ", 41) + "^\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, c := range b.String() {
		if c < ' ' && c != '\n' && c != '\t' || c == 0x7f {
			t.Fatalf("output holds control character %U:\n%q", c, b.String())
		}
	}
	var other strings.Builder
	Print(&other, errors.New("open \x1b[2J.inc: no such file"), nil)
	if got, want := other.String(), "open \\x1b[2J.inc: no such file\n"; got != want {
		t.Errorf("other error: got %q, want %q", got, want)
	}
}

// TestPrintLongLine: a long line is shown as a window around the caret.
func TestPrintLongLine(t *testing.T) {
	line := strings.Repeat("a", 5000) + "$" + strings.Repeat("b", 5000)
	var b strings.Builder
	Print(&b, &Error{Pos: Pos{Filename: "a.inc", Line: 1, Column: 5001}, Msg: "m"}, map[string][]byte{"a.inc": []byte(line)})
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	shown, caret := lines[1], lines[2]
	wantShown := "    1 | …" + strings.Repeat("a", MaxExcerpt/2) + "$" + strings.Repeat("b", MaxExcerpt/2-1) + "…"
	if shown != wantShown {
		t.Errorf("excerpt:\ngot  %s\nwant %s", shown, wantShown)
	}
	// The caret sits under the $.
	if i, j := strings.IndexRune(caret, '^'), strings.IndexRune(shown, '$'); utf8.RuneCountInString(caret[:i]) != utf8.RuneCountInString(shown[:j]) {
		t.Errorf("caret at %d, $ at %d:\n%s\n%s", i, j, shown, caret)
	}
	// Near the start, no leading ellipsis.
	b.Reset()
	Print(&b, &Error{Pos: Pos{Filename: "a.inc", Line: 1, Column: 3}, Msg: "m"}, map[string][]byte{"a.inc": []byte(line)})
	if got := strings.Split(b.String(), "\n")[1]; got != "    1 | "+strings.Repeat("a", MaxExcerpt)+"…" {
		t.Errorf("excerpt at the start: %s", got)
	}
}

// TestSortMergesInstances: the same error in several block instances is
// one error that counts the others, keeping the first instance's trail;
// exact duplicates are dropped; other errors stay.
func TestSortMergesInstances(t *testing.T) {
	at := func(line int) Pos { return Pos{Filename: "b.inc", Line: line, Column: 5} }
	var l ErrorList
	for i := range 12 {
		e := l.Add(at(3), "conv: output channels must be positive, got 0")
		e.Trail = []Frame{{Name: fmt.Sprintf("unit%d", i), Pos: at(10 + i)}}
	}
	l = append(l, &Error{Pos: at(3), Msg: "conv: output channels must be positive, got 0", Trail: []Frame{{Name: "unit0", Pos: at(10)}}})
	l.Add(at(30), "unknown layer kind")
	got := l.Sort()
	if len(got) != 2 || got[0].More != 11 || got[0].Trail[0].Name != "unit0" || got[1].More != 0 {
		t.Fatalf("got %d errors (more %d, trail %v)", len(got), got[0].More, got[0].Trail)
	}
	var b strings.Builder
	Print(&b, got, nil)
	if !strings.Contains(b.String(), "\tin unit0 at b.inc:10:5\n\t(and in 11 more block instances)\n") {
		t.Errorf("printed:\n%s", b.String())
	}
}
