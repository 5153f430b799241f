package dsl

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/inccdev/incc/internal/safetext"
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
	// More counts the other block instances with the same error (at the
	// same place in the block's body), which [ErrorList.Sort] merges into
	// this one.
	More int
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
// at the same position, and merges the errors with the same position and
// message: those of a block's body repeated for each of its instances
// become one, which keeps the first one's trail and counts the others
// (Error.More), so that they cannot crowd other errors out.
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
	first := map[string]*Error{}
	trails := map[string]bool{}
	for _, e := range l {
		key := e.Error()
		f, seen := first[key]
		if !seen {
			first[key] = e
			trails[key+"\x00"+trailString(e)] = true
			out = append(out, e)
			continue
		}
		if t := key + "\x00" + trailString(e); !trails[t] {
			trails[t] = true
			f.More += 1 + e.More
		}
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

// MaxPrinted is how many errors Print shows before "and N more errors".
const MaxPrinted = 10

// Print writes err for a person: for each error its one-line form, the
// trail of block instances, then the source line with a line-number gutter
// and a caret under the column. sources maps file names to their contents;
// an error whose file is missing there is printed without an excerpt.
// Errors that are not an [ErrorList] or [*Error] are printed as they are.
//
// Everything printed is safe for a terminal: control characters and
// invalid UTF-8 in messages, file names and source lines are shown escaped
// (see package internal/safetext), and a long source line is cut to a
// window of [MaxExcerpt] characters around the caret.
func Print(w io.Writer, err error, sources map[string][]byte) {
	var list ErrorList
	switch e := err.(type) {
	case ErrorList:
		list = e
	case *Error:
		list = ErrorList{e}
	default:
		fmt.Fprintln(w, safetext.Escape(err.Error(), "\t\n"))
		return
	}
	for i, e := range list {
		if i == MaxPrinted {
			fmt.Fprintf(w, "and %d more errors\n", len(list)-i)
			return
		}
		fmt.Fprintln(w, safetext.Escape(e.Error(), "\t"))
		for _, f := range e.Trail {
			fmt.Fprintf(w, "\tin %s at %s\n", safetext.Escape(f.Name, ""), safetext.Escape(posString(f.Pos), ""))
		}
		if e.More > 0 {
			fmt.Fprintf(w, "\t(and in %d more block instance%s)\n", e.More, map[bool]string{true: "s"}[e.More > 1])
		}
		excerpt(w, e.Pos, sources[e.Pos.Filename])
	}
}

// MaxExcerpt is the most characters of a source line an excerpt shows.
const MaxExcerpt = 120

func excerpt(w io.Writer, p Pos, src []byte) {
	if src == nil || p.Line < 1 {
		return
	}
	line, ok := nthLine(src, p.Line)
	if !ok {
		return
	}
	// Each character of the line as shown: tabs kept (so the caret lines
	// up whatever the tab width), other non-printable characters escaped.
	var cells []string
	for len(line) > 0 {
		_, size := utf8.DecodeRune(line)
		cells = append(cells, safetext.Escape(string(line[:size]), "\t"))
		line = line[size:]
	}
	caret := p.Column - 1 // cells before the caret
	lo, hi := 0, len(cells)
	if hi > MaxExcerpt {
		lo = max(0, min(caret-MaxExcerpt/2, hi-MaxExcerpt))
		hi = lo + MaxExcerpt
	}
	var text, pad strings.Builder
	if lo > 0 {
		text.WriteString("…")
		pad.WriteString(" ")
	}
	for i, c := range cells[lo:hi] {
		text.WriteString(c)
		if lo+i >= caret {
			continue
		}
		if c == "\t" {
			pad.WriteByte('\t')
		} else {
			pad.WriteString(strings.Repeat(" ", utf8.RuneCountInString(c)))
		}
	}
	if hi < len(cells) {
		text.WriteString("…")
	}
	gutter := fmt.Sprintf("%5d | ", p.Line)
	fmt.Fprintf(w, "%s%s\n", gutter, text.String())
	fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), pad.String())
}

// nthLine returns line n (1-based) of src without its line ending.
func nthLine(src []byte, n int) ([]byte, bool) {
	for ; n > 1; n-- {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return nil, false
		}
		src = src[i+1:]
	}
	if i := bytes.IndexByte(src, '\n'); i >= 0 {
		src = src[:i]
	}
	return bytes.TrimRight(src, "\r"), true
}
