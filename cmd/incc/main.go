// Command incc checks, formats, measures, draws, runs, exports and
// compiles .inc network specs.
//
// Usage:
//
//	incc check FILE...                        report every error, exit 1 if any
//	incc fmt [-l|-w|-d] FILE...               canonical layout, like gofmt
//	incc stats FILE [--aux] [--format F]      parameters and multiply-accumulates per layer
//	incc graph FILE [--aux] [-o out.dot|out.svg|out.png]
//	incc run SPEC (--weights W | --seed N) (--input X.npy | --image IMG...)
//	incc export SPEC --lang pytorch           the network as a PyTorch module
//	incc gen SPEC -o DIR --pkg NAME           compile to a Go package
//	incc build SPEC --weights W -o MODEL      compile to a static binary that classifies images
//	incc bench SPEC [--weights W]             compile and time it, layer by layer
//
// Run incc COMMAND --help for a command's flags.
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
