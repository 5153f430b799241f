package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/inccdev/incc/compiler/graph"
	"github.com/inccdev/incc/internal/atomicfile"
)

type graphCmd struct {
	File   string `arg:"" help:"Spec file (.inc)."`
	Aux    bool   `help:"Draw side heads too."`
	Output string `help:"Write to this file: .dot for DOT, .svg or .png through Graphviz's dot. Default: DOT on standard output." short:"o"`
}

func (c *graphCmd) Run(a *app) error {
	net, err := a.load(c.File)
	if err != nil {
		return err
	}
	var dot bytes.Buffer
	if err := graph.WriteDOT(&dot, net, graph.Options{Heads: c.Aux}); err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(c.Output))
	switch ext {
	case "":
		_, err := a.stdout.Write(dot.Bytes())
		return err
	case ".dot", ".gv":
		return atomicfile.WriteFile(c.Output, dot.Bytes(), 0o644)
	case ".svg", ".png", ".pdf":
		bin, err := exec.LookPath("dot")
		if err != nil {
			return fmt.Errorf("writing %s needs Graphviz's dot program (apt-get install graphviz); -o FILE.dot needs nothing", ext)
		}
		cmd := exec.Command(bin, "-T"+ext[1:], "-o", c.Output)
		cmd.Stdin = &dot
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("dot: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		return nil
	}
	return fmt.Errorf("graph: unknown output type %q (want .dot, .svg, .png or .pdf)", ext)
}
