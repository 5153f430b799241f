package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/tensor"
)

// allocated runs incc and returns its exit code, stderr and the bytes it
// allocated.
func allocated(args ...string) (code int, stderr string, bytes uint64) {
	var before, after goruntime.MemStats
	var out, errw strings.Builder
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	code = run(args, &out, &errw)
	goruntime.ReadMemStats(&after)
	return code, errw.String(), after.TotalAlloc - before.TotalAlloc
}

// bigSpec writes a spec whose fully connected layer has 246 million
// weights (983 MB).
func bigSpec(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "big.inc")
	if err := os.WriteFile(p, []byte("network big {\n    input 3x64x64\n    fc: fc 20000\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunInputFirst: incc run reads its input before it makes the weights,
// so a missing input file is reported without first allocating (and
// initialising) a GB of weights.
func TestRunInputFirst(t *testing.T) {
	spec := bigSpec(t)
	missing := filepath.Join(t.TempDir(), "missing.npy")
	code, errw, a := allocated("run", spec, "--seed", "1", "--input", missing)
	if code != 1 || !strings.Contains(errw, "missing.npy: no such file or directory") {
		t.Errorf("exit %d, stderr:\n%s", code, errw)
	}
	if a > 16<<20 {
		t.Errorf("allocated %s before reporting the missing input", host.FormatBytes(int64(a)))
	}
}

// TestRunMemoryLimit: a run that cannot fit the process's memory (here
// GOMEMLIMIT) is refused before the weights are made, with the estimate
// and the limit, instead of ending in "fatal error: out of memory".
func TestRunMemoryLimit(t *testing.T) {
	spec := bigSpec(t)
	x := filepath.Join(t.TempDir(), "x.npy")
	if err := tensor.SaveNpy(x, tensor.New(1, 3, 64, 64)); err != nil {
		t.Fatal(err)
	}
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(200 << 20))
	code, errw, a := allocated("run", spec, "--seed", "1", "--input", x)
	if code != 1 || !strings.Contains(errw, "run: big with a batch of 1 needs about 983.2 MB of memory (weights and the interpreter's values), more than the 209.7 MB this process can use") {
		t.Errorf("exit %d, stderr:\n%s", code, errw)
	}
	if a > 16<<20 {
		t.Errorf("allocated %s before refusing", host.FormatBytes(int64(a)))
	}
}

// withTensor returns the safetensors encoding of w with one more U8
// tensor, name, of size bytes, whose data is a hole at the end of the
// file (sparse, so the file is quick to write).
func withTensor(t *testing.T, w tensor.Weights, name string, size int64) string {
	t.Helper()
	data, err := tensor.EncodeSafetensors(w, nil)
	if err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(data)
	var hdr map[string]any
	if err := json.Unmarshal(data[8:8+hlen], &hdr); err != nil {
		t.Fatal(err)
	}
	body := data[8+hlen:]
	hdr[name] = map[string]any{"dtype": "U8", "shape": []int64{size}, "data_offsets": []int64{int64(len(body)), int64(len(body)) + size}}
	h, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(h)))
	b.Write(h)
	b.Write(body)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(b.Len())+size); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunWeightsReadsUsedOnly: a weights file with a 64 MB U8 tensor the
// network does not have is refused from its header, before the tensor is
// read (and widened to 256 MB of float32); one that is a side head's,
// running without heads, is skipped. By run and by build.
func TestRunWeightsReadsUsedOnly(t *testing.T) {
	spec := "../../specs/examples/mnist_inception.inc"
	net := testspec.Load(t, "specs/examples/mnist_inception.inc")
	if len(net.Heads) == 0 {
		t.Fatal("the spec has no side head")
	}
	head := net.Params(true)[len(net.Params(false))]
	trunk := interp.InitWeights(net, 1, false)
	x := filepath.Join(t.TempDir(), "x.npy")
	if err := tensor.SaveNpy(x, tensor.New(1, net.Input.C, net.Input.H, net.Input.W)); err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	junk := withTensor(t, trunk, "junk", size)
	code, errw, a := allocated("run", spec, "--weights", junk, "--input", x)
	if code != 1 || !strings.Contains(errw, "runtime: weights: junk: unexpected tensor (shape [67108864]), the network has no such weight") {
		t.Errorf("run, unexpected tensor: exit %d, stderr:\n%s", code, errw)
	}
	if a > 16<<20 {
		t.Errorf("run, unexpected tensor: allocated %s", host.FormatBytes(int64(a)))
	}
	code, errw, a = allocated("build", spec, "--weights", junk, "-o", filepath.Join(t.TempDir(), "model"))
	if code != 1 || !strings.Contains(errw, "junk: unexpected tensor") {
		t.Errorf("build, unexpected tensor: exit %d, stderr:\n%s", code, errw)
	}
	if a > 16<<20 {
		t.Errorf("build, unexpected tensor: allocated %s", host.FormatBytes(int64(a)))
	}
	// A head's tensor of another shape: optional without --aux, so not
	// read, and not an error.
	unused := withTensor(t, trunk, head.Name, size)
	code, errw, a = allocated("run", spec, "--weights", unused, "--input", x)
	if code != 0 {
		t.Errorf("run, an unused head tensor: exit %d, stderr:\n%s", code, errw)
	}
	if a > 16<<20 {
		t.Errorf("run, an unused head tensor: allocated %s", host.FormatBytes(int64(a)))
	}
}

// TestBuildErrorsCapped: a weights file with thousands of tensors the
// network does not have fails the build with 20 of them listed and the
// others counted, not thousands of lines.
func TestBuildErrorsCapped(t *testing.T) {
	net := testspec.Load(t, "specs/examples/mnist_inception.inc")
	w := interp.InitWeights(net, 1, false)
	for i := range 5000 {
		w[fmt.Sprintf("junk.%d", i)] = tensor.New(1)
	}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := tensor.SaveSafetensors(path, w, nil); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	code := run([]string{"build", "../../specs/examples/mnist_inception.inc", "--weights", path, "-o", filepath.Join(t.TempDir(), "m")}, &out, &errw)
	e := errw.String()
	if code != 1 || strings.Count(e, "unexpected tensor") != 20 || !strings.Contains(e, "runtime: weights: and 4980 more problems") || len(e) > 4000 {
		t.Errorf("exit %d, %d bytes of stderr:\n%.3000s", code, len(e), e)
	}
}
