package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime/bench"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/tensor"
)

// benchCmd is incc bench: compile a spec into a model binary as incc build
// does, with the given weights or those of the seeded initializer, and run
// the binary's bench command (runtime/bench): latency percentiles of a
// batch, images/s, GFLOP/s and the time of every layer (the generated
// Net's Options.Profile).
type benchCmd struct {
	Spec    string `arg:"" help:"Spec file (.inc)."`
	Weights string `help:"Weights (safetensors, named as the spec names them); default: the seeded initializer (--seed)." placeholder:"W.safetensors"`
	Seed    uint64 `help:"Seed of the deterministic initializer, without --weights." default:"1"`
	Batch   int    `help:"Images per inference." default:"1"`
	Threads int    `help:"Threads (0: all CPUs)." default:"0"`
	Iters   int    `help:"Timed inferences." default:"100"`
	Warmup  int    `help:"Untimed inferences first." default:"3"`
	Top     int    `help:"List only the N slowest layers (0: all, in execution order)." default:"0" placeholder:"N"`
	JSON    bool   `name:"json" help:"Print the result as JSON."`
	Keep    bool   `help:"Keep the generated files and print where they are and how to rebuild from them."`
}

func (c *benchCmd) Run(a *app) error {
	net, err := a.load(c.Spec)
	if err != nil {
		return err
	}
	threads := c.Threads
	if threads == 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	switch {
	case c.Batch < 1:
		return a.usageErr("bench", "--batch must be at least 1, got %d", c.Batch)
	case c.Iters < 1:
		return a.usageErr("bench", "--iters must be at least 1, got %d", c.Iters)
	case c.Warmup < 0 || c.Threads < 0 || c.Top < 0:
		return a.usageErr("bench", "--warmup, --threads and --top must not be negative")
	case threads > host.MaxThreads:
		return a.usageErr("bench", "--threads %d: at most %d (more threads than CPUs only slow a run down)", threads, host.MaxThreads)
	}
	// What the flags ask for at least (the network's arena holds its
	// largest value, at least): refused here, before the build. The
	// binary checks the exact sizes again before it makes the network.
	cfg := bench.Config{Input: [3]int{net.Input.C, net.Input.H, net.Input.W}, OutputLen: net.Shape(net.Output).Len(),
		Batch: c.Batch, Iters: c.Iters, Warmup: c.Warmup, Threads: threads}
	if err := bench.Memory(cfg, largestValue(net), paramBytes(net, false, 8)); err != nil { // read, then packed
		return a.usageErr("bench", "%v", err)
	}
	bin := &modelBinary{spec: c.Spec, net: net}
	if c.Weights != "" {
		if bin.weights, bin.sum, err = checkWeights("bench", net, c.Weights, false); err != nil {
			return err
		}
	} else if bin.weights, err = tensor.EncodeSafetensors(interp.InitWeights(net, c.Seed, false), nil); err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	m, err := a.newModelBuild("bench", nil, c.Keep)
	if err != nil {
		return err
	}
	defer m.Close()
	path := filepath.Join(m.tmp, packageName(c.Spec)+m.exe)
	if err := a.compile(m, bin, path); err != nil {
		return err
	}
	args := []string{"bench", "--batch", strconv.Itoa(c.Batch), "--threads", strconv.Itoa(c.Threads),
		"--iters", strconv.Itoa(c.Iters), "--warmup", strconv.Itoa(c.Warmup), "--top", strconv.Itoa(c.Top)}
	if c.JSON {
		args = append(args, "--json")
	}
	cmd := m.command(path, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = a.stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		_, err = a.stderr.Write(stderr.Bytes())
		return err
	case m.ctx.Err() != nil:
		return fmt.Errorf("bench: %v", errInterrupted)
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		// A usage error of the binary (sizes that do not fit, found with
		// the network's exact sizes): said as incc's, without the
		// binary's usage.
		first, _, _ := strings.Cut(stderr.String(), "\n")
		_, msg, _ := strings.Cut(first, " bench: ")
		return a.usageErr("bench", "%s", msg)
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		a.stderr.Write(stderr.Bytes())
		return exitError(ee.ExitCode()) // the binary said why
	}
	return fmt.Errorf("bench: %v", err)
}

// paramBytes is the memory of the weights that run (with heads, the side
// heads' too), at perValue bytes a value.
func paramBytes(net *ir.Network, heads bool, perValue int64) int64 {
	var n int64
	for _, p := range net.Params(heads) {
		k := perValue
		for _, d := range p.Shape {
			k = host.MulBytes(k, int64(d))
		}
		n = host.AddBytes(n, k)
	}
	return n
}

// largestValue is the bytes of the largest value of the trunk other than
// the input: a thread's arena holds it, at least.
func largestValue(net *ir.Network) int64 {
	var n int64
	for i := range net.Ops {
		if op := &net.Ops[i]; op.Head == "" {
			n = max(n, 4*int64(net.Shape(op.Out).Len()))
		}
	}
	return n
}
