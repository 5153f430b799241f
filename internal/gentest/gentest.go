// Package gentest holds the tests every generated network package runs
// (generated/*): staleness, agreement with the interpreter and with the
// PyTorch parity fixtures, allocation-free inference, thread-count
// independence, and benchmarks. Each package's test file describes itself
// with a [Package] and calls these functions. Only tests import it.
package gentest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/golden"
	"github.com/inccdev/incc/internal/numtest"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/bench"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/tensor"
)

// Net is what the tests use of a generated Net.
type Net interface {
	Infer(dst, src []float32, n int) error
	InferHeads(dst, src []float32, n int, heads [][]float32) error
	Profile() []runtime.LayerProfile
	ResetProfile()
	Close()
}

// Package describes a generated package to the tests.
type Package struct {
	Name string // package name
	Spec string // spec path as go:generate gives it, relative to the package directory
	File string // the generated file, in the package directory
	// New returns the network with the given weights.
	New func(w tensor.Weights, heads bool, threads int) (Net, error)
	// NewSeeded is the package's NewSeeded; profile sets Options.Profile.
	NewSeeded func(seed uint64, heads bool, threads int, profile bool) (Net, error)
	// Seeded is the package's seededWeights.
	Seeded func(seed uint64, heads bool) tensor.Weights
	// Probe runs the trunk's layers on one image, one after the other, on
	// the calling goroutine, and returns a copy of the outputs of the
	// layers named (by IR op name) as they are right after the layer ran,
	// and the trunk's output under "".
	Probe func(w tensor.Weights, img []float32, names []string) (map[string][]float32, error)
}

