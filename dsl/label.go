package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
)

// exprParser parses the expressions written in braces in a quoted label.
var exprParser = participle.MustBuild[Expr](
	participle.Lexer(Lex),
	participle.Elide("Space", "Comment"),
	participle.UseLookahead(0),
)

// interpolate splits every quoted label of f that holds braces into its
// text and expressions (Label.Parts). It reports the first malformed label.
func interpolate(f *File) *Error {
	var err *Error
	var stmts func([]*Stmt)
	body := func(b *Body) {
		if b != nil && err == nil {
			stmts(b.Stmts)
		}
	}
	stmts = func(ss []*Stmt) {
		for _, s := range ss {
			if err != nil {
				return
			}
			if s.Label != nil && s.Label.Str != "" && strings.ContainsAny(s.Label.Str, "{}") {
				err = s.Label.split()
			}
			switch {
			case s.For != nil:
				body(s.For.Body)
			case s.If != nil:
				for i := s.If; i != nil; i = i.ElseIf {
					body(i.Then)
					body(i.Else)
				}
			case s.Group != nil:
				body(s.Group)
			case s.Layer != nil:
				body(s.Layer.Body)
			}
		}
	}
	for _, d := range f.Decls {
		switch {
		case d.Block != nil:
			body(d.Block.Body)
		case d.Network != nil:
			body(d.Network.Body)
		}
	}
	return err
}

// split fills l.Parts from the quoted text: "a{i}b" is the text "a", the
// expression i and the text "b". Text parts are unquoted with Go's escapes;
// an expression may not hold quotes or braces.
func (l *Label) split() *Error {
	raw := l.Str[1 : len(l.Str)-1] // without the quotes
	at := func(i int) Pos {        // position of raw[i]
		p := l.Pos
		p.Offset += 1 + i
		p.Column += 1 + utf8.RuneCountInString(raw[:i])
		return p
	}
	text := func(from, to int) (string, *Error) {
		s, err := strconv.Unquote(`"` + raw[from:to] + `"`)
		if err != nil {
			return "", &Error{Pos: at(from), Msg: fmt.Sprintf("label %s: invalid escape", l.Str)}
		}
		return s, nil
	}
	var parts []LabelPart
	start := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++ // an escaped character is text
		case '}':
			return &Error{Pos: at(i), Msg: fmt.Sprintf(`label %s: "}" without "{"`, l.Str)}
		case '{':
			end := strings.IndexAny(raw[i+1:], "{}")
			if end < 0 || raw[i+1+end] != '}' {
				return &Error{Pos: at(i), Msg: fmt.Sprintf(`label %s: "{" without "}"`, l.Str)}
			}
			end += i + 1
			t, err := text(start, i)
			if err != nil {
				return err
			}
			if t != "" {
				parts = append(parts, LabelPart{Text: t})
			}
			src := raw[i+1 : end]
			if strings.TrimSpace(src) == "" {
				return &Error{Pos: at(i), Msg: fmt.Sprintf("label %s: empty {} (write an integer expression in the braces)", l.Str)}
			}
			e, perr := exprParser.ParseString(l.Pos.Filename, src)
			if perr != nil {
				pe := syntaxError(l.Pos.Filename, perr, nil)
				pos := at(i + 1)
				if pe.Pos.Line == 1 && pe.Pos.Offset <= len(src) {
					pos = at(i + 1 + pe.Pos.Offset)
				}
				return &Error{Pos: pos, Msg: fmt.Sprintf("label %s: %s", l.Str, pe.Msg)}
			}
			shiftExpr(e, at(i+1))
			parts = append(parts, LabelPart{Expr: e})
			i, start = end, end+1
		}
	}
	t, err := text(start, len(raw))
	if err != nil {
		return err
	}
	if t != "" {
		parts = append(parts, LabelPart{Text: t})
	}
	l.Parts = parts
	return nil
}

// shiftExpr moves the positions of an expression parsed on its own (line 1,
// column 1 at its start) to where it sits in the file: base.
func shiftExpr(e *Expr, base Pos) {
	shift := func(p *Pos) {
		p.Filename = base.Filename
		p.Offset += base.Offset
		p.Column += base.Column - 1
		p.Line = base.Line
	}
	var expr func(*Expr)
	unary := func(u *Unary) {
		shift(&u.Pos)
		shift(&u.Primary.Pos)
		for _, x := range u.Primary.Paren {
			expr(x)
		}
	}
	term := func(t *Term) {
		shift(&t.Pos)
		unary(t.Left)
		for _, r := range t.Right {
			shift(&r.Pos)
			unary(r.Unary)
		}
	}
	expr = func(e *Expr) {
		shift(&e.Pos)
		term(e.Left)
		for _, r := range e.Right {
			shift(&r.Pos)
			term(r.Term)
		}
	}
	expr(e)
}
