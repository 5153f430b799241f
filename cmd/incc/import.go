package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/inccdev/incc/compiler/onnx"
	"github.com/inccdev/incc/runtime/tensor"
)

// importCmd is incc import: an ONNX model becomes a spec and its weights.
type importCmd struct {
	Model   string `arg:"" help:"ONNX model (.onnx). External tensor data is read from its directory, never from outside it."`
	Output  string `short:"o" required:"" placeholder:"OUT.inc" help:"Write the spec here."`
	Weights string `placeholder:"OUT.safetensors" help:"Write the weights here, named as the spec names them."`
	Name    string `placeholder:"NAME" help:"Network name (default: the model's file name)."`
	Labels  string `enum:",imagenet,mnist" default:"" placeholder:"SET" help:"Declare the output's label set (imagenet or mnist)."`
}

func (c *importCmd) Run(a *app) error {
	data, err := os.ReadFile(c.Model)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	m, err := onnx.Decode(data)
	if err != nil {
		return fmt.Errorf("import: %s: %w", c.Model, err)
	}
	root, err := os.OpenRoot(filepath.Dir(c.Model))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer root.Close()
	res, err := onnx.Import(m, onnx.Options{Name: c.Name, Source: filepath.ToSlash(c.Model), Dir: root.FS(), Labels: c.Labels})
	if err != nil {
		var ie *onnx.Error
		if errors.As(err, &ie) {
			fmt.Fprintf(a.stderr, "incc: import: %s: %d construct%s incc cannot express:\n", c.Model, len(ie.Problems), plural(len(ie.Problems)))
			for _, p := range ie.Problems {
				fmt.Fprintf(a.stderr, "\t%s\n", p)
			}
			return errSpec
		}
		return fmt.Errorf("import: %s: %w", c.Model, err)
	}
	files := []pending{{path: c.Output, write: func(f *os.File) error {
		_, err := f.Write(res.Spec)
		return err
	}}}
	if c.Weights != "" {
		w := tensor.Weights{}
		for _, t := range res.Weights {
			w[t.Name] = tensor.Tensor{Shape: t.Shape, Data: t.Data}
		}
		meta := map[string]string{"source": filepath.Base(c.Model), "spec": filepath.Base(c.Output)}
		files = append(files, pending{path: c.Weights, write: func(f *os.File) error {
			return tensor.WriteSafetensors(f, w, meta)
		}})
	}
	if err := writeAll(files); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	summary(a, c, res)
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// summary tells what was written and what was found.
func summary(a *app, c *importCmd, res *onnx.Result) {
	lines := strings.Count(string(res.Spec), "\n")
	var blocks []string
	for _, b := range res.Blocks {
		blocks = append(blocks, fmt.Sprintf("%s(%s) x%d", b.Name, strings.Join(b.Params, ", "), b.Instances))
	}
	fmt.Fprintf(a.stderr, "%s: %d lines", c.Output, lines)
	if len(blocks) > 0 {
		fmt.Fprintf(a.stderr, ", blocks %s", strings.Join(blocks, ", "))
	}
	fmt.Fprintln(a.stderr)
	if c.Weights != "" {
		n := 0
		for _, w := range res.Weights {
			n += len(w.Data)
		}
		fmt.Fprintf(a.stderr, "%s: %d tensors, %d values\n", c.Weights, len(res.Weights), n)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(a.stderr, "note: %s\n", n)
	}
}

// pending is a file to write: all are written beside their targets first
// and renamed into place only when every one was written, so that a
// failure leaves nothing behind.
type pending struct {
	path  string
	write func(f *os.File) error
	tmp   string
}

func writeAll(files []pending) (err error) {
	defer func() {
		if err != nil {
			for _, f := range files {
				if f.tmp != "" {
					os.Remove(f.tmp)
				}
			}
		}
	}()
	for i := range files {
		f := &files[i]
		tmp, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".*.tmp")
		if err != nil {
			return err
		}
		f.tmp = tmp.Name()
		werr := f.write(tmp)
		if werr == nil {
			werr = tmp.Sync()
		}
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("%s: %w", f.path, werr)
		}
		if err := os.Chmod(f.tmp, 0o644); err != nil {
			return err
		}
	}
	for i := range files {
		if err := os.Rename(files[i].tmp, files[i].path); err != nil {
			return err
		}
		files[i].tmp = ""
	}
	return nil
}
