// Package regular opens files for reading only if they are regular files.
//
// Opening a named pipe for reading blocks until a writer opens it, and
// reading a device or a pipe may never end, so a reader handed such a file
// by name (an image called x.png that is a FIFO) would hang. [Open] opens
// without blocking (O_NONBLOCK on Unix) and checks the type of the file it
// opened, not of the name before opening, so that a file swapped for a
// pipe in between is refused too. [Check] refuses a file from its
// fs.FileInfo without opening it, for directory walks.
//
// It imports only the standard library: model binaries link it.
package regular

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is what the errors of a file that is not a regular file
// (a directory, a named pipe, a socket, a device) match with errors.Is.
var ErrNotRegular = errors.New("not a regular file")

// notRegular is the error for a file of a given type.
type notRegular struct{ mode fs.FileMode }

func (e notRegular) Error() string {
	if e.mode.IsDir() {
		return "is a directory"
	}
	return "not a regular file (" + Kind(e.mode) + ")"
}

func (e notRegular) Is(target error) bool { return target == ErrNotRegular }

// Kind names the type of a file mode in words: "regular file",
// "directory", "named pipe", "socket", "character device", "block
// device", "symbolic link" or "irregular file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "irregular file"
}

// Check returns an error naming path unless the file whose type is mode
// is a regular file. A symbolic link is refused: stat what it points to.
func Check(path string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil
	}
	return &fs.PathError{Op: "open", Path: path, Err: notRegular{mode}}
}

// Open opens the file at path for reading, without blocking, and returns
// it with its FileInfo if it is a regular file; otherwise it closes it and
// returns an error (an *fs.PathError) matching [ErrNotRegular].
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = Check(path, fi.Mode())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// ReadFile is os.ReadFile for regular files only (see [Open]).
func ReadFile(path string) ([]byte, error) {
	f, fi, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size is a hint: the file may grow or shrink while it is read.
	data := make([]byte, 0, fi.Size()+512)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}
