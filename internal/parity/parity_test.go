package parity

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/stats"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/tensor"
)

// TestKeys: each network's weight names and shapes (side heads included)
// are exactly its reference's state_dict keys and shapes, without
// num_batches_tracked (testdata/parity/<name>_keys.txt, written by
// tools/make_fixtures.py --keys from the PyTorch modules).
func TestKeys(t *testing.T) {
	for _, name := range Networks {
		t.Run(name, func(t *testing.T) {
			net := testspec.Load(t, "specs/"+name+".inc")
			want := readKeys(t, name)
			got := map[string]string{}
			for _, p := range net.Params(true) {
				got[p.Name] = dimsString(p.Shape)
			}
			for k, s := range want {
				switch g, ok := got[k]; {
				case !ok:
					t.Errorf("%s: missing %s (%s)", name, k, s)
				case g != s:
					t.Errorf("%s: %s has shape %s, want %s", name, k, g, s)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: %s is not a key of the reference", name, k)
				}
			}
			t.Logf("%s: %d keys, all equal", name, len(want))
		})
	}
}

func readKeys(t *testing.T, name string) map[string]string {
	f, err := os.Open(testspec.Path("testdata/parity/" + name + "_keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		k, shape, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s_keys.txt: bad line %q", name, line)
		}
		keys[k] = shape
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("%s_keys.txt: only %d keys", name, len(keys))
	}
	return keys
}

func dimsString(shape []int) string {
	var s []string
	for _, d := range shape {
		s = append(s, strconv.Itoa(d))
	}
	return strings.Join(s, "x")
}

// TestCosts: each network's parameters (without side heads, and with
// them) and multiply-accumulates (convolutions and fully connected
// layers, trunk, one image) are the ones PyTorch counts, stored in the
// fixture's metadata by tools/make_fixtures.py.
func TestCosts(t *testing.T) {
	for _, name := range Networks {
		t.Run(name, func(t *testing.T) {
			net := testspec.Load(t, "specs/"+name+".inc")
			_, meta, err := tensor.LoadSafetensors(testspec.Path("testdata/parity/" + name + "_s1.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			trunk, all := stats.Compute(net, false).Totals, stats.Compute(net, true).Totals
			params := fmt.Sprintf("%d,%d", trunk.Params, all.Params)
			if params != meta["params"] {
				t.Errorf("params %s, PyTorch %s", params, meta["params"])
			}
			if macs := trunk.MACs.String(); macs != meta["macs"] {
				t.Errorf("MACs %s, PyTorch %s", macs, meta["macs"])
			}
			t.Logf("%s: params %s, MACs %s (PyTorch: %s, %s)", name, params, trunk.MACs, meta["params"], meta["macs"])
		})
	}
}
