// Package parity checks incc's networks against the PyTorch fixtures of
// testdata/parity (see tools/README.md): the specs of specs/ whose weight
// names are their reference's state_dict keys, filled with the
// deterministic initializer and the fixture's batch norm calibration, run
// on the fixture's seeded input, and compared tensor by tensor. The
// interpreter's and the generated code's tests use it; only tests import
// it.
package parity

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/tensor"
)

// Tol is the largest difference allowed, relative to the largest value of
// the reference tensor: PyTorch's own float32 results differ from float64
// by 1–3e-6 (tools/README.md).
const Tol = 1e-4

// Networks lists the networks with a fixture testdata/parity/<name>_s1 and
// a spec specs/<name>.inc, smallest first.
var Networks = []string{"mobilenet_v2", "resnet50", "inception_v3", "xception", "inception_v4", "inception_resnet_v2"}

// Fixture is one network's reference: its spec, checked, and the outputs
// PyTorch computed.
type Fixture struct {
	Name string
	Net  *ir.Network
	// Want holds the fixture's tensors, N×… (N = 2 images).
	Want map[string]tensor.Tensor
	// Seed is the seed of the weights and the input.
	Seed uint64
	// BNScale maps batch norms (op names) to the power of two their running
	// statistics are calibrated by: mean·2^k, variance·4^k.
	BNScale map[string]int
	// Head is the name of the classifier layer, whose input is "features".
	Head string
}

// Load reads the fixture of a network and checks its spec.
func Load(t testing.TB, name string) *Fixture {
	t.Helper()
	const seed = 1
	want, meta, err := tensor.LoadSafetensors(testspec.Path(fmt.Sprintf("testdata/parity/%s_s%d.safetensors", name, seed)))
	if err != nil {
		t.Fatal(err)
	}
	fx := &Fixture{Name: name, Net: testspec.Load(t, "specs/"+name+".inc"), Want: want, Seed: seed, BNScale: map[string]int{}, Head: meta["head"]}
	if err := json.Unmarshal([]byte(meta["bn_log2_scale"]), &fx.BNScale); err != nil {
		t.Fatalf("%s: bn_log2_scale: %v", name, err)
	}
	return fx
}

// Weights returns the fixture's weights: every tensor of the network (side
// heads included) from the deterministic initializer, then the batch norm
// statistics scaled by the fixture's table (powers of two: exact).
func (fx *Fixture) Weights(t testing.TB) tensor.Weights {
	t.Helper()
	w := interp.InitWeights(fx.Net, fx.Seed, true)
	Calibrate(t, w, fx.BNScale)
	return w
}

// Calibrate scales the running statistics of the batch norms of w named in
// table: running_mean by 2^k, running_var by 4^k.
func Calibrate(t testing.TB, w tensor.Weights, table map[string]int) {
	t.Helper()
	for bn, k := range table {
		m, v := w[bn+".running_mean"], w[bn+".running_var"]
		if m.Data == nil || v.Data == nil {
			t.Fatalf("bn_log2_scale names %s, which is not a batch norm of the spec", bn)
		}
		for i := range m.Data {
			m.Data[i] *= float32(math.Ldexp(1, k))
			v.Data[i] *= float32(math.Ldexp(1, 2*k))
		}
	}
}

// Input is the fixture's input batch.
func (fx *Fixture) Input() tensor.Tensor {
	in := fx.Net.Input
	return runtime.SeededInput(fx.Seed, 2, in.C, in.H, in.W)
}

// A Point is where in the network a fixture tensor is taken.
type Point struct {
	Tensor string // the fixture tensor: logits, features, aux, mean/<path>, map/<path>
	Value  int    // the IR value it is computed from
	// Mean takes the per-channel mean over the image; Window cuts
	// [:, :C, :S, :S] (C, S from the fixture tensor's shape).
	Mean, Window bool
}

// Points lists where each of the fixture's tensors is taken in the network,
// in the order of the tensor names.
func (fx *Fixture) Points(t testing.TB) []Point {
	t.Helper()
	net := fx.Net
	var ps []Point
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range fx.Want {
			if !yield(k) {
				return
			}
		}
	}) {
		p := Point{Tensor: name}
		switch {
		case name == "logits":
			p.Value = net.Output
		case name == "features":
			op := opNamed(net, fx.Head)
			if op == nil {
				t.Fatalf("%s: no classifier %q (the fixture's head)", fx.Name, fx.Head)
			}
			p.Value = op.In[0]
		case name == "aux":
			if len(net.Heads) != 1 {
				t.Fatalf("%s: the fixture has aux, the spec %d side heads", fx.Name, len(net.Heads))
			}
			p.Value = net.Heads[0].Output
		case strings.HasPrefix(name, "mean/"), strings.HasPrefix(name, "map/"):
			_, path, _ := strings.Cut(name, "/")
			v, ok := Value(net, path)
			if !ok {
				t.Fatalf("%s: no statement %s in the spec", fx.Name, path)
			}
			p.Value, p.Mean, p.Window = v, strings.HasPrefix(name, "mean/"), strings.HasPrefix(name, "map/")
		default:
			t.Fatalf("%s: unknown fixture tensor %s", fx.Name, name)
		}
		ps = append(ps, p)
	}
	return ps
}

