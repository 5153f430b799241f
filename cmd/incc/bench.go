package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"text/template"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime"
)

// benchCmd is incc bench: compile a spec as incc build does (the generated
// package, built by go build in the current module through an overlay,
// see goBuild) with a main that times inferences with runtime.Bench, and
// run it: latency percentiles of a batch, images/s, GFLOP/s and the time of
// every layer (the generated Net's Options.Profile).
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
	case threads > runtime.MaxThreads:
		return a.usageErr("bench", "--threads %d: at most %d (more threads than CPUs only slow a run down)", threads, runtime.MaxThreads)
	}
	// What the flags ask for at least (the network's arena holds its
	// largest value, at least): refused here, before the build. The
	// benchmark checks the exact sizes again before it makes the network.
	cfg := runtime.BenchConfig{Input: [3]int{net.Input.C, net.Input.H, net.Input.W}, OutputLen: net.Shape(net.Output).Len(),
		Batch: c.Batch, Iters: c.Iters, Warmup: c.Warmup, Threads: threads}
	if err := runtime.BenchMemory(cfg, largestValue(net), paramBytes(net, false, 8)); err != nil { // read, then packed
		return a.usageErr("bench", "%v", err)
	}
	weights := ""
	if c.Weights != "" {
		if _, _, err := checkWeights(net, c.Weights, false); err != nil {
			return errors.New(strings.Replace(err.Error(), "build: ", "bench: ", 1))
		}
		if weights, err = filepath.Abs(c.Weights); err != nil {
			return err
		}
	}
	env, err := goEnv(nil, "GOMOD")
	if err != nil {
		return err
	}
	gomod := env[0]
	if gomod == "" || gomod == os.DevNull {
		return fmt.Errorf("bench: not inside a Go module; run incc bench in a module that requires %s (or in a clone of incc)", inccModule)
	}
	modDir := filepath.Dir(gomod)
	modPath, err := modulePath(gomod)
	if err != nil {
		return err
	}
	if modPath != inccModule {
		if _, err := goCmd(modDir, nil, "list", "-m", inccModule); err != nil {
			return fmt.Errorf("bench: module %s does not require %s: go get -tool %s/cmd/incc (%v)", modPath, inccModule, inccModule, err)
		}
	}
	b, err := newGoBuild(modDir, modPath)
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	if c.Keep {
		fmt.Fprintf(a.stderr, "incc bench: keeping %s\n", b.keep())
		defer b.stop()
	} else {
		defer b.Close()
	}
	pkg := packageName(c.Spec)
	spec := specName(c.Spec) // generated files name it from the module root
	net.RenameFile(spec)
	netSrc, err := codegen.Generate(net, codegen.Options{Package: pkg, Spec: spec})
	if err != nil {
		return a.generateError(pkg+"_gen.go", err)
	}
	var mainSrc bytes.Buffer
	if err := benchMain.Execute(&mainSrc, map[string]any{
		"Spec": spec, "Import": b.importPath(pkg), "Name": net.Name,
		"Weights": weights, "Seed": c.Seed, "Threads": c.Threads, "Batch": c.Batch, "Iters": c.Iters,
		"Warmup": c.Warmup, "Top": c.Top, "JSON": c.JSON,
	}); err != nil {
		return err
	}
	main, err := format.Source(mainSrc.Bytes())
	if err != nil {
		return fmt.Errorf("bench: main: %v", err)
	}
	if err := b.add(pkg+"/"+pkg+"_gen.go", netSrc); err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	if err := b.add("main.go", main); err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	bin := filepath.Join(b.tmp, "bench"+exeSuffix())
	if msg, err := b.run(bin, nil); errors.Is(err, errInterrupted) {
		return fmt.Errorf("bench: %v", err)
	} else if err != nil {
		return fmt.Errorf("bench: go build failed: %v\n%s", err, msg)
	}
	cmd := b.command(bin)
	cmd.Stdout, cmd.Stderr = a.stdout, a.stderr
	if err := cmd.Run(); err != nil {
		if b.ctx.Err() != nil {
			err = errInterrupted
		} else if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() > 0 {
			return exitError(ee.ExitCode()) // the benchmark printed why
		}
		return fmt.Errorf("bench: %v", err)
	}
	return nil
}

// paramBytes is the memory of the weights that run (with heads, the side
// heads' too), at perValue bytes a value.
func paramBytes(net *ir.Network, heads bool, perValue int64) int64 {
	var n int64
	for _, p := range net.Params(heads) {
		k := perValue
		for _, d := range p.Shape {
			k = runtime.MulBytes(k, int64(d))
		}
		n = runtime.AddBytes(n, k)
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

// exeSuffix is ".exe" on Windows.
func exeSuffix() string {
	if env, err := goEnv(nil, "GOEXE"); err == nil {
		return env[0]
	}
	return ""
}

// benchMain is the main package incc bench runs.
var benchMain = template.Must(template.New("main").Parse(`// Code generated by incc bench from {{.Spec}}. DO NOT EDIT.

// Command bench times the network {{.Name}} with runtime.Bench.
package main

import (
{{- if .JSON}}
	"encoding/json"
{{- end}}
	"fmt"
	"os"
	goruntime "runtime"

	network {{printf "%q" .Import}}
	rt "github.com/inccdev/incc/runtime"
)

func main() {
	threads := {{.Threads}}
	if threads < 1 {
		threads = goruntime.GOMAXPROCS(0)
	}
	cfg := rt.BenchConfig{Input: network.InputShape, OutputLen: network.OutputLen,
		Batch: {{.Batch}}, Iters: {{.Iters}}, Warmup: {{.Warmup}}, Threads: threads}
	var weights int64
	for _, p := range network.Params[:network.TrunkParams] {
		n := int64(8) // read, then packed
		for _, d := range p.Shape {
			n = rt.MulBytes(n, int64(d))
		}
		weights = rt.AddBytes(weights, n)
	}
	if err := rt.BenchMemory(cfg, network.ThreadBytes, weights); err != nil {
		fmt.Fprintf(os.Stderr, "incc bench: %v\n", err)
		os.Exit(2)
	}
	opts := network.Options{Threads: threads, Profile: true}
{{- if .Weights}}
	net, err := network.Load({{printf "%q" .Weights}}, opts)
{{- else}}
	net, err := network.NewSeeded({{.Seed}}, opts)
{{- end}}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer net.Close()
	r, err := rt.Bench(net, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r.Model = {{printf "%q" .Name}}
{{- if .JSON}}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	err = enc.Encode(r)
{{- else}}
	err = r.WriteText(os.Stdout, {{.Top}})
{{- end}}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`))
