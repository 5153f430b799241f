package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
