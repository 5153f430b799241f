package main

import (
	"github.com/inccdev/incc/compiler/stats"
)

type statsCmd struct {
	File   string `arg:"" help:"Spec file (.inc)."`
	Aux    bool   `help:"Include side heads (auxiliary classifiers) in rows and totals."`
	Format string `help:"Output format: table, markdown, csv or json." enum:"table,markdown,csv,json" default:"table" short:"f"`
}

func (c *statsCmd) Run(a *app) error {
	net, err := a.load(c.File)
	if err != nil {
		return err
	}
	return stats.Write(a.stdout, stats.Compute(net, c.Aux), c.Format)
}
