package main

import (
	"bytes"
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
	Spec string `arg:"" help:"Spec file (.inc). The path is written, as given, in the generated file's header and doc comments."`
	Out  string `short:"o" default:"." help:"Directory to write <pkg>_gen.go into."`
	Pkg  string `short:"p" help:"Package name (default: the spec's base name, made a Go identifier)."`
}

func (c *genCmd) Run(a *app) error {
	net, err := a.load(c.Spec)
	if err != nil {
		return err
	}
	pkg := c.Pkg
	if pkg == "" {
		pkg = packageName(c.Spec)
	}
	src, err := codegen.Generate(net, codegen.Options{Package: pkg, Spec: filepath.ToSlash(c.Spec)})
	if err != nil {
		return err
	}
	_, err = writeIfChanged(filepath.Join(c.Out, pkg+"_gen.go"), src)
	return err
}

// packageName derives a package name from a spec path: the base name
// without extension, lower case, every other character than a letter or
// digit replaced by '_', with a leading digit prefixed by 'n'.
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
