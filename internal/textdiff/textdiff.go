// Package textdiff computes line diffs in the unified format, for incc fmt -d
// and for golden-file test failures. It imports only the standard library.
package textdiff

import (
	"fmt"
	"strings"
)

// Unified returns a unified diff (3 lines of context) from old to new,
// headed "--- oldName" and "+++ newName", or "" if they are equal. A last
// line without a newline is marked "\ no newline at end". The texts are
// small (specs, golden files), so a quadratic longest common subsequence
// is fine.
func Unified(oldName, newName string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	x := splitLines(string(old))
	y := splitLines(string(new))
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte // ' ', '-', '+'
		text string
		i, j int // line numbers (0-based) in x and y before this line
	}
	var ls []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ls = append(ls, line{' ', x[i], i, j})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ls = append(ls, line{'-', x[i], i, j})
			i++
		default:
			ls = append(ls, line{'+', y[j], i, j})
			j++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	const ctx = 3
	for k := 0; k < len(ls); {
		if ls[k].op == ' ' {
			k++
			continue
		}
		start := max(k-ctx, 0)
		end := k
		for end < len(ls) {
			if ls[end].op != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ls) && ls[run].op == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ls) {
				end = min(end+ctx, len(ls))
				break
			}
			end = run
		}
		na, nb := 0, 0
		for _, l := range ls[start:end] {
			if l.op != '+' {
				na++
			}
			if l.op != '-' {
				nb++
			}
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", ls[start].i+1, na, ls[start].j+1, nb)
		for _, l := range ls[start:end] {
			fmt.Fprintf(&b, "%c%s\n", l.op, l.text)
		}
		k = end
	}
	return b.String()
}

func splitLines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	for i, line := range l {
		if line, ok := strings.CutSuffix(line, "\n"); ok {
			l[i] = line
		} else {
			l[i] = line + "\\ no newline at end"
		}
	}
	return l
}
