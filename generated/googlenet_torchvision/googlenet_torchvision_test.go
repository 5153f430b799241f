package googlenet_torchvision

import (
	"slices"
	"testing"

	"github.com/inccdev/incc/internal/gentest"
	rt "github.com/inccdev/incc/runtime"
)

var pkg = &gentest.Package{
	Name: "googlenet_torchvision",
	Spec: "../../specs/googlenet_torchvision.inc",
	File: "googlenet_torchvision_gen.go",
	New: func(w rt.Weights, heads bool, threads int) (gentest.Net, error) {
		n, err := New(w, Options{Heads: heads, Threads: threads})
		if err != nil {
			return nil, err
		}
		return n, nil
	},
	NewSeeded: func(seed uint64, heads bool, threads int, profile bool) (gentest.Net, error) {
		n, err := NewSeeded(seed, Options{Heads: heads, Threads: threads, Profile: profile})
		if err != nil {
			return nil, err
		}
		return n, nil
	},
	Seeded: seededWeights,
	Probe:  probe,
}

// probe runs the trunk's layers one by one on one image and copies the
// outputs of the named layers right after they ran, and the trunk's output
// under "".
func probe(w rt.Weights, img []float32, names []string) (map[string][]float32, error) {
	ws, err := loadWeights(w, false)
	if err != nil {
		return nil, err
	}
	e := &exec{W: ws, In: img, Arena: make([]float32, layout.ArenaLen), Scratch: [][]float32{make([]float32, layout.ScratchLen)}}
	out := map[string][]float32{}
	for i := range layers {
		l := &layers[i]
		if l.Head {
			continue
		}
		l.Run(e, 0, 0, l.Items)
		if slices.Contains(names, l.Name) {
			src := e.Arena
			if l.Out.Input {
				src = e.In
			}
			out[l.Name] = slices.Clone(src[l.Out.Off : l.Out.Off+l.Out.Len])
		}
	}
	s := layout.Output
	if s.Input {
		out[""] = slices.Clone(e.In[s.Off : s.Off+s.Len])
	} else {
		out[""] = slices.Clone(e.Arena[s.Off : s.Off+s.Len])
	}
	return out, nil
}

func TestUpToDate(t *testing.T) { gentest.UpToDate(t, pkg) }

func TestVersionCheck(t *testing.T) { gentest.VersionCheck(t, pkg) }

func TestSeededWeights(t *testing.T) { gentest.SeededWeights(t, pkg, pkg.Load(t)) }

func TestForwardMatchesInterp(t *testing.T) { gentest.ForwardMatchesInterp(t, pkg, pkg.Load(t)) }

// TestParity compares with torchvision's outputs for the same seeded
// weights and input: the logits (the fc output) and the features (the
// average pool output).
func TestParity(t *testing.T) {
	gentest.Parity(t, pkg, pkg.Load(t), "torchvision", map[string]string{"logits": "", "features": "avgpool"})
}

func TestAllocs(t *testing.T) { gentest.Allocs(t, pkg, pkg.Load(t)) }

func TestErrors(t *testing.T) { gentest.Errors(t, pkg, pkg.Load(t)) }

func TestDropWhileRunning(t *testing.T) { gentest.DropWhileRunning(t, pkg, pkg.Load(t)) }

// TestProfile prints the time of each layer: INCC_PROFILE=20 go test -run
// TestProfile -v.
func TestProfile(t *testing.T) { gentest.Profile(t, pkg, pkg.Load(t)) }

func BenchmarkInfer(b *testing.B) { gentest.BenchInfer(b, pkg, pkg.Load(b)) }

// BenchmarkInterp runs the interpreter on the same network, for the ratio.
func BenchmarkInterp(b *testing.B) { gentest.BenchInterp(b, pkg.Load(b)) }