func opNamed(net *ir.Network, name string) *ir.Op {
	for i := range net.Ops {
		if net.Ops[i].Name == name {
			return &net.Ops[i]
		}
	}
	return nil
}

// Value returns the output of the trunk statement at path (a PyTorch module
// path, which is the spec's name for it): the value of the last op named
// path or inside it.
func Value(net *ir.Network, path string) (int, bool) {
	for i := len(net.Ops) - 1; i >= 0; i-- {
		op := &net.Ops[i]
		if op.Head == "" && (op.Name == path || strings.HasPrefix(op.Name, path+".")) {
			return op.Out, true
		}
	}
	return 0, false
}

// Take computes a point's tensor from the value's data for the images
// (each of the value's shape, one after the other), shaped as the
// fixture's tensor for that many images.
func (fx *Fixture) Take(p Point, data []float32, images int) []float32 {
	s := fx.Net.Shape(p.Value)
	hw := s.H * s.W
	switch {
	case p.Mean:
		out := make([]float32, images*s.C)
		for i := range out {
			var sum float64
			for _, v := range data[i*hw : (i+1)*hw] {
				sum += float64(v)
			}
			out[i] = float32(sum / float64(hw))
		}
		return out
	case p.Window:
		w := fx.Want[p.Tensor].Shape // [N, C, S, S]
		var out []float32
		for b := range images {
			for c := range w[1] {
				for y := range w[2] {
					row := data[((b*s.C+c)*s.H+y)*s.W:]
					out = append(out, row[:w[3]]...)
				}
			}
		}
		return out
	}
	return data
}

// Result is how close one tensor came.
type Result struct {
	Tensor  string
	Rel     float64 // max |got - want| / max |want|
	MaxDiff float64
}

// Compare compares got (tensors for the first images of the fixture's
// batch) with the fixture, each within [Tol] of its largest value, and
// the logits' top-5 classes, and returns the figures.
func (fx *Fixture) Compare(t testing.TB, got map[string][]float32, images int) []Result {
	t.Helper()
	var rs []Result
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	}) {
		w := fx.Want[name]
		want := w.Data[:len(w.Data)/w.Shape[0]*images]
		g := got[name]
		if len(g) != len(want) {
			t.Errorf("%s: %s: %d values, want %d", fx.Name, name, len(g), len(want))
			continue
		}
		var maxRef, maxDiff float64
		for i := range want {
			maxRef = math.Max(maxRef, math.Abs(float64(want[i])))
			maxDiff = math.Max(maxDiff, math.Abs(float64(g[i]-want[i])))
		}
		r := Result{Tensor: name, Rel: maxDiff / maxRef, MaxDiff: maxDiff}
		if !(r.Rel <= Tol) {
			t.Errorf("%s: %s: max |got - want| = %.3g, %.3g of max |want| %.3g (want <= %g)", fx.Name, name, maxDiff, r.Rel, maxRef, Tol)
		}
		if name == "logits" || name == "aux" {
			n := w.Shape[1]
			for b := range images {
				if g5, w5 := Top5(g[b*n:(b+1)*n]), Top5(want[b*n:(b+1)*n]); g5 != w5 {
					t.Errorf("%s: %s: image %d: top-5 %v, want %v", fx.Name, name, b, g5, w5)
				}
			}
		}
		rs = append(rs, r)
	}
	return rs
}

// Top5 returns the indices of the five largest values, largest first.
func Top5(v []float32) [5]int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	return [5]int(idx[:5])
}

// Summary renders results on one line: "logits 1.2e-06, features …".
func Summary(rs []Result) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.Tensor+" "+strconv.FormatFloat(r.Rel, 'g', 2, 64))
	}
	return strings.Join(parts, ", ")
}

// Worst is the largest relative difference of results.
func Worst(rs []Result) float64 {
	w := 0.0
	for _, r := range rs {
		w = math.Max(w, r.Rel)
	}
	return w
}
