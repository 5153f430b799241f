package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/tensor"
)

type runCmd struct {
	Spec    string   `arg:"" help:"Spec file (.inc)."`
	Weights string   `help:"Weights (safetensors, named as the spec names them)." xor:"w" placeholder:"W.safetensors"`
	Seed    uint64   `help:"Fill the weights with the deterministic initializer from this seed instead." xor:"w"`
	Input   string   `help:"Input tensor (.npy, float32, NxCxHxW or CxHxW)." placeholder:"X.npy" xor:"in"`
	Image   []string `help:"Input images (JPEG, PNG, GIF, BMP, TIFF, WebP), preprocessed as the spec declares." placeholder:"IMG" xor:"in"`
	Output  string   `help:"Write the output tensor here (.npy)." placeholder:"Y.npy"`
	Aux     bool     `help:"Also run the side heads; their outputs go to Y.<head>.npy."`
	Top     int      `help:"Print the top K classes of each image (0: none, only with --output)." default:"5"`
	JSON    bool     `name:"json" help:"Print the top classes as JSON."`
}

// prediction is one class of one image, for --json.
type prediction struct {
	Class int     `json:"class"`
	Label string  `json:"label,omitempty"`
	Score float32 `json:"score"`
}

func (c *runCmd) Run(a *app) error {
	switch {
	case c.Top < 0:
		return a.usageErr("run", "--top must not be negative, got %d", c.Top)
	case c.Top == 0 && c.Output == "":
		return a.usageErr("run", "--top 0 prints nothing: give --output Y.npy to write the output tensor, or --top K with K at least 1")
	}
	net, err := a.load(c.Spec)
	if err != nil {
		return err
	}
	// The input first: a missing or bad input file is reported before
	// anything is allocated for the weights.
	var x tensor.Tensor
	switch {
	case len(c.Image) > 0:
		if x, err = images(net, c.Image); err != nil {
			return err
		}
	case c.Input != "":
		if x, err = tensor.LoadNpy(c.Input); err != nil {
			return err
		}
		if x, err = batch(x, net.Input, c.Input); err != nil {
			return err
		}
	default:
		return errors.New("run: give --input X.npy or --image IMG")
	}
	if need, limit := runMemory(net, x.Shape[0], c.Aux), host.MemoryLimit(); need > limit {
		return fmt.Errorf("run: %s with a batch of %d needs about %s of memory (weights and the interpreter's values), more than the %s this process can use",
			net.Name, x.Shape[0], host.FormatBytes(need), host.FormatBytes(limit))
	}
	var w tensor.Weights
	if c.Weights != "" {
		// Only the tensors the network uses are read, after the header
		// was checked against them.
		specs, required := weightSpecs(net, c.Aux)
		if w, err = tensor.LoadWeights(c.Weights, specs, required); err != nil {
			return err
		}
	} else {
		w = interp.InitWeights(net, c.Seed, c.Aux)
	}
	ip, err := interp.New(net, w, interp.Options{Heads: c.Aux})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Weights, err)
	}
	res, err := ip.Run(x)
	if err != nil {
		return err
	}
	if c.Output != "" {
		if err := tensor.SaveNpy(c.Output, flat(res.Output)); err != nil {
			return err
		}
		for _, h := range net.Heads {
			if t, ok := res.Heads[h.Name]; ok {
				if err := tensor.SaveNpy(strings.TrimSuffix(c.Output, ".npy")+"."+h.Name+".npy", flat(t)); err != nil {
					return err
				}
			}
		}
	}
	return printTop(a, net, res.Output, c.Top, c.JSON)
}

