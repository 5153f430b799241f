package main

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/numfmt"
	"github.com/inccdev/incc/internal/numtest"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/preproc"
	"github.com/inccdev/incc/runtime/tensor"
)

// tinySpec is a small network with every part a model binary uses: RGB
// preprocessing with resize, crop and normalisation, labels, a side head.
const tinySpec = `network tiny {
    input 3x12x12
    labels mnist
    preprocess { resize 14; crop 12; mean (0.485, 0.456, 0.406); std (0.229, 0.224, 0.225) }

    conv1: conv 3x3 8 pad 1 relu
    bn: batchnorm
    pool: maxpool 2x2
    inc: inception(4, 4 > 8, 2 > 4, 4)
    gap: globalavgpool
    fc: fc 10

    aux: head at pool { flatten; fc: fc 10 }
}
`

// tinyConfig is tinySpec's preprocessing.
var tinyConfig = preproc.Config{Channels: 3, Height: 12, Width: 12, Resize: 14, CropH: 12, CropW: 12,
	Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}

// writeTiny writes tinySpec and seeded weights (with the head's) into dir.
func writeTiny(t *testing.T, dir string) (spec, weights string, net *ir.Network, w tensor.Weights) {
	t.Helper()
	spec, weights = filepath.Join(dir, "tiny.inc"), filepath.Join(dir, "tiny.safetensors")
	if err := os.WriteFile(spec, []byte(tinySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	net = testspec.Check(t, spec, []byte(tinySpec))
	w = interp.InitWeights(net, 3, true)
	if err := tensor.SaveSafetensors(weights, w, nil); err != nil {
		t.Fatal(err)
	}
	return spec, weights, net, w
}

// buildDirs lists the build directories left behind: in the module root
// (where incc wrote them before it built through an overlay) and this
// process's temporary ones.
func buildDirs(t *testing.T) []string {
	dirs, _ := filepath.Glob(filepath.Join(testspec.Root(), "_incc-build*"))
	tmp, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-*", tempPrefix, os.Getpid())))
	return append(dirs, tmp...)
}

// TestBuild builds a model binary from a small spec with seeded weights
// (one go build) and checks it: a static executable; classify agrees with
// the interpreter on the same preprocessed images, trunk and side head;
// broken inputs are reported; info, bench and eval work.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	dir := t.TempDir()
	spec, weights, net, w := writeTiny(t, dir)
	bin := filepath.Join(dir, "tiny")
	var out, errw bytes.Buffer
	if code := run([]string{"build", spec, "--weights", weights, "-o", bin, "--heads", "--threads", "2"}, &out, &errw); code != 0 {
		t.Fatalf("incc build: exit %d\n%s", code, errw.String())
	}
	if !strings.HasPrefix(out.String(), bin+": tiny for ") || !strings.Contains(out.String(), " sha256 ") {
		t.Errorf("incc build printed %q", out.String())
	}
	if d := buildDirs(t); len(d) > 0 {
		t.Errorf("build directories left behind: %v", d)
	}
	// The same inputs give the same bytes (the go build is cached).
	bin2 := filepath.Join(dir, "tiny2")
	if code := run([]string{"build", spec, "--weights", weights, "-o", bin2, "--heads", "--threads", "2"}, &out, &errw); code != 0 {
		t.Fatalf("incc build: exit %d\n%s", code, errw.String())
	}
	if !bytes.Equal(mustRead(t, bin), mustRead(t, bin2)) {
		t.Error("building twice gives different binaries")
	}

	// A static executable: no interpreter, no dynamic section.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: it is not static", p.Type)
		}
	}
	if f.Section(".interp") != nil || f.Section(".dynamic") != nil {
		t.Error("the binary has an .interp or .dynamic section")
	}
	f.Close()

	// classify agrees with the interpreter on the same preprocessed input.
	imgs := []string{filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")}
	writeNoise(t, imgs[0], 20, 15, 1)
	writeNoise(t, imgs[1], 12, 12, 2)
	x := tensor.New(2, 3, 12, 12)
	for i, p := range imgs {
		if err := tinyConfig.Load(p, x.Data[i*432:(i+1)*432]); err != nil {
			t.Fatal(err)
		}
	}
	ip, err := interp.New(net, w, interp.Options{Heads: true})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ip.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runBin(t, bin, append([]string{"classify", "--json", "--top", "10"}, imgs...)...)
	if code != 0 {
		t.Fatalf("classify: exit %d\n%s", code, stderr)
	}
	var doc struct {
		Results []struct {
			File string
			Top  []struct {
				Class int
				Score float32
				Label string
			}
			Heads map[string][]struct {
				Class int
				Score float32
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Results) != 2 {
		t.Fatalf("classify --json: %v\n%s", err, stdout)
	}
	for i, r := range doc.Results {
		ref := want.Output.Data[i*10 : (i+1)*10]
		if top := labels.TopK(ref, 1)[0]; r.Top[0].Class != top || r.Top[0].Label != ref2label(top) {
			t.Errorf("%s: top class %d (%q), interpreter %d", r.File, r.Top[0].Class, r.Top[0].Label, top)
		}
		got := make([]float32, 10)
		for _, c := range r.Top {
			got[c.Class] = c.Score
		}
		numtest.Compare(t, r.File, got, ref, 1e-4)
		hgot := make([]float32, 10)
		for _, c := range r.Heads["aux"] {
			hgot[c.Class] = c.Score
		}
		numtest.Compare(t, r.File+" aux", hgot, want.Heads["aux"].Data[i*10:(i+1)*10], 1e-4)
	}

	// Text output; a directory with a broken image: reported, exit 1.
	stdout, _, code = runBin(t, bin, "classify", "--top", "2", imgs[0])
	if code != 0 || !strings.HasPrefix(stdout, imgs[0]+"\n") || !strings.Contains(stdout, "head aux:") {
		t.Errorf("classify: exit %d\n%s", code, stdout)
	}
	os.WriteFile(filepath.Join(dir, "broken.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644)
	stdout, stderr, code = runBin(t, bin, "classify", dir)
	if code != 1 || strings.Count(stdout, ".png\n") != 2 || !strings.Contains(stderr, "broken.png: truncated PNG file") ||
		!strings.Contains(stderr, "2 of 3 images classified") {
		t.Errorf("classify DIR: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, stderr, code = runBin(t, bin, "classify", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "directory has no images") {
		t.Errorf("classify of an empty directory: exit %d\n%s", code, stderr)
	}

	// info.
	data, _ := os.ReadFile(weights)
	_, sum, _ := checkWeights("build", net, weights, true)
	stdout, _, code = runBin(t, bin, "info")
	for _, s := range []string{"network     tiny (" + filepath.ToSlash(spec) + ")", sum + " (verified)", "heads       aux 10x1x1",
		"RGB, resize the shorter side to 14, center crop 12x12, values in [0, 1], mean (0.485, 0.456, 0.406)",
		"inception  ", "aux: head at pool", "threads     2 by default", numfmt.Thousands(int64(len(data))) + " bytes"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("info lacks %q:\n%s", s, stdout)
		}
	}
	if code != 0 {
		t.Errorf("info: exit %d", code)
	}

	// bench.
	stdout, stderr, code = runBin(t, bin, "bench", "--iters", "5", "--batch", "3")
	if code != 0 || !strings.Contains(stdout, "p50 ") || !strings.Contains(stdout, "images/s") {
		t.Errorf("bench: exit %d\n%s%s", code, stdout, stderr)
	}

	// eval on an IDX data set of gray images, labelled with the
	// interpreter's predictions except two.
	const n = 20
	pix := make([]byte, n*16*16)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range pix {
		pix[i] = byte(r.IntN(256))
	}
	xs := tensor.New(n, 3, 12, 12)
	for i := range n {
		g := &image.Gray{Pix: pix[i*256 : (i+1)*256], Stride: 16, Rect: image.Rect(0, 0, 16, 16)}
		if err := tinyConfig.Tensor(xs.Data[i*432:(i+1)*432], g); err != nil {
			t.Fatal(err)
		}
	}
	res, err := ip.Run(xs)
	if err != nil {
		t.Fatal(err)
	}
	classes := make([]byte, n)
	for i := range n {
		classes[i] = byte(labels.TopK(res.Output.Data[i*10:(i+1)*10], 1)[0])
	}
	classes[3], classes[11] = (classes[3]+1)%10, (classes[11]+1)%10
	ipath, lpath := filepath.Join(dir, "images.idx3"), filepath.Join(dir, "labels.idx1")
	os.WriteFile(ipath, idx([]uint32{n, 16, 16}, pix), 0o644)
	os.WriteFile(lpath, idx([]uint32{n}, classes), 0o644)
	stdout, stderr, code = runBin(t, bin, "eval", ipath, lpath, "--show", "3")
	if code != 0 || !strings.Contains(stdout, "accuracy: 18/20 = 90.00%") || !strings.Contains(stdout, "#3 true ") {
		t.Errorf("eval: exit %d\n%s%s", code, stdout, stderr)
	}
	os.WriteFile(lpath, idx([]uint32{n + 1}, append(classes, 0)), 0o644)
	_, stderr, code = runBin(t, bin, "eval", ipath, lpath)
	if code != 1 || !strings.Contains(stderr, "holds 21 labels") {
		t.Errorf("eval with 21 labels for 20 images: exit %d\n%s", code, stderr)
	}
}

// TestBuildCross cross-compiles a model binary for windows/arm64, GOOS
// from the environment and --goarch (one go build; the first run also
// compiles the standard library for it).
func TestBuildCross(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	dir := t.TempDir()
	spec, weights, _, _ := writeTiny(t, dir)
	t.Setenv("GOOS", "windows") // the target from the environment, and from a flag:
	var out, errw bytes.Buffer
	t.Chdir(dir)
	// In dir, outside the module: the error says how to set one up.
	if code := run([]string{"build", spec, "--weights", weights}, &out, &errw); code != 1 ||
		!strings.Contains(errw.String(), "is not inside a Go module") || !strings.Contains(errw.String(), "go mod init example.com/models && go get -tool github.com/inccdev/incc/cmd/incc") {
		t.Errorf("outside a module: exit %d\n%s", code, errw.String())
	}
	t.Chdir(testspec.Path("cmd/incc"))
	out.Reset()
	errw.Reset()
	bin := filepath.Join(dir, "tiny.exe")
	if code := run([]string{"build", spec, "--weights", weights, "-o", bin, "--goarch", "arm64"}, &out, &errw); code != 0 {
		t.Fatalf("incc build: exit %d\n%s", code, errw.String())
	}
	if !strings.Contains(out.String(), "tiny for windows/arm64") {
		t.Errorf("incc build printed %q", out.String())
	}
	f, err := pe.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_ARM64 {
		t.Errorf("machine %#x, want arm64", f.Machine)
	}
}

// TestBuildErrors checks what incc build refuses before it runs go build.
func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	spec, weights, _, w := writeTiny(t, dir)
	bad := func(name string, edit func(tensor.Weights)) string {
		c := tensor.Weights{}
		for k, v := range w {
			c[k] = v
		}
		edit(c)
		p := filepath.Join(dir, name)
		if err := tensor.SaveSafetensors(p, c, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notST := filepath.Join(dir, "notes.safetensors")
	os.WriteFile(notST, []byte("hello"), 0o644)
	four := filepath.Join(dir, "four.inc")
	os.WriteFile(four, []byte("network four {\n    input 4x12x12\n    fc: fc 10\n}\n"), 0o644)
	fourW := filepath.Join(dir, "four.safetensors")
	tensor.SaveSafetensors(fourW, interp.InitWeights(testspec.Check(t, four, mustRead(t, four)), 1, false), nil)
	otherMod := t.TempDir()
	os.WriteFile(filepath.Join(otherMod, "go.mod"), []byte("module example.com/other\n\ngo 1.26\n"), 0o644)

	for _, tt := range []struct {
		name string
		args []string
		dir  string
		code int
		want []string
	}{
		{"wrong shape", []string{spec, "--weights", bad("shape.safetensors", func(c tensor.Weights) { c["fc.weight"] = tensor.New(10, 7) })}, "", 1,
			[]string{"shape.safetensors does not fit", "fc.weight: shape [10 7], want [10 20]"}},
		{"missing", []string{spec, "--weights", bad("missing.safetensors", func(c tensor.Weights) { delete(c, "conv1.bias") })}, "", 1,
			[]string{"conv1.bias: missing, want shape [8]"}},
		{"unexpected", []string{spec, "--weights", bad("extra.safetensors", func(c tensor.Weights) { c["fc2.weight"] = tensor.New(2) })}, "", 1,
			[]string{"fc2.weight: unexpected tensor"}},
		{"many unexpected", []string{spec, "--weights", bad("many.safetensors", func(c tensor.Weights) {
			for i := range 1000 {
				c[fmt.Sprintf("extra%04d.weight", i)] = tensor.New(1)
			}
		})}, "", 1, []string{"unexpected tensor", "\truntime: weights: and 980 more problems\n"}},
		{"head weights with --heads", []string{spec, "--heads", "--weights", bad("nohead.safetensors", func(c tensor.Weights) { delete(c, "aux.fc.weight") })}, "", 1,
			[]string{"aux.fc.weight: missing"}},
		{"not safetensors", []string{spec, "--weights", notST}, "", 1, []string{"notes.safetensors: file is 5 bytes"}},
		{"no weights file", []string{spec, "--weights", filepath.Join(dir, "nope.safetensors")}, "", 1, []string{"no such file"}},
		{"spec error", []string{"testdata/errors/joins.inc", "--weights", weights}, "", 1, []string{"joins.inc:"}},
		{"four channels", []string{four, "--weights", fourW}, "", 1, []string{"cannot be made from images: config: channels must be 1 or 3, got 4"}},
		{"module without incc", []string{spec, "--weights", weights}, otherMod, 1,
			[]string{"module example.com/other", "does not require github.com/inccdev/incc", "go get -tool github.com/inccdev/incc/cmd/incc"}},
		{"no weights flag", []string{spec}, "", 2, []string{"missing flags: --weights"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dir != "" {
				t.Chdir(tt.dir)
			}
			var out, errw bytes.Buffer
			code := run(append([]string{"build"}, tt.args...), &out, &errw)
			for _, s := range tt.want {
				if !strings.Contains(errw.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errw.String())
				}
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
		})
	}
	if d := buildDirs(t); len(d) > 0 {
		t.Errorf("build directories left behind: %v", d)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runBin runs a built binary.
func runBin(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// writeNoise writes a w×h PNG of seeded random colours.
func writeNoise(t *testing.T, path string, w, h int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 9))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// idx builds an IDX file of unsigned bytes.
func idx(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func ref2label(class int) string { return string(rune('0' + class)) }

// TestBuildReproducible: the binary does not depend on where its files
// were written (another temporary directory), builds running at the same
// time do not collide and give the same bytes, and what killed builds
// left is cleaned up: temporary directories of processes that are gone,
// and build directories earlier versions left in the module root.
func TestBuildReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	dir := t.TempDir()
	spec, weights, _, _ := writeTiny(t, dir)
	build := func(out string) error {
		var o, e bytes.Buffer
		if code := run([]string{"build", spec, "--weights", weights, "-o", out}, &o, &e); code != 0 {
			return fmt.Errorf("incc build: exit %d\n%s", code, e.String())
		}
		return nil
	}
	tmpA, tmpB := t.TempDir(), t.TempDir()
	dead := filepath.Join(tmpA, tempPrefix+"999999999-x") // no such process
	os.MkdirAll(filepath.Join(dead, "src"), 0o755)
	old := filepath.Join(testspec.Root(), "_incc-build-0123456789abcdef") // an old version's, killed
	os.MkdirAll(old, 0o755)
	os.WriteFile(filepath.Join(old, "main.go"), []byte("package main\n"), 0o644)
	hourAgo := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, hourAgo, hourAgo)
	t.Cleanup(func() { os.RemoveAll(old) })

	t.Setenv("TMPDIR", tmpA)
	if err := build(filepath.Join(dir, "a")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dead, old} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("stale %s was not removed", d)
		}
	}
	t.Setenv("TMPDIR", tmpB)
	errs := make(chan error, 2)
	for _, name := range []string{"b", "c"} {
		go func() { errs <- build(filepath.Join(dir, name)) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	a := mustRead(t, filepath.Join(dir, "a"))
	for _, name := range []string{"b", "c"} {
		if !bytes.Equal(a, mustRead(t, filepath.Join(dir, name))) {
			t.Errorf("binary %s differs from a (built elsewhere, or at the same time as another)", name)
		}
	}
	for _, tmp := range []string{tmpA, tmpB} {
		if left, _ := filepath.Glob(filepath.Join(tmp, tempPrefix+"*")); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
}

// TestBuildSignal: incc build stopped by SIGTERM or SIGINT while go build
// runs removes its files and says it was interrupted.
func TestBuildSignal(t *testing.T) {
	if testing.Short() || goruntime.GOOS == "windows" {
		t.Skip("runs go build; needs Unix signals")
	}
	dir := t.TempDir()
	spec, weights, _, _ := writeTiny(t, dir)
	incc := filepath.Join(dir, "incc")
	if out, err := exec.Command("go", "build", "-o", incc, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build incc: %v\n%s", err, out)
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(incc, "build", spec, "--weights", weights, "-o", filepath.Join(dir, "never"))
			// An empty build cache makes go build run long enough to be
			// interrupted.
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "GOCACHE="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait until go build runs: the overlay is written just before.
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if m, _ := filepath.Glob(filepath.Join(tmp, tempPrefix+"*", "overlay.json")); len(m) > 0 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("go build did not start:\n%s", stderr.String())
				}
			}
			time.Sleep(200 * time.Millisecond)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("got %v, stderr %q; want exit 1 and interrupted", err, stderr.String())
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, tempPrefix+"*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
				t.Error("a binary was written")
			}
		})
	}
}

// TestBuildHint: a go build that fails says what to do when it can tell.
func TestBuildHint(t *testing.T) {
	for _, tt := range []struct{ msg, mod, want string }{
		{`./tiny_gen.go:14:23: constant -1 overflows "github.com/inccdev/incc/runtime".RuntimeTooOld`, "example.com/m", "requires an older github.com/inccdev/incc than this incc"},
		{"missing go.sum entry for module providing package golang.org/x/image/webp", "example.com/m", "go get github.com/inccdev/incc/runtime/modelcli"},
		{"undefined: rt.Something", "example.com/m", "needs the runtime of the incc that generated it"},
		{"undefined: rt.Something", inccModule, ""},
	} {
		if got := buildHint(tt.msg, tt.mod); tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("buildHint(%q, %q) = %q, want one saying %q", tt.msg, tt.mod, got, tt.want)
		}
	}
}
