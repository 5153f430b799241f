// Package stats reports the cost of a checked network in the spirit of
// Table 1 of the GoogLeNet paper: one row per top-level layer or module with
// its output shape, parameters and multiply-accumulates, then totals.
// It reads only the IR (package ir).
package stats

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/numfmt"
)

// Row is one layer or module.
type Row struct {
	Name string `json:"name"`
	// Kind is the layer kind ("conv", "maxpool", …), the block name for a
	// block instance ("inception"), "sequence" or "head".
	Kind string `json:"kind"`
	// Window is the kernel and stride of a single conv or pool ("7x7/2").
	Window string `json:"window,omitempty"`
	// Output is the output shape [C, H, W].
	Output [3]int `json:"output"`
	// Args are a block instance's arguments by parameter name, in order
	// (for an Inception module, the six widths of Table 1).
	Args   []Arg `json:"args,omitempty"`
	Params int64 `json:"params"`
	// MACs is exact: a network that checks can need more than an int64
	// holds (thousands of layers of 2^52 each).
	MACs *big.Int `json:"macs"`
	Head string   `json:"head,omitempty"`
}

// Arg is one named block argument.
type Arg struct {
	Name string `json:"name"`
	// Value is an int, a float64, or a string for a pair ("1x7").
	Value any `json:"value"`
	// Text is the value as the language writes it.
	Text string `json:"-"`
	// Pair marks the first of a pair parameter (r3 > n3).
	Pair bool `json:"-"`
}

// Totals sums the rows.
type Totals struct {
	Params int64    `json:"params"`
	MACs   *big.Int `json:"macs"`
}

// Report is the cost of a network.
type Report struct {
	Network string `json:"network"`
	Input   [3]int `json:"input"`
	Rows    []Row  `json:"rows"`
	Totals  Totals `json:"totals"`
}

// Compute builds the report. With heads, side heads get rows and count in
// the totals; otherwise they are left out (the inference graph).
func Compute(n *ir.Network, heads bool) *Report {
	r := &Report{Network: n.Name, Input: shape3(n.Input), Totals: Totals{MACs: new(big.Int)}}
	for _, m := range n.Modules {
		if m.Head != "" && !heads {
			continue
		}
		row := Row{Name: m.Name, Kind: m.Kind, Head: m.Head, MACs: new(big.Int)}
		for i := m.First; i < m.End; i++ {
			op := &n.Ops[i]
			row.MACs.Add(row.MACs, big.NewInt(n.MACs(op)))
			for _, p := range op.Params {
				if p.Trainable() {
					row.Params += int64(p.Len())
				}
			}
		}
		if m.End > m.First {
			row.Output = shape3(n.Shape(n.Ops[m.End-1].Out))
			row.Window = window(&n.Ops[m.First], m)
		}
		for i, name := range m.ArgNames {
			if i < len(m.Args) {
				row.Args = append(row.Args, Arg{Name: name, Value: argValue(m.Args[i]), Text: m.Args[i], Pair: m.Pairs[i]})
			}
		}
		r.Rows = append(r.Rows, row)
		r.Totals.Params += row.Params
		r.Totals.MACs.Add(r.Totals.MACs, row.MACs)
	}
	return r
}

func shape3(s ir.Shape) [3]int { return [3]int{s.C, s.H, s.W} }

// window describes the kernel/stride of a module that is one layer with a
// window (a convolution or pool), "" for other modules.
func window(op *ir.Op, m ir.Module) string {
	if m.Block || m.Kind == "sequence" || m.Kind == "head" {
		return ""
	}
	return windows[op.Kind](op)
}

// windows gives each kind's "patch/stride" column; TestWindows names a
// kind missing.
var windows = map[ir.Kind]func(op *ir.Op) string{
	ir.KindConv:            func(op *ir.Op) string { c := op.Conv; return patch(c.KH, c.KW, c.SH, c.SW) },
	ir.KindMaxPool:         poolWindow,
	ir.KindAvgPool:         poolWindow,
	ir.KindAdaptiveAvgPool: none,
	ir.KindLRN:             none,
	ir.KindBatchNorm:       none,
	ir.KindReLU:            none,
	ir.KindDropout:         none,
	ir.KindFlatten:         none,
	ir.KindFC:              none,
	ir.KindSoftmax:         none,
	ir.KindConcat:          none,
	ir.KindMul:             none,
	ir.KindReLU6:           none,
	ir.KindClamp:           none,
	ir.KindSigmoid:         none,
	ir.KindHardSigmoid:     none,
	ir.KindHardSwish:       none,
	ir.KindSiLU:            none,
	ir.KindScale:           none,
	ir.KindAdd:             none,
	ir.KindIdentity:        none,
}

