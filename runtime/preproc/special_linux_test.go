//go:build linux

package preproc

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadSpecialFiles: Load refuses a named pipe (which it would wait on
// for a writer), a device and a directory, naming the file.
func TestLoadSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Channels: 1, Height: 4, Width: 4}
	for _, tt := range []struct{ path, want string }{
		{fifo, "not a regular file (named pipe)"},
		{"/dev/zero", "not a regular file (character device)"},
		{dir, "is a directory"},
	} {
		done := make(chan error, 1)
		go func() { done <- cfg.Load(tt.path, make([]float32, 16)) }()
		select {
		case err := <-done:
			var pe *fs.PathError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.path+": "+tt.want) {
				t.Errorf("Load(%s): %v, want %q", tt.path, err, tt.want)
			}
		case <-time.After(time.Minute): // a guard against a hang, not a measure
			t.Fatalf("Load(%s) blocks", tt.path)
		}
	}
}
