// Package atomicfile replaces files without a moment where they are cut
// off: the new contents go to a temporary file in the same directory,
// which is synced to disk and then renamed over the file. A write that
// fails (a full disk, a file-size limit, an interrupt) leaves the old file
// as it was and no temporary file behind.
//
// It imports only the standard library: model binaries link it (the
// runtime writes .npy and safetensors files with it).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// WriteFile replaces the file at path with data; see [Write].
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write replaces the file at path with what write writes. The file keeps
// its permission bits if it exists (perm is for a new file, before the
// umask); a symbolic link is followed, so that the file it names is
// replaced, not the link. The directory must be writable, for the
// temporary file. Other names (hard links) of the old file keep the old
// contents, as with any rename. A path that names a device or a pipe
// (/dev/stdout) is written to directly.
func Write(path string, perm fs.FileMode, write func(w io.Writer) error) (err error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	fi, statErr := os.Stat(path)
	if statErr == nil && !fi.Mode().IsRegular() {
		// A device or a pipe (/dev/stdout): nothing to keep, nothing to
		// rename over; write to it.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// O_EXCL with a random name, rather than os.CreateTemp, so that a new
	// file gets perm under the umask.
	var f *os.File
	for i := 0; ; i++ {
		f, err = os.OpenFile(filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36)), os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			return fmt.Errorf("write %s: creating a temporary file beside it: %w", path, err)
		}
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if statErr == nil {
		if err := f.Chmod(fi.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}