// runMemory estimates the bytes incc run needs for a batch of n images:
// the weights that run and the values the interpreter holds at its peak
// (each op's output lives from the op to its last reader; the input, the
// outputs and the heads' outputs to the end).
func runMemory(net *ir.Network, n int, heads bool) int64 {
	need := paramBytes(net, heads, 4)
	last := map[int]int{}
	var ops []*ir.Op
	for i := range net.Ops {
		if op := &net.Ops[i]; op.Head == "" || heads {
			for _, in := range op.In {
				last[in] = len(ops)
			}
			ops = append(ops, op)
		}
	}
	keep := map[int]bool{0: true, net.Output: true}
	for _, h := range net.Heads {
		keep[h.Output] = true
	}
	size := func(id int) int64 { return host.MulBytes(int64(4*n), int64(net.Shape(id).Len())) }
	live := size(0)
	peak := live
	for pos, op := range ops {
		live = host.AddBytes(live, size(op.Out))
		peak = max(peak, live)
		for _, in := range op.In {
			if last[in] == pos && !keep[in] {
				live -= size(in)
				keep[in] = true // freed once, even if op reads it twice
			}
		}
	}
	return host.AddBytes(need, peak)
}

// images decodes and preprocesses images into one batch.
func images(net *ir.Network, paths []string) (tensor.Tensor, error) {
	cfg := preprocConfig(net)
	n := cfg.Len()
	x := tensor.New(len(paths), net.Input.C, net.Input.H, net.Input.W)
	for i, p := range paths {
		if err := cfg.Load(p, x.Data[i*n:(i+1)*n]); err != nil {
			return x, err
		}
	}
	return x, nil
}

// batch accepts an input of shape CxHxW (one image) or NxCxHxW.
func batch(x tensor.Tensor, want ir.Shape, name string) (tensor.Tensor, error) {
	s := x.Shape
	if len(s) == 3 {
		s = append([]int{1}, s...)
	}
	if len(s) != 4 || s[1] != want.C || s[2] != want.H || s[3] != want.W {
		return x, fmt.Errorf("%s: input of shape %v, want Nx%dx%dx%d", name, x.Shape, want.C, want.H, want.W)
	}
	return tensor.Tensor{Shape: s, Data: x.Data}, nil
}

// flat drops trailing 1x1 spatial dimensions: logits are saved as [N, classes].
func flat(t tensor.Tensor) tensor.Tensor {
	if len(t.Shape) == 4 && t.Shape[2] == 1 && t.Shape[3] == 1 {
		return tensor.Tensor{Shape: t.Shape[:2], Data: t.Data}
	}
	return t
}

// printTop prints the top k classes of each image of a classifier's output
// (k 0: nothing). An image whose output is not finite has no top classes
// (null in JSON): it is reported on stderr and the exit code is 1.
func printTop(a *app, net *ir.Network, out tensor.Tensor, k int, asJSON bool) error {
	if k <= 0 {
		return nil
	}
	var names []string
	if net.Labels != "" {
		names, _ = labels.Labels(net.Labels)
	}
	n := out.Shape[0]
	per := len(out.Data) / n
	var all [][]prediction
	var bad []string
	for i := 0; i < n; i++ {
		v := out.Data[i*per : (i+1)*per]
		if j := slices.IndexFunc(v, func(x float32) bool { return math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) }); j >= 0 {
			bad = append(bad, fmt.Sprintf("image %d: the output is not finite (%v for class %d)", i, v[j], j))
			all = append(all, nil)
			continue
		}
		var preds []prediction
		for _, cls := range labels.TopK(v, k) {
			p := prediction{Class: cls, Score: v[cls]}
			if cls < len(names) {
				p.Label = names[cls]
			}
			preds = append(preds, p)
		}
		all = append(all, preds)
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"top": all}); err != nil {
			return err
		}
	} else {
		for i, preds := range all {
			if preds == nil {
				continue
			}
			if n > 1 {
				fmt.Fprintf(a.stdout, "image %d:\n", i)
			}
			for _, p := range preds {
				fmt.Fprintf(a.stdout, "  %5d  %10.4f  %s\n", p.Class, p.Score, p.Label)
			}
		}
	}
	for _, b := range bad {
		fmt.Fprintf(a.stderr, "incc: run: %s\n", b)
	}
	if len(bad) > 0 {
		return exitError(1)
	}
	return nil
}
