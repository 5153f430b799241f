package safetext

import (
	"strconv"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"specs/googlenet.inc", "specs/googlenet.inc"},
		{"inception 3a", "inception 3a"},
		{"日本語.png", "日本語.png"},
		{"\uFFFD", "\uFFFD"}, // a real replacement character is printable
		{"a\nb.png", `"a\nb.png"`},
		{"\x1b]0;owned\a", `"\x1b]0;owned\a"`},
		{"tab\there", `"tab\there"`},
		{"bom\uFEFF", `"bom\ufeff"`},
		{"bad\xffbyte", `"bad\xffbyte"`},
		{"", ""},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := Quote(tt.in); got != tt.in {
			// A quoted result must unquote to the original bytes.
			if back, err := strconv.Unquote(got); err != nil || back != tt.in {
				t.Errorf("Quote(%q) = %s does not unquote to the input (%q, %v)", tt.in, got, back, err)
			}
		}
	}
}

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, keep, want string }{
		{`plain "text" \ kept`, "", `plain "text" \ kept`},
		{"x\nimport os", "", `x\nimport os`},
		{"x\r\nimport os", "", `x\r\nimport os`},
		{"\x1b[2Jclear", "", `\x1b[2Jclear`},
		{"a\tb\nc", "\t", `a` + "\t" + `b\nc`},
		{"a\tb\nc\x07", "\n\t", "a\tb\nc\\a"},
		{"bad\xff\xfe", "", `bad\xff\xfe`},
		{"zw\u200bsp", "", `zw\u200bsp`},
	} {
		if got := Escape(tt.in, tt.keep); got != tt.want {
			t.Errorf("Escape(%q, %q) = %q, want %q", tt.in, tt.keep, got, tt.want)
		}
	}
}

func TestBadRune(t *testing.T) {
	if r, bad := BadRune("ok label"); bad {
		t.Errorf("BadRune(ok label) = %q, true", r)
	}
	if r, bad := BadRune("a\x00b"); !bad || r != 0 {
		t.Errorf("BadRune(a NUL b) = %q, %v; want NUL, true", r, bad)
	}
}