// Load parses and checks the package's spec, with positions naming the
// spec path as given.
func (p *Package) Load(t testing.TB) *ir.Network {
	t.Helper()
	src, err := os.ReadFile(p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return testspec.Check(t, p.Spec, src)
}

// UpToDate regenerates the package in memory, as incc gen does (naming
// the spec by its path from the repository root), and compares it with the
// committed file.
func UpToDate(t *testing.T, p *Package) {
	net := p.Load(t)
	abs, err := filepath.Abs(p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Rel(testspec.Root(), abs)
	if err != nil {
		t.Fatal(err)
	}
	spec = filepath.ToSlash(spec)
	net.RenameFile(spec)
	got, err := codegen.Generate(net, codegen.Options{Package: p.Name, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(p.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		diff := golden.Diff(string(want), string(got))
		if len(diff) > 4000 {
			diff = diff[:4000] + "\n…"
		}
		t.Errorf("%s is out of date: run go generate ./generated/... (-committed +regenerated):\n%s", p.File, diff)
	}
}

// VersionCheck builds the package against a runtime one version older
// than the one it was generated for, and against one that no longer
// supports it (runtime/version.go replaced through go build -overlay), and
// checks that each build fails on exactly one line, the version check's.
func VersionCheck(t *testing.T, p *Package) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/inccdev/incc/runtime").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "version.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := codegen.RuntimeVersion
	for _, c := range []struct{ name, line, want string }{
		{"Version", fmt.Sprintf("Version    = %d", v-1), "RuntimeTooOld"},
		{"MinVersion", fmt.Sprintf("MinVersion = %d", v+1), "GeneratedCodeTooOld"},
	} {
		decl := regexp.MustCompile(`(?m)^\t` + c.name + `\s*= \d+$`)
		if len(decl.FindAll(src, -1)) != 1 {
			t.Fatalf("%s: no line %q", path, decl)
		}
		stale := filepath.Join(t.TempDir(), "version.go")
		overlay := filepath.Join(t.TempDir(), "overlay.json")
		data, err := json.Marshal(map[string]any{"Replace": map[string]string{path: stale}})
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(os.WriteFile(stale, decl.ReplaceAll(src, []byte("\t"+c.line)), 0o644), os.WriteFile(overlay, data, 0o644)); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("go", "build", "-overlay", overlay, ".").CombinedOutput()
		var errs []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if !strings.HasPrefix(l, "# ") {
				errs = append(errs, l)
			}
		}
		if err == nil || len(errs) != 1 || !strings.Contains(errs[0], "constant -1 overflows ") || !strings.HasSuffix(errs[0], "."+c.want) || !strings.Contains(errs[0], p.File) {
			t.Errorf("built against a runtime with %s: %v, want one error: constant -1 overflows …%s:\n%s", c.line, err, c.want, out)
		} else {
			t.Logf("built against a runtime with %s: %s", c.line, errs[0])
		}
	}
}

// SeededWeights checks that the package's seeded weights are exactly
// interp.InitWeights'.
func SeededWeights(t *testing.T, p *Package, net *ir.Network) {
	for _, heads := range []bool{false, true} {
		got, want := p.Seeded(7, heads), interp.InitWeights(net, 7, heads)
		if len(got) != len(want) {
			t.Fatalf("heads=%v: %d tensors, want %d", heads, len(got), len(want))
		}
		for name, w := range want {
			g, ok := got[name]
			if !ok || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.Data, w.Data) {
				t.Fatalf("heads=%v: tensor %s differs from interp.InitWeights", heads, name)
			}
		}
	}
}

// Outputs holds a batch's trunk and head outputs.
type Outputs struct {
	Trunk []float32
	Heads [][]float32
}

// Run infers a batch of n images with heads.
func Run(t testing.TB, net Net, src []float32, n, outLen int, headLens []int) Outputs {
	t.Helper()
	o := Outputs{Trunk: make([]float32, n*outLen)}
	for _, l := range headLens {
		o.Heads = append(o.Heads, make([]float32, n*l))
	}
	if err := net.InferHeads(o.Trunk, src, n, o.Heads); err != nil {
		t.Fatal(err)
	}
	return o
}

// ForwardMatchesInterp runs the generated network and the interpreter on
// the same seeded weights and a seeded batch of two, and compares the
// trunk's and the heads' outputs to 1e-5 of the largest interpreter output
// (batch norm folded into the weights and another summation order cost
// about 1e-6). It also checks that 1, 2 and 3 threads give the same bits.
func ForwardMatchesInterp(t *testing.T, p *Package, net *ir.Network) {
	const seed, n = 5, 2
	in := net.Input
	src := runtime.SeededInput(seed, n, in.C, in.H, in.W)
	it, err := interp.New(net, interp.InitWeights(net, seed, true), interp.Options{Heads: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := it.Run(src)
	if err != nil {
		t.Fatal(err)
	}
	var headLens []int
	for _, h := range net.Heads {
		headLens = append(headLens, net.Shape(h.Output).Len())
	}
	var first Outputs
	for _, threads := range []int{1, 2, 3} {
		g, err := p.NewSeeded(seed, true, threads, false)
		if err != nil {
			t.Fatal(err)
		}
		got := Run(t, g, src.Data, n, net.Shape(net.Output).Len(), headLens)
		g.Close()
		if threads == 1 {
			first = got
			numtest.Compare(t, "output", got.Trunk, res.Output.Data, 1e-5)
			for i, h := range net.Heads {
				numtest.Compare(t, h.Name, got.Heads[i], res.Heads[h.Name].Data, 1e-5)
			}
			continue
		}
		if !numtest.BitsEqual(got.Trunk, first.Trunk) {
			t.Errorf("%d threads: output differs from 1 thread", threads)
		}
		for i := range got.Heads {
			if !numtest.BitsEqual(got.Heads[i], first.Heads[i]) {
				t.Errorf("%d threads: head %s differs from 1 thread", threads, net.Heads[i].Name)
			}
		}
	}
}

// Parity checks the generated network against the PyTorch fixtures
// testdata/parity/<variant>_s{1,2,3}.safetensors: weights from the seeded
// initializer, the seeded batch of two, run layer by layer by Probe (the
// API's Infer is checked against the interpreter by ForwardMatchesInterp);
// compare maps fixture tensors to the names of the layers whose outputs
// they hold ("" is the trunk's output, which "logits" must be); the top-5
// classes of the trunk's output must be the fixture's.
func Parity(t *testing.T, p *Package, net *ir.Network, variant string, compare map[string]string) {
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range compare {
			if !yield(k) {
				return
			}
		}
	})
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			if testing.Short() && seed > 1 {
				t.Skip("short: seed 1 only")
			}
			want, _, err := tensor.LoadSafetensors(testspec.Path(fmt.Sprintf("testdata/parity/%s_s%d.safetensors", variant, seed)))
			if err != nil {
				t.Fatal(err)
			}
			in := net.Input
			src := runtime.SeededInput(seed, 2, in.C, in.H, in.W)
			w := p.Seeded(seed, false)
			var layers []string
			for _, name := range names {
				layers = append(layers, compare[name])
			}
			probed := map[string][]float32{}
			for b := range 2 {
				vals, err := p.Probe(w, src.Data[b*in.Len():(b+1)*in.Len()], layers)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range layers {
					if vals[l] == nil {
						t.Fatalf("no layer %q", l)
					}
					probed[l] = append(probed[l], vals[l]...)
				}
			}
			out, outLen := probed[""], net.Shape(net.Output).Len()
			for _, name := range names {
				numtest.Compare(t, name, probed[compare[name]], want[name].Data, 1e-4)
			}
			for b := range 2 {
				g, w := labels.TopK(out[b*outLen:(b+1)*outLen], 5), labels.TopK(want["logits"].Data[b*outLen:(b+1)*outLen], 5)
				if !slices.Equal(g, w) {
					t.Errorf("image %d: top-5 %v, want %v", b, g, w)
				}
			}
		})
	}
}

