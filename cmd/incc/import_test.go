package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/tensor"
)

func onnxModel(name string) string {
	return testspec.Path(filepath.Join("compiler", "onnx", "testdata", "models", name+".onnx"))
}

// TestImport imports a small residual network: the spec checks, the
// weights fit it, and incc run gives PyTorch's output (from the model's
// fixture).
func TestImport(t *testing.T) {
	dir := t.TempDir()
	spec, weights := filepath.Join(dir, "res.inc"), filepath.Join(dir, "res.safetensors")
	var out, errw bytes.Buffer
	if code := run([]string{"import", onnxModel("residual"), "-o", spec, "--weights", weights, "--name", "res"}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	if want := spec + ": 16 lines\n" + weights + ": 2 tensors, 162 values\n"; errw.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errw.String(), want)
	}
	yout := filepath.Join(dir, "y.npy")
	x := strings.TrimSuffix(onnxModel("residual"), ".onnx") + ".in.npy"
	out.Reset()
	errw.Reset()
	if code := run([]string{"run", spec, "--weights", weights, "--input", x, "--output", yout, "--top", "0"}, &out, &errw); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errw.String())
	}
	got, err := tensor.LoadNpy(yout)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tensor.LoadNpy(strings.TrimSuffix(x, ".in.npy") + ".out.npy")
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if d := got.Data[i] - want.Data[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("output[%d] = %v, PyTorch %v", i, got.Data[i], want.Data[i])
		}
	}
	// The weights are what the spec names, checked by the interpreter.
	net := testspec.Check(t, spec, mustRead(t, spec))
	w, _, err := tensor.LoadSafetensors(weights)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := interp.New(net, w, interp.Options{}); err != nil {
		t.Error(err)
	}
}

// TestImportErrors: a model incc cannot express, or a file that is not a
// model, is an error listing every problem, exit 1, and the files the user
// had are left as they were, with nothing else written beside them.
func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	spec, weights := filepath.Join(dir, "out.inc"), filepath.Join(dir, "out.safetensors")
	if err := os.WriteFile(spec, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.onnx")
	os.WriteFile(garbage, []byte("network x {}\n"), 0o644)
	model := onnxModel("unsupported_ops")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", model, "-o", spec, "--weights", weights}, 1,
			"incc: import: " + model + ": 3 constructs incc cannot express:\n" +
				"\tLeakyRelu \"/act/LeakyRelu\": not supported: incc would need a leaky ReLU layer kind\n" +
				"\tResize \"/up/Resize\": not supported: incc would need an upsampling (resize) layer kind\n" +
				"\tGlobalMaxPool \"/pool/GlobalMaxPool\": not supported: incc would need a global max pooling layer kind\n"},
		{[]string{"import", garbage, "-o", spec}, 1, "incc: import: " + garbage + ": not a valid ONNX model"},
		{[]string{"import", filepath.Join(dir, "missing.onnx"), "-o", spec}, 1, "no such file or directory"},
		{[]string{"import", model}, 2, "missing flags: --output"},
		{[]string{"import", onnxModel("residual"), "-o", filepath.Join(dir, "no", "such", "dir.inc")}, 1, "no such file or directory"},
		// The spec could be written, the weights not: neither is.
		{[]string{"import", onnxModel("residual"), "-o", filepath.Join(dir, "ok.inc"), "--weights", filepath.Join(dir, "no", "w.safetensors")}, 1, "no such file or directory"},
	} {
		var out, errw bytes.Buffer
		code := run(tt.args, &out, &errw)
		if code != tt.code || !strings.Contains(errw.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, errw.String(), tt.code, tt.want)
		}
	}
	if got := string(mustRead(t, spec)); got != "# mine\n" {
		t.Errorf("the existing spec was changed to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "garbage.onnx out.inc" {
		t.Errorf("files left in the directory: %v", names)
	}
}
