package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/compiler/stats"
	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/runtime"
)

// inccModule is the module that provides the runtime a model binary links.
const inccModule = "github.com/inccdev/incc"

// buildCmd is incc build: compile a spec and its weights into one static
// binary that classifies images (see package runtime/modelcli).
//
// It generates a main package and the network's package, which go build
// sees in the current Go module at _incc-build (see goBuild: the files are
// in a temporary directory, so the binary does not depend on where, and
// nothing is written into the module), and builds them with go build
// -trimpath and CGO_ENABLED=0 for the caller's GOOS and GOARCH (or --goos,
// --goarch). The module must be incc's own or require
// github.com/inccdev/incc.
type buildCmd struct {
	Spec    string `arg:"" help:"Spec file (.inc)."`
	Weights string `required:"" help:"Weights (safetensors, named as the spec names them); checked against the spec and embedded in the binary." placeholder:"W.safetensors"`
	Out     string `short:"o" help:"The binary to write (default: the spec's base name, with .exe for Windows)." placeholder:"MODEL"`
	Heads   bool   `help:"Run the side heads too: their weights are required, and classify prints their top classes."`
	Threads int    `help:"The binary's default number of threads (0: all CPUs)." default:"0"`
	GOOS    string `name:"goos" help:"Target operating system (default: $GOOS, else the host's), e.g. windows, darwin." placeholder:"OS"`
	GOARCH  string `name:"goarch" help:"Target architecture (default: $GOARCH, else the host's), e.g. arm64." placeholder:"ARCH"`
	Keep    bool   `help:"Keep the generated files and print where they are and how to rebuild from them."`
}

