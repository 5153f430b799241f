//go:build linux

package modelcli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
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

// TestOutputToFullDevice: every command whose output cannot be written
// (stdout is /dev/full) says so and exits with 1, instead of 0.
func TestOutputToFullDevice(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	img, ip, lp := inputs(t)
	for _, args := range [][]string{
		{"classify", img},
		{"classify", "--json", img},
		{"classify", img, img, img, "--batch", "1"},
		{"info"},
		{"eval", ip, lp},
		{"eval", "--json", ip, lp},
		{"bench", "--iters", "2"},
		{"help"},
	} {
		var errw strings.Builder
		code := fakeModel(t, 8, 8).Main(args, full, &errw)
		if code != 1 || !strings.Contains(errw.String(), "fake: writing the output: write /dev/full: no space left on device") {
			t.Errorf("%v > /dev/full: exit %d, stderr:\n%s", args, code, errw.String())
		}
		if strings.Count(errw.String(), "no space left") != 1 {
			t.Errorf("%v > /dev/full: the error is reported %d times, want once:\n%s", args, strings.Count(errw.String(), "no space left"), errw.String())
		}
	}
}

// slowNet is the fake network of the interrupt test's child process: its
// second inference tells the parent (on stderr) that it is running, and
// ends only once classify noted SIGINT.
type slowNet struct {
	fakeNet
	calls  *int
	signal chan struct{}
}

func (s slowNet) Infer(dst, src []float32, n int) error {
	if *s.calls++; *s.calls == 2 {
		fmt.Fprintln(os.Stderr, "second batch running")
		<-s.signal
	}
	return s.fakeNet.Infer(dst, src, n)
}

// TestInterrupt runs classify in a child process (this test binary), one
// image a batch, and sends it SIGINT while its second batch runs: it
// finishes that batch, prints the two results and the summary, marked
// interrupted (in JSON, a valid document), and exits with 130.
func TestInterrupt(t *testing.T) {
	if args := os.Getenv("MODELCLI_TEST_CHILD"); args != "" {
		sig := make(chan struct{})
		afterInterrupt = func() { close(sig) }
		m := fakeModel(t, 8, 8)
		calls := 0
		m.New = func(NetOptions) (Net, error) { return slowNet{fakeNet{new(bool)}, &calls, sig}, nil }
		os.Exit(m.Main(strings.Split(args, "\t"), os.Stdout, os.Stderr))
	}
	dir := t.TempDir()
	for i := range 4 {
		grayPNG(t, filepath.Join(dir, fmt.Sprintf("%d.png", i)), i, 8)
	}
	for _, asJSON := range []bool{false, true} {
		args := []string{"classify", "--batch", "1", "--top", "1", dir}
		if asJSON {
			args = append(args, "--json")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestInterrupt$")
		cmd.Env = append(os.Environ(), "MODELCLI_TEST_CHILD="+strings.Join(args, "\t"))
		var out bytes.Buffer
		cmd.Stdout = &out
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the second batch (a guard against a hang, not a measure).
		timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
		sc := bufio.NewScanner(stderr)
		var errw strings.Builder
		for sc.Scan() {
			errw.WriteString(sc.Text() + "\n")
			if sc.Text() == "second batch running" {
				cmd.Process.Signal(os.Interrupt)
			}
		}
		err = cmd.Wait()
		timer.Stop()
		code := cmd.ProcessState.ExitCode()
		if code != 130 {
			t.Errorf("json %v: exit %d (%v), want 130; stdout:\n%s\nstderr:\n%s", asJSON, code, err, out.String(), errw.String())
			continue
		}
		if !strings.Contains(errw.String(), "fake: interrupted: 2 of 4 images classified") {
			t.Errorf("json %v: no summary of an interrupted run:\n%s", asJSON, errw.String())
		}
		if !asJSON {
			if strings.Count(out.String(), ".png\n") != 2 {
				t.Errorf("text: %d results, want 2:\n%s", strings.Count(out.String(), ".png\n"), out.String())
			}
			continue
		}
		var doc struct {
			Results []result
			Summary summary
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Results) != 2 || !doc.Summary.Interrupted ||
			doc.Summary.Classified != 2 || doc.Summary.Images != 4 || len(doc.Results[1].Top) != 1 {
			t.Errorf("json: %v, %+v; stdout:\n%s", err, doc, out.String())
		}
	}
}
