package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.inc")
	if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new contents"), 0o666); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "new contents" || err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("got %q, mode %v; want the new contents, mode 0640 kept", b, fi.Mode())
	}
	// Through a symbolic link: the file it names is replaced, the link
	// stays a link.
	link := filepath.Join(dir, "link.inc")
	if err := os.Symlink("a.inc", link); err != nil {
		t.Skip(err)
	}
	if err := WriteFile(link, []byte("via link"), 0o666); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "via link" {
		t.Errorf("through the link: %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	// A new file.
	if err := WriteFile(filepath.Join(dir, "new"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "a.inc", "link.inc", "new")
}

// TestWriteFails: a write that fails leaves the old file as it was, and no
// temporary file.
func TestWriteFails(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.inc")
	os.WriteFile(p, []byte("old"), 0o644)
	boom := errors.New("disk full")
	err := Write(p, 0o644, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the old file now holds %q", b)
	}
	assertOnly(t, dir, "a.inc")

	// A read-only directory: no temporary file can be made, so nothing is
	// written (the file itself is writable).
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		return
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if err := WriteFile(p, []byte("new"), 0o644); err == nil {
		t.Error("no error in a read-only directory")
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the old file now holds %q", b)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}