func (c *buildCmd) Run(a *app) error {
	net, err := a.load(c.Spec)
	if err != nil {
		return err
	}
	if c.Threads < 0 || c.Threads > runtime.MaxThreads {
		return a.usageErr("build", "--threads must be 0 (all CPUs) to %d, got %d", runtime.MaxThreads, c.Threads)
	}
	data, sum, err := checkWeights(net, c.Weights, c.Heads)
	if err != nil {
		return err
	}
	if err := checkInput(net); err != nil {
		return fmt.Errorf("build: %s: %v", c.Spec, err)
	}
	var target []string // environment of the go commands
	if c.GOOS != "" {
		target = append(target, "GOOS="+c.GOOS)
	}
	if c.GOARCH != "" {
		target = append(target, "GOARCH="+c.GOARCH)
	}
	env, err := goEnv(target, "GOMOD", "GOOS", "GOARCH", "GOEXE")
	if err != nil {
		return err
	}
	gomod, goos, goarch := env[0], env[1], env[2]
	if gomod == "" || gomod == os.DevNull {
		wd, _ := os.Getwd()
		return fmt.Errorf("build: %s is not inside a Go module. incc build compiles the model binary with go build "+
			"in the current module, which must require %s. Set one up, with incc as its tool, and build there:\n\n"+
			"\tgo mod init example.com/models && go get -tool %s/cmd/incc\n"+
			"\tgo tool incc build SPEC --weights W.safetensors\n\n"+
			"(or run incc build in a clone of incc)", wd, inccModule, inccModule)
	}
	modDir := filepath.Dir(gomod)
	modPath, err := modulePath(gomod)
	if err != nil {
		return err
	}
	if modPath != inccModule {
		if _, err := goCmd(modDir, target, "list", "-m", inccModule); err != nil {
			return fmt.Errorf("build: module %s (%s) does not require %s, whose runtime the model binary links. "+
				"Add incc as the module's tool, and build with it:\n\n"+
				"\tgo get -tool %s/cmd/incc\n\tgo tool incc build SPEC --weights W.safetensors\n\n(%v)", modPath, gomod, inccModule, inccModule, err)
		}
	}
	out := c.Out
	if out == "" {
		out = packageName(c.Spec) + env[3]
	}
	if out, err = filepath.Abs(out); err != nil {
		return err
	}

	source, err := regular.ReadFile(c.Spec)
	if err != nil {
		return err
	}
	b, err := newGoBuild(modDir, modPath)
	if err != nil {
		return fmt.Errorf("build: %v", err)
	}
	if c.Keep {
		fmt.Fprintf(a.stderr, "incc build: keeping %s\n", b.keep())
		defer b.stop()
	} else {
		defer b.Close()
	}
	pkg := packageName(c.Spec)
	switch pkg {
	case "os", "embed", "modelcli", "preproc", "model", "weights": // names main.go uses
		pkg = "network"
	}
	spec := specName(c.Spec) // generated files name it from the module root
	net.RenameFile(spec)
	netSrc, err := codegen.Generate(net, codegen.Options{Package: pkg, Spec: spec})
	if err != nil {
		return a.generateError(pkg+"_gen.go", err)
	}
	var table bytes.Buffer
	if err := stats.Write(&table, stats.Compute(net, c.Heads), "table"); err != nil {
		return err
	}
	mainSrc, err := codegen.GenerateMain(net, codegen.MainOptions{
		NetImport: b.importPath(pkg), NetPackage: pkg,
		Spec: spec, Source: string(source), Stats: table.String(),
		Weights: "weights.safetensors", WeightsSHA256: sum,
		Heads: c.Heads, Threads: c.Threads,
	})
	if err != nil {
		return a.generateError("main.go", err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{
		{pkg + "/" + pkg + "_gen.go", netSrc},
		{"main.go", mainSrc},
		{"weights.safetensors", data},
	} {
		if err := b.add(f.path, f.data); err != nil {
			return fmt.Errorf("build: %v", err)
		}
	}
	msg, err := b.run(out, append(target, "CGO_ENABLED=0"), "-trimpath", "-buildvcs=false", "-ldflags=-s -w")
	if errors.Is(err, errInterrupted) {
		return fmt.Errorf("build: %v", err)
	}
	if err != nil {
		switch {
		case strings.Contains(msg, "missing go.sum entry"):
			msg += "\n(the module lacks what a model binary links: run go get " + inccModule + "/runtime/modelcli)"
		case modPath != inccModule:
			msg += "\n(the generated code needs the runtime of the incc that generated it: run incc from the module, " +
				"e.g. go tool incc after go get -tool " + inccModule + "/cmd/incc)"
		}
		return fmt.Errorf("build: go build for %s/%s failed: %v\n%s", goos, goarch, err, msg)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	shown := c.Out
	if shown == "" {
		shown = filepath.Base(out)
	}
	fmt.Fprintf(a.stdout, "%s: %s for %s/%s, %.1f MB, weights %s sha256 %s\n",
		shown, net.Name, goos, goarch, float64(fi.Size())/1e6, filepath.Base(c.Weights), sum)
	return nil
}

// checkWeights reads the weights file and checks it against the spec as the
// generated Load will (names, shapes, values; with heads, the side heads'
// too), reading only the tensors the network uses. It returns the file's
// bytes and their sha256.
func checkWeights(net *ir.Network, path string, heads bool) ([]byte, string, error) {
	specs, required := weightSpecs(net, heads)
	if _, err := runtime.LoadWeights(path, specs, required); err != nil {
		if !errors.Is(err, runtime.ErrWeights) {
			return nil, "", fmt.Errorf("build: %v", err)
		}
		l := &listError{head: fmt.Sprintf("build: %s does not fit %s:", path, net.File)}
		for _, e := range unjoin(err) { // runtime caps the list
			l.items = append(l.items, e.Error())
		}
		return nil, "", l
	}
	data, err := regular.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("build: %v", err)
	}
	s := sha256.Sum256(data)
	return data, hex.EncodeToString(s[:]), nil
}

// weightSpecs is the weight manifest of net, as generated code lists it
// (Params): the trunk's tensors first, then the side heads'; required is
// how many of them a run reads (with heads, all).
func weightSpecs(net *ir.Network, heads bool) (specs []runtime.Spec, required int) {
	for _, p := range net.Params(true) {
		specs = append(specs, runtime.Spec{Name: p.Name, Shape: p.Shape, NonNegative: p.Role == ir.RoleRunningVar})
	}
	required = len(net.Params(false))
	if heads {
		required = len(specs)
	}
	return specs, required
}

// listError is a heading and a list of problems, printed one per line.
type listError struct {
	head  string
	items []string
}

func (e *listError) Error() string { return e.head + "\n\t" + strings.Join(e.items, "\n\t") }

// Lines returns the heading and the items, one per line, for printErr.
func (e *listError) Lines() []string {
	return append([]string{e.head}, e.items...)
}

// unjoin returns the errors of an errors.Join, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// checkInput checks that the network's input and preprocessing are ones a
// model binary can feed images to.
func checkInput(net *ir.Network) error {
	cfg := preprocConfig(net)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("input %v cannot be made from images: %v", net.Input, strings.TrimPrefix(err.Error(), "preproc: "))
	}
	return nil
}

// goEnv returns the values of go env variables, with the environment
// variables env set.
func goEnv(env []string, vars ...string) ([]string, error) {
	out, err := goCmd("", env, append([]string{"env"}, vars...)...)
	if err != nil {
		return nil, err
	}
	vals := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(vals) != len(vars) {
		return nil, fmt.Errorf("build: go env %s: %q", strings.Join(vars, " "), out)
	}
	return vals, nil
}

// goCmd runs the go command in dir, with the environment variables env
// set, and returns its standard output.
func goCmd(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("build: the go command is not on the PATH; incc build needs Go (https://go.dev/dl/)")
		}
		return "", fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// modulePath reads the module path from a go.mod file.
func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" {
			if p, err := strconv.Unquote(f[1]); err == nil {
				return p, nil
			}
			return f[1], nil
		}
	}
	return "", fmt.Errorf("build: %s has no module line", gomod)
}
