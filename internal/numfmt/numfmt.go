// Package numfmt writes numbers for people: integers with thousands
// separators, the one way incc's cost tables, generated comments, model
// binaries and messages write them. It imports only the standard library,
// so the runtime and the compiler both may use it.
package numfmt

import (
	"strconv"
	"strings"
)

// Thousands formats n with comma separators: 1582671872 → "1,582,671,872".
func Thousands[T ~int | ~int64](n T) string { return Group(strconv.FormatInt(int64(n), 10)) }

// Group puts comma separators into a decimal integer, such as a
// big.Int's String: "-1234567" → "-1,234,567".
func Group(s string) string {
	digits := strings.TrimPrefix(s, "-")
	var b strings.Builder
	b.WriteString(s[:len(s)-len(digits)])
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
