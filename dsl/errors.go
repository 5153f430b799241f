package dsl

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Pos is a position in a spec file: file name as given, byte offset, 1-based
// line and column (columns count runes).
type Pos = lexer.Position

// Error is one positioned problem in a spec.
type Error struct {
	Pos Pos
	Msg string
	// Trail lists the block instantiations the error came through, innermost
	// first, for errors inside block bodies.
	Trail []Frame
}

// Frame is one block instantiation on an error's trail.
type Frame struct {
	Name string // the instance's name, e.g. "inception3a"
	Pos  Pos    // where it was instantiated
}

// Error returns the one-line form "file:line:col: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", posString(e.Pos), e.Msg)
}

func posString(p Pos) string {
	name := p.Filename
	if name == "" {
		name = "<input>"
	}
	if p.Line == 0 {
		return name
	}
	return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Column)
}

// ErrorList is a list of errors, sorted by position by [ErrorList.Err].
type ErrorList []*Error

// Add appends an error at pos.
func (l *ErrorList) Add(pos Pos, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	*l = append(*l, e)
	return e
}

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Sort orders the list by file, line and column, keeping the order of errors
// at the same position, and drops exact duplicates.
func (l ErrorList) Sort() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	out := l[:0]
	for i, e := range l {
		if i > 0 && e.Error() == l[i-1].Error() && trailString(e) == trailString(l[i-1]) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func trailString(e *Error) string {
	var b strings.Builder
	for _, f := range e.Trail {
		fmt.Fprintf(&b, "%s@%s;", f.Name, posString(f.Pos))
	}
	return b.String()
}

// Err returns the sorted list as an error, or nil if it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l.Sort()
}

// MaxPrinted is how many errors Print shows before "too many errors".
const MaxPrinted = 10

// Print writes err for a person: for each error its one-line form, the
// trail of block instances, then the source line with a line-number gutter
// and a caret under the column. sources maps file names to their contents;
// an error whose file is missing there is printed without an excerpt.
// Errors that are not an [ErrorList] or [*Error] are printed as they are.
func Print(w io.Writer, err error, sources map[string][]byte) {
	var list ErrorList
	switch e := err.(type) {
	case ErrorList:
		list = e
	case *Error:
		list = ErrorList{e}
	default:
		fmt.Fprintln(w, err)
		return
	}
	for i, e := range list {
		if i == MaxPrinted {
			fmt.Fprintln(w, "too many errors")
			return
		}
		fmt.Fprintln(w, e.Error())
		for _, f := range e.Trail {
			fmt.Fprintf(w, "\tin %s at %s\n", f.Name, posString(f.Pos))
		}
		excerpt(w, e.Pos, sources[e.Pos.Filename])
	}
}

func excerpt(w io.Writer, p Pos, src []byte) {
	if src == nil || p.Line < 1 {
		return
	}
	lines := strings.Split(string(src), "\n")
	if p.Line > len(lines) {
		return
	}
	line := strings.TrimRight(lines[p.Line-1], "\r")
	gutter := fmt.Sprintf("%5d | ", p.Line)
	fmt.Fprintf(w, "%s%s\n", gutter, line)
	// Keep tabs so the caret lines up whatever the tab width.
	var pad strings.Builder
	col := 1
	for _, r := range line {
		if col >= p.Column {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		col++
	}
	fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), pad.String())
}