// Allocs checks that inference allocates nothing once the Net exists,
// with 2 threads: InferHeads at batch 1 (layers split among the threads)
// and Infer at batch 2 (images split among them).
func Allocs(t *testing.T, p *Package, net *ir.Network) {
	g, err := p.NewSeeded(1, true, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	in, outLen := net.Input.Len(), net.Shape(net.Output).Len()
	var heads [][]float32
	for _, h := range net.Heads {
		heads = append(heads, make([]float32, net.Shape(h.Output).Len()))
	}
	src, dst := make([]float32, 2*in), make([]float32, 2*outLen)
	// Warm up: the first runs grow goroutine stacks and fill the Go
	// runtime's per-processor caches (e.g. of channel waiters).
	for range 2 {
		if err := g.InferHeads(dst[:outLen], src[:in], 1, heads); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(1, func() {
		if err := g.InferHeads(dst[:outLen], src[:in], 1, heads); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("batch 1: InferHeads allocates %v times per run, want 0", a)
	}
	if a := testing.AllocsPerRun(1, func() {
		if err := g.Infer(dst, src, 2); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("batch 2: Infer allocates %v times per run, want 0", a)
	}
}

// Errors checks that wrong sizes, missing weights and heads without
// Options.Heads are errors, not panics.
func Errors(t *testing.T, p *Package, net *ir.Network) {
	g, err := p.NewSeeded(1, false, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	in, outLen := net.Input.Len(), net.Shape(net.Output).Len()
	for _, tt := range []struct {
		name     string
		dst, src int
		n        int
	}{{"short input", outLen, in - 1, 1}, {"short output", outLen - 1, in, 1}, {"negative batch", 0, 0, -1}, {"batch mismatch", outLen, in, 2}} {
		if err := g.Infer(make([]float32, tt.dst), make([]float32, tt.src), tt.n); err == nil {
			t.Errorf("%s: no error", tt.name)
		} else {
			t.Logf("%s: %v", tt.name, err)
		}
	}
	if err := g.Infer(nil, nil, 0); err != nil {
		t.Errorf("empty batch: %v", err)
	}
	if err := g.InferHeads(make([]float32, outLen), make([]float32, in), 1, nil); len(net.Heads) > 0 && err == nil {
		t.Errorf("InferHeads without Options.Heads: no error")
	}
	w := p.Seeded(1, false)
	first := net.Params(false)[0].Name
	delete(w, first)
	if _, err := p.New(w, false, 1); err == nil {
		t.Errorf("missing %s: no error", first)
	} else if !bytes.Contains([]byte(err.Error()), []byte(first)) {
		t.Errorf("missing %s: error %q does not name it", first, err)
	}
	// Weights that are not finite, and negative running variances, are
	// refused, naming the tensor: the first kernel's, the first running
	// variance's.
	seen := map[ir.Role]bool{}
	for _, prm := range net.Params(false) {
		bad := []float32{float32(math.NaN()), float32(math.Inf(-1))}
		switch {
		case seen[prm.Role]:
			continue
		case prm.Role == ir.RoleRunningVar:
			bad = append(bad, -1)
		case prm.Role != ir.RoleWeight || prm.FanIn == 0:
			continue
		}
		seen[prm.Role] = true
		for _, v := range bad {
			w := p.Seeded(1, false)
			w[prm.Name].Data[1] = v
			if _, err := p.New(w, false, 1); err == nil || !strings.Contains(err.Error(), prm.Name+": value "+fmt.Sprint(v)+" at ") {
				t.Errorf("%s holding %v: error %v", prm.Name, v, err)
			}
		}
	}
}

// DropWhileRunning drops Nets while their Infer runs, with the garbage
// collector running all the time: the cleanup of a dropped Net must not
// stop its workers under the running Infer (which then failed, or hung if
// the workers stopped between two jobs). Each Infer is a batch of 3 on 2
// threads: two images split among the workers, then one with its layers
// split, so the pool runs two jobs. It checks the outputs against a Net
// that is kept.
func DropWhileRunning(t *testing.T, p *Package, net *ir.Network) {
	const n, rounds = 3, 6
	in, outLen := net.Input, net.Shape(net.Output).Len()
	src := runtime.SeededInput(3, n, in.C, in.H, in.W).Data
	w := p.Seeded(1, false)
	kept, err := p.New(w, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, n*outLen)
	if err := kept.Infer(want, src, n); err != nil {
		t.Fatal(err)
	}
	kept.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				goruntime.GC()
			}
		}
	}()
	for round := range rounds {
		g, err := p.New(w, false, 2)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, n*outLen)
		done := make(chan error, 1)
		// The goroutine holds the only reference to the Net; it is
		// unreachable as soon as Infer has been called.
		go func(g Net) { done <- g.Infer(dst, src, n) }(g)
		g = nil
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: Infer of a dropped Net: %v", round, err)
			}
		case <-time.After(5 * time.Minute): // a guard against a hang, not a measure
			t.Fatalf("round %d: Infer of a dropped Net hangs", round)
		}
		if !numtest.BitsEqual(dst, want) {
			t.Fatalf("round %d: the outputs of a dropped Net differ from a kept one's", round)
		}
	}
}

