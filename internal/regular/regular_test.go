package regular

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	want := strings.Repeat("incc ", 1000)
	if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink("a.txt", link); err != nil {
		t.Skip(err)
	}
	for _, path := range []string{p, link} {
		got, err := ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes", path, len(got), err, len(want))
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err := ReadFile(dir)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: %v", err)
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		mode fs.FileMode
		want string
	}{
		{0o644, ""},
		{fs.ModeDir, "open p: is a directory"},
		{fs.ModeNamedPipe, "open p: not a regular file (named pipe)"},
		{fs.ModeSocket, "open p: not a regular file (socket)"},
		{fs.ModeDevice | fs.ModeCharDevice, "open p: not a regular file (character device)"},
		{fs.ModeDevice, "open p: not a regular file (block device)"},
		{fs.ModeSymlink, "open p: not a regular file (symbolic link)"},
		{fs.ModeIrregular, "open p: not a regular file (irregular file)"},
	} {
		err := Check("p", tt.mode)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: %v", tt.mode, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, ErrNotRegular)):
			t.Errorf("%v: %v, want %q", tt.mode, err, tt.want)
		}
	}
}