func poolWindow(op *ir.Op) string { p := op.Pool; return patch(p.KH, p.KW, p.SH, p.SW) }

func none(*ir.Op) string { return "" }

func patch(kh, kw, sh, sw int) string {
	if sh != sw {
		return fmt.Sprintf("%dx%d/%dx%d", kh, kw, sh, sw)
	}
	return fmt.Sprintf("%dx%d/%d", kh, kw, sh)
}

// ArgString renders a row's arguments as the call would: "64, 96>128, 16>32, 32".
func (r Row) ArgString() string {
	var parts []string
	for i := 0; i < len(r.Args); i++ {
		a := r.Args[i]
		if a.Pair && i+1 < len(r.Args) {
			parts = append(parts, a.Text+">"+r.Args[i+1].Text)
			i++
			continue
		}
		parts = append(parts, a.Text)
	}
	return strings.Join(parts, ", ")
}

// argValue is an argument's value for JSON: an int, a float64 or, for a
// pair, the text.
func argValue(text string) any {
	if v, err := strconv.Atoi(text); err == nil {
		return v
	}
	if v, err := strconv.ParseFloat(text, 64); err == nil {
		return v
	}
	return text
}

// Formats lists the output formats of [Write].
var Formats = []string{"table", "markdown", "csv", "json"}

// Write renders the report as a text table, a Markdown table, CSV or JSON.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "table":
		return writeTable(w, r)
	case "markdown":
		return writeMarkdown(w, r)
	case "csv":
		return writeCSV(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

var header = []string{"name", "type", "patch/stride", "output", "widths", "params", "MACs"}

func cells(row Row) []string {
	name := row.Name
	if row.Head != "" && row.Kind != "head" {
		name = row.Head + "." + name
	}
	return []string{name, row.Kind, row.Window, shapeString(row.Output), row.ArgString(), numfmt.Thousands(row.Params), numfmt.Group(row.MACs.String())}
}

func shapeString(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

func writeTable(w io.Writer, r *Report) error {
	rows := [][]string{header}
	for _, row := range r.Rows {
		rows = append(rows, cells(row))
	}
	rows = append(rows, []string{"total", "", "", "", "", numfmt.Thousands(r.Totals.Params), numfmt.Group(r.Totals.MACs.String())})
	width := make([]int, len(header))
	for _, c := range rows {
		for i, s := range c {
			width[i] = max(width[i], len(s))
		}
	}
	fmt.Fprintf(w, "network %s, input %s\n\n", r.Network, shapeString(r.Input))
	for _, c := range rows {
		var b strings.Builder
		for i, s := range c {
			if i > 0 {
				b.WriteString("  ")
			}
			if i >= 5 { // numbers align right
				b.WriteString(strings.Repeat(" ", width[i]-len(s)) + s)
			} else {
				b.WriteString(s + strings.Repeat(" ", width[i]-len(s)))
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

func writeMarkdown(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | ---: | ---: |")
	for _, row := range r.Rows {
		c := cells(row)
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | "))
	}
	_, err := fmt.Fprintf(w, "| **total** | | | | | **%s** | **%s** |\n", numfmt.Thousands(r.Totals.Params), numfmt.Group(r.Totals.MACs.String()))
	return err
}

func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"name", "type", "patch_stride", "c", "h", "w", "widths", "params", "macs", "head"})
	for _, row := range r.Rows {
		cw.Write([]string{row.Name, row.Kind, row.Window, strconv.Itoa(row.Output[0]), strconv.Itoa(row.Output[1]),
			strconv.Itoa(row.Output[2]), row.ArgString(), strconv.FormatInt(row.Params, 10), row.MACs.String(), row.Head})
	}
	cw.Write([]string{"total", "", "", "", "", "", "", strconv.FormatInt(r.Totals.Params, 10), r.Totals.MACs.String(), ""})
	cw.Flush()
	return cw.Error()
}
