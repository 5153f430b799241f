package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/compiler/stats"
	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/runtime/preproc"
)

// inccModule is the module that provides the runtime a model binary links.
const inccModule = "github.com/inccdev/incc"

// modelBinary is a model binary that incc build and incc bench compile:
// the generated network package, a main made by codegen.GenerateMain and
// the weights file it embeds (see package runtime/modelcli).
type modelBinary struct {
	spec    string // the spec's path as given
	net     *ir.Network
	weights []byte // a safetensors file checked against the spec
	sum     string // its sha256 (hex)
	heads   bool
	threads int // the binary's default (0: all CPUs)
}

// modelBuild is the go build of a model binary in the current Go module,
// through an overlay (see goBuild); Close removes its files.
type modelBuild struct {
	*goBuild
	cmd            string   // "build" or "bench", for messages
	target         []string // environment of the go commands (GOOS=, GOARCH=)
	goos, goarch   string
	exe            string // the target's executable suffix
	modPath, gomod string
}

// newModelBuild starts the build of a model binary for command cmd in the
// current Go module, which must be incc's own or require it. With keep, the
// files stay and their place is printed.
func (a *app) newModelBuild(cmd string, target []string, keep bool) (*modelBuild, error) {
	env, err := goEnv(target, "GOMOD", "GOOS", "GOARCH", "GOEXE")
	if err != nil {
		return nil, err
	}
	m := &modelBuild{cmd: cmd, target: target, gomod: env[0], goos: env[1], goarch: env[2], exe: env[3]}
	example := map[string]string{"build": "build SPEC --weights W.safetensors", "bench": "bench SPEC"}[cmd]
	if m.gomod == "" || m.gomod == os.DevNull {
		wd, _ := os.Getwd()
		return nil, fmt.Errorf("%s: %s is not inside a Go module. incc %s compiles the model binary with go build "+
			"in the current module, which must require %s. Set one up, with incc as its tool, and build there:\n\n"+
			"\tgo mod init example.com/models && go get -tool %s/cmd/incc\n"+
			"\tgo tool incc %s\n\n"+
			"(or run incc %s in a clone of incc)", cmd, wd, cmd, inccModule, inccModule, example, cmd)
	}
	modDir := filepath.Dir(m.gomod)
	if m.modPath, err = modulePath(m.gomod); err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	if m.modPath != inccModule {
		if _, err := goCmd(modDir, target, "list", "-m", inccModule); err != nil {
			return nil, fmt.Errorf("%s: module %s (%s) does not require %s, whose runtime the model binary links. "+
				"Add incc as the module's tool, and build with it:\n\n"+
				"\tgo get -tool %s/cmd/incc\n\tgo tool incc %s\n\n(%v)", cmd, m.modPath, m.gomod, inccModule, inccModule, example, err)
		}
	}
	if m.goBuild, err = newGoBuild(modDir, m.modPath); err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	if keep {
		fmt.Fprintf(a.stderr, "incc %s: keeping %s\n", cmd, m.keep())
		m.keepFiles = true
	}
	return m, nil
}

// compile writes the files of bin and builds the binary into out: static
// (CGO_ENABLED=0), without paths or symbols (-trimpath, -ldflags=-s -w),
// so that the same inputs give the same bytes.
func (a *app) compile(m *modelBuild, bin *modelBinary, out string) error {
	source, err := regular.ReadFile(bin.spec)
	if err != nil {
		return err
	}
	pkg := packageName(bin.spec)
	switch pkg {
	case "os", "embed", "modelcli", "preproc", "model", "weights": // names main.go uses
		pkg = "network"
	}
	spec := specName(bin.spec) // generated files name it from the module root
	bin.net.RenameFile(spec)
	netSrc, err := codegen.Generate(bin.net, codegen.Options{Package: pkg, Spec: spec})
	if err != nil {
		return a.generateError(pkg+"_gen.go", err)
	}
	var table bytes.Buffer
	if err := stats.Write(&table, stats.Compute(bin.net, bin.heads), "table"); err != nil {
		return err
	}
	mainSrc, err := codegen.GenerateMain(bin.net, codegen.MainOptions{
		NetImport: m.importPath(pkg), NetPackage: pkg,
		Spec: spec, Source: string(source), Stats: table.String(),
		Weights: "weights.safetensors", WeightsSHA256: bin.sum,
		Heads: bin.heads, Threads: bin.threads, Preprocess: preprocConfig(bin.net),
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
		{"weights.safetensors", bin.weights},
	} {
		if err := m.add(f.path, f.data); err != nil {
			return fmt.Errorf("%s: %v", m.cmd, err)
		}
	}
	msg, err := m.run(out, append(m.target, "CGO_ENABLED=0"), "-trimpath", "-buildvcs=false", "-ldflags=-s -w")
	if err != nil {
		if errors.Is(err, errInterrupted) {
			return fmt.Errorf("%s: %v", m.cmd, err)
		}
		return fmt.Errorf("%s: go build for %s/%s failed: %v\n%s%s", m.cmd, m.goos, m.goarch, err, msg, buildHint(msg, m.modPath))
	}
	return nil
}

// buildHint says what to do about the output msg of a go build of a model
// binary that failed in module modPath, if it can tell.
func buildHint(msg, modPath string) string {
	switch {
	case strings.Contains(msg, "RuntimeTooOld"):
		return "\n(the module requires an older " + inccModule + " than this incc, which generated the code for its own runtime: " +
			"update it with go get " + inccModule + ", or run the module's incc, go tool incc)"
	case strings.Contains(msg, "missing go.sum entry"):
		return "\n(the module lacks what a model binary links: run go get " + inccModule + "/runtime/modelcli)"
	case modPath != inccModule:
		return "\n(the generated code needs the runtime of the incc that generated it: run incc from the module, " +
			"e.g. go tool incc after go get -tool " + inccModule + "/cmd/incc)"
	}
	return ""
}

// preprocConfig is the image pipeline of a network's input, as a model
// binary and incc run apply it: the input's shape and the spec's
// preprocessing (none: the image is only resized to the input size and
// scaled to [0, 1]). It is the one mapping of ir.Preprocess to
// preproc.Config.
func preprocConfig(net *ir.Network) preproc.Config {
	cfg := preproc.Config{Channels: net.Input.C, Height: net.Input.H, Width: net.Input.W}
	if p := net.Pre; p != nil {
		cfg.Resize, cfg.Interpolation, cfg.CropH, cfg.CropW = p.Resize, p.Interpolation, p.CropH, p.CropW
		cfg.Scale, cfg.Order, cfg.Mean, cfg.Std = p.Scale, p.Order, p.Mean, p.Std
	}
	return cfg
}

// modulePath reads the module path from a go.mod file.
func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if p := modfile.ModulePath(data); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("%s has no module line", gomod)
}
