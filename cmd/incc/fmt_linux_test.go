//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFmtWriteFailureKeepsSpec runs incc fmt -w in a child process whose
// file-size limit (RLIMIT_FSIZE, 100 bytes) is smaller than the formatted
// spec, so that the write fails with "file too large" half way: the spec
// must be left as it was, byte for byte, with no temporary file beside
// it, and the failure reported (exit 1). Truncating the spec in place
// before writing lost it.
func TestFmtWriteFailureKeepsSpec(t *testing.T) {
	if path := os.Getenv("INCC_TEST_FMT_CHILD"); path != "" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		lim.Cur = 100
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		code := run([]string{"fmt", "-w", path}, os.Stdout, os.Stderr)
		fmt.Printf("exit=%d\n", code)
		os.Exit(7) // not 0: the testing package forbids os.Exit(0) in a test
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "net.inc")
	src := []byte("network   net {\n  input 3x32x32\n conv1 :  conv 3x3 16 pad 1\n   pool: maxpool 2x2 stride 2\n  fc: fc 10\n}\n")
	if err := os.WriteFile(spec, src, 0o640); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFmtWriteFailureKeepsSpec$")
	cmd.Env = append(os.Environ(), "INCC_TEST_FMT_CHILD="+spec)
	var out, errw bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errw
	cmd.Run()
	if !strings.Contains(out.String(), "exit=1") || !strings.Contains(errw.String(), "file too large") {
		t.Errorf("incc fmt -w under a file-size limit: stdout %q, stderr:\n%s", out.String(), errw.String())
	}
	if got, err := os.ReadFile(spec); err != nil || !bytes.Equal(got, src) {
		t.Errorf("the spec now holds %q (%v), want it as it was", got, err)
	}
	if fi, err := os.Stat(spec); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("the spec's mode: %v %v", fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the directory holds %d files, want only the spec", len(ents))
	}

	// Without the limit, the spec is formatted, its mode kept.
	var o, e bytes.Buffer
	if code := run([]string{"fmt", "-w", spec}, &o, &e); code != 0 {
		t.Fatalf("incc fmt -w: exit %d: %s", code, e.String())
	}
	if got, _ := os.ReadFile(spec); bytes.Equal(got, src) || len(got) <= 100 {
		t.Errorf("incc fmt -w did not format: %q", got)
	}
	if fi, err := os.Stat(spec); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("the spec's mode after formatting: %v %v", fi.Mode(), err)
	}
}
