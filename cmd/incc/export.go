package main

import (
	"bytes"
	"fmt"

	"github.com/inccdev/incc/compiler/export"
	"github.com/inccdev/incc/internal/atomicfile"
	"github.com/inccdev/incc/internal/regular"
)

type exportCmd struct {
	File   string `arg:"" help:"Spec file (.inc). The output names it by its path from the module root."`
	Lang   string `help:"Target: pytorch (a Python module defining a torch.nn.Module)." enum:"pytorch" default:"pytorch"`
	Output string `help:"Write to this file (only if its contents change). Default: standard output." short:"o" type:"path"`
}

func (c *exportCmd) Run(a *app) error {
	net, _, err := a.loadForOutput(c.File)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch c.Lang {
	case "pytorch":
		err = export.PyTorch(&buf, net)
	default:
		err = fmt.Errorf("export: unknown language %q (want pytorch)", c.Lang)
	}
	if err != nil {
		return err
	}
	if c.Output == "" {
		_, err := a.stdout.Write(buf.Bytes())
		return err
	}
	if old, err := regular.ReadFile(c.Output); err == nil && bytes.Equal(old, buf.Bytes()) {
		return nil
	}
	return atomicfile.WriteFile(c.Output, buf.Bytes(), 0o644)
}
