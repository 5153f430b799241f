package dsl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The parser never backtracks: once a rule has consumed a token it is
// committed, so an error is reported where it happens ("f(1, )" at the ')')
// instead of where an enclosing list gave up (at the ','). The two places
// that must look past a token to choose, a label "x:" and a named argument
// "k = v", say so with (?= ...) lookahead groups in ast.go.
var parser = participle.MustBuild[File](
	participle.Lexer(Lex),
	participle.Elide("Space", "Comment"),
	participle.UseLookahead(0),
)

// Grammar returns the grammar in EBNF, for documentation and review.
func Grammar() string { return parser.String() }

// MaxNesting bounds how deeply parentheses and braces may nest. Deeper input
// is rejected before parsing, so the recursive-descent parser cannot be made
// to use unbounded stack or time.
const MaxNesting = 200

// Limits on one file, checked before parsing, so that no input can make
// the parser take long or much memory: the largest real networks take a
// few hundred statements (GoogLeNet's spec is 3.4 KB).
const (
	// MaxSize bounds a file's size in bytes.
	MaxSize = 512 << 10
	// MaxTokens bounds its tokens (not counting spaces and comments).
	MaxTokens = 1 << 17
	// MaxStatements bounds its statements and declarations.
	MaxStatements = 4096
)

// Parse parses one .inc file. filename is used in positions as given.
// Errors are an [ErrorList] holding one positioned syntax error.
//
// Newlines end statements, and they are not allowed inside parentheses: a
// block call, a parameter list and a tuple are each written on one line.
// A file may have at most [MaxSize] bytes, [MaxTokens] tokens and
// [MaxStatements] statements, and nest [MaxNesting] deep.
func Parse(filename string, src []byte) (*File, error) {
	if len(src) > MaxSize {
		return nil, ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1},
			Msg: fmt.Sprintf("file too large: %d bytes (at most %d)", len(src), MaxSize)}}
	}
	toks, err := tokens(filename, src)
	if err == nil {
		if e := nesting(toks); e != nil {
			return nil, ErrorList{e}
		}
		if e := counts(toks); e != nil {
			return nil, ErrorList{e}
		}
	}
	f, err := parser.ParseBytes(filename, src)
	if err != nil {
		return nil, ErrorList{syntaxError(filename, err, toks)}
	}
	if e := interpolate(f); e != nil {
		return nil, ErrorList{e}
	}
	f.Name = filename
	f.Comments = comments(toks)
	return f, nil
}

var (
	tokComment = Lex.Symbols()["Comment"]
	tokString  = Lex.Symbols()["String"]
	tokCall    = Lex.Symbols()["Call"]
	tokNewline = Lex.Symbols()["Newline"]
	tokStray   = Lex.Symbols()["Stray"]
	tokSpace   = Lex.Symbols()["Space"]
)

// tokens returns every token of src, comments and spaces included. The
// Stray rule makes the lexer total, so err is nil in practice.
func tokens(filename string, src []byte) ([]lexer.Token, error) {
	lx, err := Lex.LexString(filename, string(src))
	if err != nil {
		return nil, err
	}
	var out []lexer.Token
	for {
		t, err := lx.Next()
		if err != nil {
			return nil, err
		}
		if t.EOF() {
			return out, nil
		}
		out = append(out, t)
	}
}

// nesting reports the first '(' or '{' nested deeper than MaxNesting.
func nesting(toks []lexer.Token) *Error {
	depth := 0
	for _, t := range toks {
		switch {
		case t.Value == "(" || t.Value == "{" || t.Type == tokCall:
			depth++
			if depth > MaxNesting {
				return &Error{Pos: t.Pos, Msg: fmt.Sprintf("too deeply nested (more than %d levels of parentheses and braces)", MaxNesting)}
			}
		case t.Value == ")" || t.Value == "}":
			depth = max(depth-1, 0)
		}
	}
	return nil
}

// counts reports the first token beyond MaxTokens, or the first statement
// beyond MaxStatements. A statement starts at a token that follows a
// newline, a ';', a brace or nothing (so declarations count too).
func counts(toks []lexer.Token) *Error {
	n, stmts := 0, 0
	start := true
	for _, t := range toks {
		if t.Type == tokSpace || t.Type == tokComment {
			continue
		}
		if n++; n > MaxTokens {
			return &Error{Pos: t.Pos, Msg: fmt.Sprintf("file too long: more than %d tokens", MaxTokens)}
		}
		switch {
		case t.Type == tokNewline || t.Value == ";" || t.Value == "{" || t.Value == "}":
			start = true
		case start:
			start = false
			if stmts++; stmts > MaxStatements {
				return &Error{Pos: t.Pos, Msg: fmt.Sprintf("too many statements: more than %d in one file", MaxStatements)}
			}
		}
	}
	return nil
}

