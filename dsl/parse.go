package dsl

import (
	"errors"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

var parser = participle.MustBuild[File](
	participle.Lexer(Lex),
	participle.Elide("Space", "Comment"),
	participle.UseLookahead(3),
)

// Grammar returns the grammar in EBNF, for documentation and review.
func Grammar() string { return parser.String() }

// Parse parses one .inc file. filename is used in positions as given.
// Errors are an [ErrorList] holding one positioned syntax error.
func Parse(filename string, src []byte) (*File, error) {
	f, err := parser.ParseBytes(filename, src)
	if err != nil {
		return nil, ErrorList{syntaxError(filename, err)}
	}
	f.Name = filename
	f.Comments = comments(filename, src)
	return f, nil
}

func syntaxError(filename string, err error) *Error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Pos: Pos{Filename: filename}, Msg: err.Error()}
	}
	msg := perr.Message()
	// Capture errors ("integer … out of range") arrive wrapped; keep the cause.
	if u := errors.Unwrap(perr); u != nil {
		msg = u.Error()
	}
	msg = strings.TrimPrefix(msg, "failed to capture: ")
	msg = strings.ReplaceAll(msg, `"\n"`, "newline")
	msg = strings.ReplaceAll(msg, `"<EOF>"`, "end of file")
	return &Error{Pos: perr.Position(), Msg: msg}
}

// comments returns the file's comments in order. The lexer already accepted
// the whole file, so lexing again cannot fail on a file that parsed.
func comments(filename string, src []byte) []Comment {
	lx, err := Lex.LexString(filename, string(src))
	if err != nil {
		return nil
	}
	typ := Lex.Symbols()["Comment"]
	var out []Comment
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return out
		}
		if t.Type == typ {
			out = append(out, Comment{Pos: t.Pos, Text: strings.TrimRight(t.Value, " \t\r")})
		}
	}
}

var _ lexer.Definition = Lex
