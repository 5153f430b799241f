package main

import (
	"bytes"
	"context"
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
	Output string `help:"Write to this file: .dot for DOT, .svg or .png drawn by the Graphviz built into incc, .pdf through an installed Graphviz's dot. Default: DOT on standard output." short:"o"`
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
	case ".svg", ".png":
		out, err := graph.Render(context.Background(), dot.Bytes(), ext[1:])
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(c.Output, out, 0o644)
	case ".pdf":
		bin, err := exec.LookPath("dot")
		if err != nil {
			return fmt.Errorf("writing .pdf needs Graphviz's dot program (apt-get install graphviz); .svg and .png need nothing")
		}
		cmd := exec.Command(bin, "-Tpdf", "-o", c.Output)
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
