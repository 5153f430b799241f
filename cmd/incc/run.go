package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/alecthomas/kong"

	"github.com/inccdev/incc/compiler"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/output"
	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/internal/safetext"
)

// cli is the command line, as kong reads it.
type cli struct {
	Check  checkCmd  `cmd:"" help:"Check specs: report every error with its position, exit 1 if any."`
	Fmt    fmtCmd    `cmd:"" help:"Format specs in the canonical layout (like gofmt)."`
	Stats  statsCmd  `cmd:"" help:"Print parameters and multiply-accumulates per layer and module (GoogLeNet Table 1 style)."`
	Graph  graphCmd  `cmd:"" help:"Draw the architecture as Graphviz DOT or SVG."`
	Run    runCmd    `cmd:"" help:"Run a network with the reference interpreter on an input tensor; print the top classes."`
	Export exportCmd `cmd:"" help:"Export a spec as source for another framework (PyTorch)."`
	Gen    genCmd    `cmd:"" help:"Compile a spec to a Go package: writes DIR/<pkg>_gen.go, only if it changed."`
	Build  buildCmd  `cmd:"" help:"Compile a spec and its weights into one static binary that classifies images."`
	Bench  benchCmd  `cmd:"" help:"Compile a spec and time it: latency percentiles, images/s and the time of every layer."`
	Import importCmd `cmd:"" help:"Translate an ONNX model into a spec (and its weights as safetensors)."`

	Debug bool `help:"On an internal error of the code generator, also write the raw Go it made to <file>.broken, to inspect it or run go vet on it."`
}

// app carries the output streams and global flags to the commands.
type app struct {
	stdout, stderr io.Writer
	debug          bool
}

// outputFailed reports whether err is the failure of writing to stdout
// (which run reports).
func (a *app) outputFailed(err error) bool {
	w, ok := a.stdout.(*output.Writer)
	return ok && w.Err() != nil && errors.Is(err, w.Err())
}

// exitError ends run with a code; its message, if any, was already printed.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// errSpec means a spec had errors, which were printed.
var errSpec = exitError(1)

// usageErr prints a usage error of command cmd and returns exit code 2.
func (a *app) usageErr(cmd, format string, args ...any) error {
	fmt.Fprintf(a.stderr, "incc %s: %s\nrun 'incc %s --help' for usage\n", cmd, safetext.Escape(fmt.Sprintf(format, args...), "\t"), cmd)
	return exitError(2)
}

// kongExit carries kong's exit requests (after --help) out of Parse.
type kongExit int

// run is the whole program: it parses args, runs the command and returns
// the exit code. It never calls os.Exit, so tests call it directly.
//
// Output that cannot be written (stdout is a full disk, /dev/full) is a
// failure, reported on stderr, with exit code 1.
func run(args []string, stdout, stderr io.Writer) int {
	out := output.New(stdout)
	code := runCommand(args, out, stderr)
	if out.Err() != nil {
		fmt.Fprintf(stderr, "incc: writing the output: %v\n", out.Err())
		if code == 0 {
			code = 1
		}
	}
	return code
}

func runCommand(args []string, stdout *output.Writer, stderr io.Writer) (code int) {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("incc"),
		kong.Description("incc compiles .inc network specs: check, format, measure and draw them."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		panic(err)
	}
	defer func() {
		if r := recover(); r != nil {
			k, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(k)
		}
	}()
	if len(args) == 0 {
		args = []string{"--help"}
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		if stdout.Err() != nil && errors.Is(err, stdout.Err()) {
			return 1 // run reports it
		}
		printErr(stderr, err)
		fmt.Fprintln(stderr, "run 'incc --help' for usage")
		return 2
	}
	err = ctx.Run(&app{stdout: stdout, stderr: stderr, debug: c.Debug})
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	case stdout.Err() != nil && errors.Is(err, stdout.Err()):
		return 1 // run reports it
	}
	printErr(stderr, err)
	return 1
}

// printErr prints err after "incc: ", with control characters in it (from a
// file name, say) escaped for the terminal; an error that is a list of
// problems (a Lines method) is printed one problem per line.
func printErr(w io.Writer, err error) {
	var list interface{ Lines() []string }
	if errors.As(err, &list) {
		// Its own lines, each escaped: a list of problems.
		for i, l := range list.Lines() {
			if i == 0 {
				fmt.Fprintf(w, "incc: %s\n", safetext.Escape(l, "\t"))
			} else {
				fmt.Fprintf(w, "\t%s\n", safetext.Escape(l, "\t"))
			}
		}
		return
	}
	fmt.Fprintf(w, "incc: %s\n", safetext.Escape(err.Error(), "\t"))
}

// sources maps file names to contents for error excerpts.
type sources map[string][]byte

func newSources() sources {
	return sources{compiler.PreludeFile: compiler.Prelude()}
}

// load reads, parses and checks one spec. On spec errors it prints them and
// returns errSpec.
func (a *app) load(path string) (*ir.Network, error) {
	src, err := regular.ReadFile(path)
	if err != nil {
		return nil, err
	}
	srcs := newSources()
	srcs[path] = src
	f, err := dsl.Parse(path, src)
	if err == nil {
		var net *ir.Network
		net, err = compiler.Check(f)
		if err == nil {
			return net, nil
		}
	}
	dsl.Print(a.stderr, err, srcs)
	return nil, errSpec
}

type checkCmd struct {
	Files []string `arg:"" name:"file" help:"Spec files (.inc), or directories: their .inc files, recursively."`
}

func (c *checkCmd) Run(a *app) error {
	files, err := specFiles(c.Files)
	if err != nil {
		return err
	}
	var failed error
	for _, f := range files {
		if _, err := a.load(f); err != nil {
			if !errors.Is(err, errSpec) {
				printErr(a.stderr, err)
			}
			failed = errSpec
		}
	}
	return failed
}
