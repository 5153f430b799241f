//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/tensor"
)

// runGuarded runs incc and fails the test if it does not end: the
// deadline is a guard against a hang, not a measure.
func runGuarded(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		var out, errw bytes.Buffer
		code := run(args, &out, &errw)
		done <- result{code, out.String(), errw.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(2 * time.Minute):
		t.Fatalf("incc %v hangs", args)
	}
	return 0, "", ""
}

// TestSpecialFiles: every file incc reads (a spec, weights, an input
// tensor, an image) that is a named pipe is an error naming it, not a
// read that blocks until some writer opens the pipe.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := func(name string) string {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := testspec.Path("specs/examples/resnet_tiny.inc")
	img := testspec.Path("runtime/preproc/testdata/img/checker_96x96.png")
	inc, png, npy, st := fifo("x.inc"), fifo("x.png"), fifo("x.npy"), fifo("x.safetensors")
	for _, tt := range []struct {
		args  []string
		named string
	}{
		{[]string{"check", inc}, inc},
		{[]string{"fmt", inc}, inc},
		{[]string{"stats", inc}, inc},
		{[]string{"run", spec, "--seed", "1", "--image", png}, png},
		{[]string{"run", spec, "--seed", "1", "--image", img, "--image", png}, png},
		{[]string{"run", spec, "--seed", "1", "--input", npy}, npy},
		{[]string{"run", spec, "--weights", st, "--image", img}, st},
		{[]string{"build", spec, "--weights", st}, st},
	} {
		code, _, errw := runGuarded(t, tt.args...)
		if code != 1 || !strings.Contains(errw, tt.named+": not a regular file (named pipe)") {
			t.Errorf("incc %v: exit %d, stderr:\n%s", tt.args, code, errw)
		}
	}
}

// TestOutputToFullDevice: a command whose output cannot be written
// (stdout is /dev/full) says so and exits with 1, instead of 0; one that
// writes nothing to stdout (check) is not affected.
func TestOutputToFullDevice(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	spec := testspec.Path("specs/examples/resnet_tiny.inc")
	x := filepath.Join(t.TempDir(), "x.npy")
	if err := tensor.SaveNpy(x, tensor.New(1, 3, 32, 32)); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", spec, "--seed", "1", "--input", x},
		{"run", spec, "--seed", "1", "--input", x, "--json"},
		{"stats", spec},
		{"fmt", spec},
		{"graph", spec},
		{"export", spec},
		{"--help"},
	} {
		var errw strings.Builder
		code := run(args, full, &errw)
		if code != 1 || strings.Count(errw.String(), "incc: writing the output: write /dev/full: no space left on device") != 1 ||
			strings.Count(errw.String(), "no space left") != 1 {
			t.Errorf("incc %v > /dev/full: exit %d, stderr:\n%s", args, code, errw.String())
		}
	}
	var errw strings.Builder
	if code := run([]string{"check", spec}, full, &errw); code != 0 || errw.Len() > 0 {
		t.Errorf("incc check > /dev/full: exit %d, stderr:\n%s", code, errw.String())
	}
}
