//go:build linux

package modelcli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runGuarded runs the command line and fails the test if it does not
// end: the deadline is a guard against a hang, not a measure.
func runGuarded(t *testing.T, m *Model, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errw := run(m, args...)
		done <- result{code, out, errw}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(2 * time.Minute):
		t.Fatalf("%v hangs", args)
	}
	return 0, "", ""
}

// mkfifo makes a named pipe that no one writes to.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestClassifySpecialFiles: a named pipe, a socket or a device named like
// an image, given by name, found in a directory or reached through a
// symbolic link, is reported as not a regular file; it does not block the
// run (opening a pipe for reading waits for a writer) and the other
// images of the batch are classified.
func TestClassifySpecialFiles(t *testing.T) {
	dir := t.TempDir()
	grayPNG(t, filepath.Join(dir, "a.png"), 3, 8)
	mkfifo(t, filepath.Join(dir, "b.png"))
	grayPNG(t, filepath.Join(dir, "c.png"), 4, 8)
	if err := os.Symlink("b.png", filepath.Join(dir, "d.png")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "e.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m := fakeModel(t, 8, 8)
	code, out, errw := runGuarded(t, m, "classify", "--top", "1", "--batch", "8", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"a.png\n", "c.png\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s not classified; stdout:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"b.png: not a regular file (named pipe)",
		"d.png: not a regular file (named pipe)",
		"e.png: not a regular file (socket)",
		"2 of 5 images classified",
	} {
		if !strings.Contains(errw, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errw)
		}
	}

	// Named on the command line, with a good image.
	code, out, errw = runGuarded(t, m, "classify", filepath.Join(dir, "b.png"), "/dev/null", filepath.Join(dir, "a.png"))
	if code != 1 || !strings.Contains(errw, "b.png: not a regular file (named pipe)") ||
		!strings.Contains(errw, "/dev/null: not a regular file (character device)") || !strings.Contains(out, "a.png\n") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
}

// TestEvalSpecialFiles: an IDX "file" that is a named pipe is an error,
// not a hang.
func TestEvalSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "images.idx")
	mkfifo(t, fifo)
	labels := filepath.Join(dir, "labels.idx")
	write(t, labels, idxFile([]uint32{1}, []byte{0}))
	code, _, errw := runGuarded(t, fakeModel(t, 8, 8), "eval", fifo, labels)
	if code != 1 || !strings.Contains(errw, "images.idx: not a regular file (named pipe)") {
		t.Errorf("exit %d, stderr:\n%s", code, errw)
	}
}