// BenchInfer measures Infer with 1 and 2 threads at batch 1 and 8,
// reporting images/s and GFLOP/s (2 per multiply-add of the trunk's
// convolutions and fully connected layers).
func BenchInfer(b *testing.B, p *Package, net *ir.Network) {
	outLen := net.Shape(net.Output).Len()
	flops := 2 * float64(trunkMACs(net))
	for _, c := range []struct{ threads, n int }{{1, 1}, {2, 1}, {1, 8}, {2, 8}} {
		b.Run(fmt.Sprintf("threads%d/batch%d", c.threads, c.n), func(b *testing.B) {
			g, err := p.NewSeeded(1, false, c.threads, false)
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			src := runtime.SeededInput(1, c.n, net.Input.C, net.Input.H, net.Input.W).Data
			dst := make([]float32, c.n*outLen)
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Infer(dst, src, c.n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.n*b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(flops*float64(c.n*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// trunkMACs counts the multiply-adds of the trunk's ops for one image.
func trunkMACs(net *ir.Network) int64 {
	var macs int64
	for i := range net.Ops {
		if net.Ops[i].Head == "" {
			macs += net.MACs(&net.Ops[i])
		}
	}
	return macs
}

// Profile prints bench.Bench's report (latency, throughput, the time of
// each layer) with 1 and 2 threads at batch 1 and 8, over INCC_PROFILE
// inferences after two untimed ones; it is skipped unless INCC_PROFILE is
// set:
//
//	INCC_PROFILE=20 go test ./generated/NAME -run TestProfile -v
func Profile(t *testing.T, p *Package, net *ir.Network) {
	iters, err := strconv.Atoi(os.Getenv("INCC_PROFILE"))
	if err != nil || iters < 1 {
		t.Skip("set INCC_PROFILE to a number of inferences")
	}
	in := net.Input
	for _, c := range []struct{ threads, n int }{{1, 1}, {2, 1}, {1, 8}, {2, 8}} {
		g, err := p.NewSeeded(1, false, c.threads, true)
		if err != nil {
			t.Fatal(err)
		}
		r, err := bench.Run(g, bench.Config{Input: [3]int{in.C, in.H, in.W}, OutputLen: net.Shape(net.Output).Len(),
			Batch: c.n, Iters: iters, Warmup: 2, Threads: c.threads})
		g.Close()
		if err != nil {
			t.Fatal(err)
		}
		r.Model = p.Name
		var b strings.Builder
		r.WriteText(&b, 0)
		r.WriteText(&b, 10)
		t.Log(b.String())
	}
}

// BenchInterp measures the interpreter on the same network, for the ratio.
func BenchInterp(b *testing.B, net *ir.Network) {
	it, err := interp.New(net, interp.InitWeights(net, 1, false), interp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch%d", n), func(b *testing.B) {
			src := runtime.SeededInput(1, n, net.Input.C, net.Input.H, net.Input.W)
			for b.Loop() {
				if _, err := it.Run(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
