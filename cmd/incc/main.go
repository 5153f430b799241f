// Command incc checks, formats, measures, draws and compiles .inc network
// specs.
//
// Usage:
//
//	incc check FILE...                       report every error, exit 1 if any
//	incc fmt [-l|-w|-d] FILE...              canonical layout, like gofmt
//	incc stats FILE [--aux] [--format F]     parameters and multiply-accumulates per layer
//	incc graph FILE [--aux] [-o out.dot|out.svg]
//
// Exit codes: 0 success, 1 errors in a spec or its inputs (or output that
// cannot be written), 2 bad usage.
// Errors are printed as file:line:col: message, then the source line and a
// caret; errors inside block instances list the instances they came through.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
