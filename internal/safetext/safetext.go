// Package safetext makes text that came from outside (file names, spec
// labels, spec source, error messages holding either) safe to show on a
// terminal and to write into generated source.
//
// A terminal obeys the control characters in what it prints: ESC starts a
// sequence that can move the cursor, clear the screen or set the window
// title, BEL rings, CR overwrites the line, and a newline in a file name
// splits one record in two. Generated Go and Python code has the same
// problem with line comments: a newline ends the comment and the rest
// becomes code. Every incc program therefore passes such text through this
// package before printing or emitting it.
//
// The rule is the go command's: text that is valid UTF-8 and made of
// printable characters (unicode.IsPrint: letters, marks, numbers,
// punctuation, symbols and the ASCII space) is shown as it is; anything
// else is shown escaped, in Go's quoted-string syntax. The package imports
// only the standard library, so that the dsl package and the runtime can
// both use it.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable reports whether s is valid UTF-8 made only of printable
// characters (unicode.IsPrint: no control, format or unassigned characters,
// and no space other than U+0020).
func Printable(s string) bool {
	_, bad := BadRune(s)
	return !bad
}

// BadRune returns the first rune of s that is not printable, and whether
// there is one; an invalid UTF-8 byte is returned as utf8.RuneError.
func BadRune(s string) (rune, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return r, true
			}
			continue
		}
		if !unicode.IsPrint(r) {
			return r, true
		}
	}
	return 0, false
}

// Quote returns s as it is if it is printable (see [Printable]), else s in
// Go's double-quoted syntax, with every non-printable character and invalid
// byte escaped (strconv.Quote). Use it for names shown on a terminal: a
// file name, a label.
func Quote(s string) string {
	if Printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// Escape returns s with every non-printable character and invalid byte
// replaced by its Go escape (\n, \x1b, \u200b, …), without adding quotes;
// printable text, backslashes and quotes are kept as they are. The result
// is one line of printable text: safe in a line comment of generated code
// and on a terminal. Keep is a set of characters to leave alone (e.g. "\t"
// or "\n\t" for multi-line text shown as it is).
func Escape(s, keep string) string {
	if _, bad := BadRune(s); !bad {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&15, 16))
		case unicode.IsPrint(r) || strings.ContainsRune(keep, r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
