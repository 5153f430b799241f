package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/tensor"
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
	if err := tensor.SaveNpy(xin, x); err != nil {
		t.Fatal(err)
	}
	w := interp.InitWeights(net, 4, false)
	wpath := filepath.Join(dir, "w.safetensors")
	if err := tensor.SaveSafetensors(wpath, w, nil); err != nil {
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
	got, err := tensor.LoadNpy(yout)
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
	tensor.SaveNpy(bad, runtime.SeededInput(1, 1, 3, 16, 16))
	trunc := filepath.Join(dir, "trunc.safetensors")
	data, _ := os.ReadFile(wpath)
	os.WriteFile(trunc, data[:len(data)/2], 0o644)
	partial := filepath.Join(dir, "partial.safetensors")
	delete(w, "fc.weight")
	tensor.SaveSafetensors(partial, w, nil)
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
	x := tensor.New(1, 3, 32, 32)
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
	got, err := tensor.LoadNpy(y)
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

// TestRunNonFinite: weights that are not finite and negative running
// variances are refused by run and build, naming the tensor; an input
// that makes an image's output NaN fails that image (exit 1) and the
// other images' top classes are still printed, in valid JSON with --json.
func TestRunNonFinite(t *testing.T) {
	dir := t.TempDir()
	spec := "../../specs/examples/resnet_tiny.inc"
	net := testspec.Load(t, "specs/examples/resnet_tiny.inc")
	var kernel, variance string
	for _, p := range net.Params(false) {
		switch {
		case kernel == "" && p.Role == ir.RoleWeight && p.FanIn > 0:
			kernel = p.Name
		case variance == "" && p.Role == ir.RoleRunningVar:
			variance = p.Name
		}
	}
	x := runtime.SeededInput(9, 2, 3, 32, 32)
	xin := filepath.Join(dir, "x.npy")
	if err := tensor.SaveNpy(xin, x); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tensor string
		value  float32
		want   string
	}{
		{kernel, float32(math.NaN()), kernel + ": value NaN at [0 0 0 1] is not finite"},
		{kernel, float32(math.Inf(1)), kernel + ": value +Inf at [0 0 0 1] is not finite"},
		{variance, -2, variance + ": value -2 at [1] is negative (a variance cannot be negative)"},
	} {
		w := interp.InitWeights(net, 4, false)
		w[tt.tensor].Data[1] = tt.value
		wpath := filepath.Join(dir, "w.safetensors")
		if err := tensor.SaveSafetensors(wpath, w, nil); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"run", spec, "--weights", wpath, "--input", xin},
			{"build", spec, "--weights", wpath, "-o", filepath.Join(dir, "model")},
		} {
			var out, errw bytes.Buffer
			if code := run(args, &out, &errw); code != 1 || !strings.Contains(errw.String(), tt.want) {
				t.Errorf("%s %v: exit %d, stderr:\n%s", args[0], tt.value, code, errw.String())
			}
		}
	}

	// Image 1 of 2 holds a NaN: its output is NaN.
	x.Data[x.Len()/2+5] = float32(math.NaN())
	if err := tensor.SaveNpy(xin, x); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	code := run([]string{"run", spec, "--seed", "1", "--input", xin, "--json", "--top", "2"}, &out, &errw)
	var doc struct{ Top [][]prediction }
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || code != 1 || len(doc.Top) != 2 || len(doc.Top[0]) != 2 || doc.Top[1] != nil ||
		!strings.Contains(errw.String(), "image 1: the output is not finite (NaN for class 0)") {
		t.Errorf("--json: exit %d, %v, stdout:\n%s\nstderr:\n%s", code, err, out.String(), errw.String())
	}
	out.Reset()
	errw.Reset()
	code = run([]string{"run", spec, "--seed", "1", "--input", xin, "--top", "2"}, &out, &errw)
	if code != 1 || strings.Count(out.String(), "\n") != 3 || !strings.Contains(out.String(), "image 0:") || strings.Contains(out.String(), "image 1:") {
		t.Errorf("text: exit %d, stdout:\n%s\nstderr:\n%s", code, out.String(), errw.String())
	}
}

// TestRunTopZero: --top 0 prints no classes, which is what --output is
// for; without --output it would print nothing at all, so it is a usage
// error (exit 2), like a negative --top.
func TestRunTopZero(t *testing.T) {
	spec := "../../specs/examples/resnet_tiny.inc"
	dir := t.TempDir()
	x, y := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := tensor.SaveNpy(x, tensor.New(1, 3, 32, 32)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--top", "0"}, "incc run: --top 0 prints nothing: give --output Y.npy to write the output tensor, or --top K with K at least 1"},
		{[]string{"--top=-1"}, "incc run: --top must not be negative, got -1"},
	} {
		var out, errw bytes.Buffer
		code := run(append([]string{"run", spec, "--seed", "1", "--input", x}, tt.args...), &out, &errw)
		if code != 2 || out.Len() > 0 || !strings.Contains(errw.String(), tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", tt.args, code, out.String(), errw.String())
		}
	}
	var out, errw bytes.Buffer
	if code := run([]string{"run", spec, "--seed", "1", "--input", x, "--top", "0", "--output", y}, &out, &errw); code != 0 || out.Len() > 0 {
		t.Errorf("--top 0 --output: exit %d, stdout %q, stderr:\n%s", code, out.String(), errw.String())
	}
	if got, err := tensor.LoadNpy(y); err != nil || got.Len() != 10 {
		t.Errorf("--top 0 --output wrote %v, %v", got.Shape, err)
	}
}
