package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
)

// TestRun runs the course-notes bottleneck example through incc run and
// compares the written tensor with the interpreter called directly, then
// feeds it bad inputs.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	spec := "../../specs/examples/resnet_tiny.inc"
	net := testspec.Load(t, "specs/examples/resnet_tiny.inc")
	x := runtime.SeededInput(9, 2, 3, 32, 32)
	xin := filepath.Join(dir, "x.npy")
	if err := runtime.SaveNpy(xin, x); err != nil {
		t.Fatal(err)
	}
	w := interp.InitWeights(net, 4, false)
	wpath := filepath.Join(dir, "w.safetensors")
	if err := runtime.SaveSafetensors(wpath, w, nil); err != nil {
		t.Fatal(err)
	}
	ip, err := interp.New(net, w, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ip.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	yout := filepath.Join(dir, "y.npy")
	var out, errw bytes.Buffer
	if code := run([]string{"run", spec, "--weights", wpath, "--input", xin, "--output", yout, "--top", "3"}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	got, err := runtime.LoadNpy(yout)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shape) != 2 || got.Shape[0] != 2 || got.Shape[1] != 10 {
		t.Fatalf("output shape %v, want [2 10]", got.Shape)
	}
	for i := range want.Output.Data {
		if got.Data[i] != want.Output.Data[i] {
			t.Fatalf("output[%d] = %v, want %v", i, got.Data[i], want.Output.Data[i])
		}
	}
	if c := strings.Count(out.String(), "\n"); c != 2+2*3 {
		t.Errorf("top-3 of 2 images: %d lines:\n%s", c, out.String())
	}

	// Bad inputs: an error naming the file or tensor, exit 1, no panic.
	bad := filepath.Join(dir, "bad.npy")
	runtime.SaveNpy(bad, runtime.SeededInput(1, 1, 3, 16, 16))
	trunc := filepath.Join(dir, "trunc.safetensors")
	data, _ := os.ReadFile(wpath)
	os.WriteFile(trunc, data[:len(data)/2], 0o644)
	partial := filepath.Join(dir, "partial.safetensors")
	delete(w, "fc.weight")
	runtime.SaveSafetensors(partial, w, nil)
	garbage := filepath.Join(dir, "garbage.npy")
	os.WriteFile(garbage, []byte("\x93NUMPY\x01\x00\xff\xffnot a header"), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--seed", "1", "--input", bad}, "want Nx3x32x32"},
		{[]string{"--weights", trunc, "--input", xin}, "trunc.safetensors"},
		{[]string{"--weights", partial, "--input", xin}, "fc.weight"},
		{[]string{"--seed", "1", "--input", garbage}, "garbage.npy"},
		{[]string{"--seed", "1"}, "--input"},
	} {
		var out, errw bytes.Buffer
		code := run(append([]string{"run", spec}, tt.args...), &out, &errw)
		if code != 1 || !strings.Contains(errw.String(), tt.want) {
			t.Errorf("run %v: exit %d, stderr %q; want exit 1 mentioning %q", tt.args, code, errw.String(), tt.want)
		}
	}
}

// TestRunImage checks --image against preprocessing and interpreting by hand.
func TestRunImage(t *testing.T) {
	spec := "../../specs/examples/resnet_tiny.inc"
	net := testspec.Load(t, "specs/examples/resnet_tiny.inc")
	img := testspec.Path("runtime/preproc/testdata/img/checker_96x96.png")
	cfg := preprocConfig(net)
	x := runtime.New(1, 3, 32, 32)
	if err := cfg.Load(img, x.Data); err != nil {
		t.Fatal(err)
	}
	ip, err := interp.New(net, interp.InitWeights(net, 3, false), interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ip.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	y := filepath.Join(t.TempDir(), "y.npy")
	var out, errw bytes.Buffer
	if code := run([]string{"run", spec, "--seed", "3", "--image", img, "--output", y}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	got, err := runtime.LoadNpy(y)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want.Output.Data {
		if got.Data[i] != v {
			t.Fatalf("output[%d] = %v, want %v", i, got.Data[i], v)
		}
	}
	errw.Reset()
	if code := run([]string{"run", spec, "--image", "runcmd_test.go"}, &out, &errw); code != 1 || !strings.Contains(errw.String(), "runcmd_test.go: unsupported image format") {
		t.Errorf("non-image: exit %d, stderr %q", code, errw.String())
	}
}
