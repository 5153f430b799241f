//go:build linux

package regular

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenSpecial: a named pipe without a writer, a socket and a device
// are refused, not opened for reading (which blocks forever on the pipe),
// also through a symbolic link.
func TestOpenSpecial(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink("x.png", link); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.png")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tt := range []struct{ path, want string }{
		{fifo, "not a regular file (named pipe)"},
		{link, "not a regular file (named pipe)"},
		{"/dev/null", "not a regular file (character device)"},
		{sock, ""}, // the open fails (ENXIO): a socket cannot be opened
	} {
		done := make(chan error, 1)
		go func() {
			_, err := ReadFile(tt.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tt.path) || tt.want != "" && (!errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("ReadFile(%s): %v, want %q", tt.path, err, tt.want)
			}
		case <-time.After(time.Minute): // a guard against a hang, not a measure
			t.Fatalf("ReadFile(%s) blocks", tt.path)
		}
	}
}
