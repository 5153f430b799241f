package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/internal/atomicfile"
	"github.com/inccdev/incc/internal/regular"
)

// genCmd is incc gen: compile a spec to a Go package source file.
//
//	//go:generate go run ../../cmd/incc gen -o . --pkg googlenet ../../specs/googlenet.inc
type genCmd struct {
	Spec string `arg:"" help:"Spec file (.inc). The generated file's header and doc comments name it by its path from the module root."`
	Out  string `short:"o" default:"." help:"Directory to write <pkg>_gen.go into."`
	Pkg  string `short:"p" help:"Package name, a Go identifier (default: the spec's base name, made one)."`
}

func (c *genCmd) Run(a *app) error {
	pkg := c.Pkg
	if pkg == "" {
		pkg = packageName(c.Spec)
	} else if err := codegen.CheckPackage(pkg); err != nil {
		return fmt.Errorf("gen: --pkg %s: %v", pkg, strings.TrimPrefix(err.Error(), "codegen: "))
	}
	net, spec, err := a.loadForOutput(c.Spec)
	if err != nil {
		return err
	}
	path := filepath.Join(c.Out, pkg+"_gen.go")
	src, err := codegen.Generate(net, codegen.Options{Package: pkg, Spec: spec})
	if err != nil {
		return a.generateError(path, err)
	}
	_, err = writeIfChanged(path, src)
	return err
}

// generateError is err, from generating the file at path; an internal
// format failure writes the raw source to path.broken under --debug.
func (a *app) generateError(path string, err error) error {
	var fe *codegen.FormatError
	if !errors.As(err, &fe) {
		return err
	}
	if !a.debug {
		return fmt.Errorf("%v (run with --debug to keep the raw source)", err)
	}
	if werr := os.WriteFile(path+".broken", fe.Source, 0o644); werr != nil {
		return fmt.Errorf("%v; writing %s.broken: %v", err, path, werr)
	}
	return fmt.Errorf("%v; the raw source is in %s.broken", err, path)
}

// packageName derives a package name from a spec path: the base name
// without extension, lower case, every other character than a letter or
// digit replaced by '_', with a leading digit prefixed by 'n'; a Go
// keyword or main becomes "network".
func packageName(spec string) string {
	base := strings.TrimSuffix(filepath.Base(spec), filepath.Ext(spec))
	var b strings.Builder
	for i, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('n')
			}
		default:
			r = '_'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "net"
	}
	if codegen.CheckPackage(b.String()) != nil {
		return "network"
	}
	return b.String()
}

// writeIfChanged writes data to path unless the file already holds exactly
// these bytes (so that mtimes and the build cache stay put). It reports
// whether it wrote.
func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := regular.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return false, err
	}
	return true, nil
}
