package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/inccdev/incc/compiler/ir"
)

// specFiles expands the command line's files: a directory stands for the
// .inc files under it, recursively, in lexical order, as gofmt and go vet
// take directories. Below a directory given, directories named testdata or
// starting with "." or "_" are skipped, as the go command's ./... does
// (name one to include it). A name that is not a directory is kept as
// given, so that reading it reports what is wrong with it.
func specFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			files = append(files, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != arg && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".inc") && !strings.HasPrefix(name, ".") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// specName is how generated files name a spec: by its path from the root
// of the Go module that holds it (the nearest directory above it with a
// go.mod), with slashes, so that the output does not depend on the
// directory incc ran in. Outside a module it is the path as given.
func specName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return filepath.ToSlash(rel)
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return filepath.ToSlash(path)
}

// loadForOutput is load for the commands that write generated files: the
// IR names the spec by [specName] (errors are still reported under the
// path as given).
func (a *app) loadForOutput(path string) (*ir.Network, string, error) {
	net, err := a.load(path)
	if err != nil {
		return nil, "", err
	}
	name := specName(path)
	net.RenameFile(name)
	return net, name, nil
}