// inParens reports whether the token at offset lies inside parentheses.
func inParens(toks []lexer.Token, offset int) bool {
	depth := 0
	for _, t := range toks {
		if t.Pos.Offset >= offset {
			break
		}
		switch {
		case t.Value == "(" || t.Type == tokCall:
			depth++
		case t.Value == ")":
			depth = max(depth-1, 0)
		}
	}
	return depth > 0
}

func syntaxError(filename string, err error, toks []lexer.Token) *Error {
	var uerr *participle.UnexpectedTokenError
	if errors.As(err, &uerr) {
		return &Error{Pos: uerr.Position(), Msg: unexpected(uerr, toks)}
	}
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Msg: err.Error()}
	}
	msg := perr.Message()
	// Capture errors arrive wrapped; keep the cause.
	if u := errors.Unwrap(perr); u != nil {
		msg = u.Error()
	}
	msg = strings.TrimPrefix(msg, "failed to capture: ")
	return &Error{Pos: perr.Position(), Msg: msg}
}

// unexpected rewrites participle's "unexpected token X (expected Rule ...)"
// in the language's terms: what was found, and what could come next.
func unexpected(e *participle.UnexpectedTokenError, toks []lexer.Token) string {
	t := e.Unexpected
	var found string
	switch {
	case t.Type == tokStray && t.Value == `"`:
		return "unterminated string"
	case t.Type == tokStray && t.Value == ".":
		return `invalid character "." (a number has digits after its point, as in 2.0; a range is written 1..6)`
	case t.Type == tokStray:
		return fmt.Sprintf("invalid character %q", t.Value)
	case t.Type == tokNewline && inParens(toks, t.Pos.Offset):
		return "unexpected newline inside parentheses (a call, parameter list or tuple must be on one line)"
	case t.EOF():
		found = "end of file"
	case t.Type == tokNewline:
		found = "newline"
	case t.Type == tokString:
		found = "string " + t.Value
	default:
		found = fmt.Sprintf("token %q", t.Value)
	}
	_, want, ok := strings.Cut(e.Message(), " (expected ")
	if !ok {
		// Only the top level ends without an expectation.
		return fmt.Sprintf(`unexpected %s (expected "block" or "network")`, found)
	}
	want = expectation(strings.TrimSuffix(want, ")"))
	if want == `"}"` && !t.EOF() {
		// Inside a body, after a statement or where one may start.
		if p := prev(toks, t.Pos.Offset); p == nil || p.Value == "{" || p.Value == ";" || p.Type == tokNewline {
			want = `a statement or "}"`
		} else {
			want = `newline, ";" or "}"`
		}
	}
	return fmt.Sprintf("unexpected %s (expected %s)", found, want)
}

// prev returns the last token before offset that the parser sees.
func prev(toks []lexer.Token, offset int) *lexer.Token {
	var p *lexer.Token
	for i, t := range toks {
		if t.Pos.Offset >= offset {
			break
		}
		if t.Type != tokComment && t.Type != tokSpace {
			p = &toks[i]
		}
	}
	return p
}

// expectations names the grammar's rules, as participle prints them, for
// people.
var expectations = map[string]string{
	"(For | If | Call | Body | Layer)": `a layer, a block call or "{"`,
	"(If | Body)":                      `"if" or "{"`,
	"<call>":                           `a block name directly followed by "("`,
	"Body":                             `"{"`,
	"Ident":                            "a name",
	"<ident>":                          "a name",
	"Param":                            "a parameter name",
	"CallArg":                          "an argument",
	"Primary":                          "an expression",
	"Expr":                             "an expression",
	"Term":                             "an expression",
	"Unary":                            "an expression",
	"Label":                            "a label",
	"Stmt":                             "a statement",
	"Decl":                             `"block" or "network"`,
}

// expectation describes the first item of participle's expected sequence,
// the one that failed to match.
func expectation(ebnf string) string {
	first := firstTerm(ebnf)
	if s, ok := expectations[first]; ok {
		return s
	}
	return first
}

// firstTerm returns the first term of an EBNF sequence: a parenthesized
// group with its suffix, a quoted literal, a <token> or a rule name.
func firstTerm(s string) string {
	end := len(s)
	switch {
	case strings.HasPrefix(s, "("):
		depth, quoted := 0, false
	scan:
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case quoted && c == '\\':
				i++
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 {
					end = i + 1
					break scan
				}
			}
		}
		if end < len(s) && strings.ContainsRune("?*+", rune(s[end])) {
			end++
		}
	case strings.HasPrefix(s, `"`):
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
			} else if s[i] == '"' {
				end = i + 1
				break
			}
		}
	default:
		if i := strings.IndexByte(s, ' '); i >= 0 {
			end = i
		}
	}
	return s[:min(end, len(s))]
}

// comments returns the file's comments in order.
func comments(toks []lexer.Token) []Comment {
	var out []Comment
	for _, t := range toks {
		if t.Type == tokComment {
			out = append(out, Comment{Pos: t.Pos, Text: strings.TrimRight(t.Value, " \t\r")})
		}
	}
	return out
}

var _ lexer.Definition = Lex
