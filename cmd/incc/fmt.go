package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/atomicfile"
	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/internal/safetext"
	"github.com/inccdev/incc/internal/textdiff"
)

type fmtCmd struct {
	List  bool     `short:"l" help:"List files whose formatting differs; change nothing."`
	Write bool     `short:"w" help:"Rewrite files in place."`
	Diff  bool     `short:"d" help:"Print a diff of the changes; change nothing."`
	Files []string `arg:"" optional:"" name:"file" help:"Spec files (.inc), or directories: their .inc files, recursively; none means standard input."`
}

func (c *fmtCmd) Run(a *app) error {
	if len(c.Files) == 0 {
		if c.Write {
			return errors.New("fmt: -w needs file names")
		}
		src, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		return c.one(a, "<stdin>", src)
	}
	files, err := specFiles(c.Files)
	if err != nil {
		return err
	}
	var failed error
	for _, path := range files {
		src, err := regular.ReadFile(path)
		if err != nil {
			printErr(a.stderr, err)
			failed = errSpec
			continue
		}
		if err := c.one(a, path, src); err != nil {
			if a.outputFailed(err) {
				return err // the output is gone: stop
			}
			if !errors.Is(err, errSpec) {
				printErr(a.stderr, err)
			}
			failed = errSpec
		}
	}
	return failed
}

// one formats one file. Only syntax matters: fmt formats specs that do not
// check, as gofmt formats programs that do not compile.
func (c *fmtCmd) one(a *app, path string, src []byte) error {
	f, err := dsl.Parse(path, src)
	if err != nil {
		dsl.Print(a.stderr, err, map[string][]byte{path: src})
		return errSpec
	}
	out := dsl.Format(f)
	changed := !bytes.Equal(out, src)
	if c.List && changed {
		fmt.Fprintln(a.stdout, safetext.Quote(path))
	}
	if c.Diff && changed {
		io.WriteString(a.stdout, textdiff.Unified(path+".orig", path, src, out))
	}
	if c.Write && changed {
		// Never truncate the spec in place: a failed write (a full disk,
		// a file-size limit) would leave it cut off.
		return atomicfile.WriteFile(path, out, 0o644)
	}
	if !c.List && !c.Diff && !c.Write {
		_, err := a.stdout.Write(out)
		return err
	}
	return nil
}
