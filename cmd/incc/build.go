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
	"strings"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/tensor"
)

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
	if c.Threads < 0 || c.Threads > host.MaxThreads {
		return a.usageErr("build", "--threads must be 0 (all CPUs) to %d, got %d", host.MaxThreads, c.Threads)
	}
	data, sum, err := checkWeights("build", net, c.Weights, c.Heads)
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
	m, err := a.newModelBuild("build", target, c.Keep)
	if err != nil {
		return err
	}
	defer m.Close()
	out := c.Out
	if out == "" {
		out = packageName(c.Spec) + m.exe
	}
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	bin := &modelBinary{spec: c.Spec, net: net, weights: data, sum: sum, heads: c.Heads, threads: c.Threads}
	if err := a.compile(m, bin, out); err != nil {
		return err
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
		shown, net.Name, m.goos, m.goarch, float64(fi.Size())/1e6, filepath.Base(c.Weights), sum)
	return nil
}

// checkWeights reads the weights file and checks it against the spec as the
// generated Load will (names, shapes, values; with heads, the side heads'
// too), reading only the tensors the network uses. It returns the file's
// bytes and their sha256; errors start with cmd.
func checkWeights(cmd string, net *ir.Network, path string, heads bool) ([]byte, string, error) {
	specs, required := weightSpecs(net, heads)
	if _, err := tensor.LoadWeights(path, specs, required); err != nil {
		if !errors.Is(err, tensor.ErrWeights) {
			return nil, "", fmt.Errorf("%s: %v", cmd, err)
		}
		l := &listError{head: fmt.Sprintf("%s: %s does not fit %s:", cmd, path, net.File)}
		for _, e := range unjoin(err) { // runtime caps the list
			l.items = append(l.items, e.Error())
		}
		return nil, "", l
	}
	data, err := regular.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", cmd, err)
	}
	s := sha256.Sum256(data)
	return data, hex.EncodeToString(s[:]), nil
}

// weightSpecs is the weight manifest of net, as generated code lists it
// (Params): the trunk's tensors first, then the side heads'; required is
// how many of them a run reads (with heads, all).
func weightSpecs(net *ir.Network, heads bool) (specs []tensor.Spec, required int) {
	for _, p := range net.Params(true) {
		specs = append(specs, tensor.Spec{Name: p.Name, Shape: p.Shape, NonNegative: p.Role == ir.RoleRunningVar})
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
	if err := preprocConfig(net).Validate(); err != nil {
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
