package compiler

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
)

// checkFile parses and checks a spec, failing the test on any error.
func checkFile(t testing.TB, path string) *ir.Network {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := dsl.Parse(filepath.ToSlash(path), src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	n, err := Check(f)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return n
}

// params counts trainable weights (not batch norm running statistics),
// with or without the side heads.
func params(n *ir.Network, heads bool) int {
	total := 0
	for _, p := range n.Params(heads) {
		if p.Trainable() {
			total += p.Len()
		}
	}
	return total
}

// macs sums the multiply-accumulates of the trunk's ops.
func macs(n *ir.Network) int64 {
	var total int64
	for i := range n.Ops {
		if n.Ops[i].Head == "" {
			total += n.MACs(&n.Ops[i])
		}
	}
	return total
}

// module returns the top-level module named name.
func module(t *testing.T, n *ir.Network, name string) ir.Module {
	t.Helper()
	for _, m := range n.Modules {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("%s: no module %s", n.Name, name)
	return ir.Module{}
}

// moduleOut returns the shape of a module's output: the value of its last op.
func moduleOut(t *testing.T, n *ir.Network, name string) ir.Shape {
	t.Helper()
	m := module(t, n, name)
	if m.End <= m.First {
		t.Fatalf("%s: module %s has no ops", n.Name, name)
	}
	return n.Shape(n.Ops[m.End-1].Out)
}

// TestInceptionShapes checks the output of every Inception module of both
// GoogLeNets against the paper's Table 1.
func TestInceptionShapes(t *testing.T) {
	// Widths: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
	want := []struct {
		module string
		widths []int
		shape  ir.Shape
	}{
		{"inception3a", []int{64, 96, 128, 16, 32, 32}, ir.Shape{C: 256, H: 28, W: 28}},
		{"inception3b", []int{128, 128, 192, 32, 96, 64}, ir.Shape{C: 480, H: 28, W: 28}},
		{"inception4a", []int{192, 96, 208, 16, 48, 64}, ir.Shape{C: 512, H: 14, W: 14}},
		{"inception4b", []int{160, 112, 224, 24, 64, 64}, ir.Shape{C: 512, H: 14, W: 14}},
		{"inception4c", []int{128, 128, 256, 24, 64, 64}, ir.Shape{C: 512, H: 14, W: 14}},
		{"inception4d", []int{112, 144, 288, 32, 64, 64}, ir.Shape{C: 528, H: 14, W: 14}},
		{"inception4e", []int{256, 160, 320, 32, 128, 128}, ir.Shape{C: 832, H: 14, W: 14}},
		{"inception5a", []int{256, 160, 320, 32, 128, 128}, ir.Shape{C: 832, H: 7, W: 7}},
		{"inception5b", []int{384, 192, 384, 48, 128, 128}, ir.Shape{C: 1024, H: 7, W: 7}},
	}
	for _, spec := range []string{"googlenet.inc", "googlenet_torchvision.inc"} {
		n := checkFile(t, filepath.Join("..", "specs", spec))
		for _, tt := range want {
			t.Run(spec+"/"+tt.module, func(t *testing.T) {
				m := module(t, n, tt.module)
				if m.Kind != "inception" || !m.Block {
					t.Errorf("kind %q block %v, want an instance of inception", m.Kind, m.Block)
				}
				if got := moduleOut(t, n, tt.module); got != tt.shape {
					t.Errorf("got %v, want %v", got, tt.shape)
				}
				var widths []string
				for _, w := range tt.widths {
					widths = append(widths, strconv.Itoa(w))
				}
				if !slices.Equal(m.Args, widths) {
					t.Errorf("args: got %v, want %v", m.Args, tt.widths)
				}
			})
		}
	}
}

// TestFigures checks parameter counts and multiply-accumulates against the
// published figures (DESIGN.md, "Two GoogLeNets"; torchvision's metadata)
// and the course-notes examples.
func TestFigures(t *testing.T) {
	for _, tt := range []struct {
		spec            string
		params, withAux int
		macs            int64
		out             ir.Shape
	}{
		{"googlenet.inc", 6_998_552, 13_378_280, 1_582_671_872, ir.Shape{C: 1000, H: 1, W: 1}},
		{"googlenet_torchvision.inc", 6_624_904, 13_004_888, 1_498_376_192, ir.Shape{C: 1000, H: 1, W: 1}},
		// 32·28·28 outputs, each 5·5·192 products; no bias in this count.
		{"examples/naive_5x5.inc", 32*5*5*192 + 32, 32*5*5*192 + 32, 120_422_400, ir.Shape{C: 32, H: 28, W: 28}},
		// 16·28·28·192 for the 1x1 plus 32·28·28·5·5·16 for the 5x5.
		{"examples/bottleneck_5x5.inc", 16*192 + 16 + 32*5*5*16 + 32, 16*192 + 16 + 32*5*5*16 + 32, 12_443_648, ir.Shape{C: 32, H: 28, W: 28}},
		// GoogLeNet's 3a alone, the paper/Caffe module with biases, on
		// 192x28x28: 1x1 64; 1x1 96 then 3x3 128; 1x1 16 then 5x5 32;
		// pool then 1x1 32.
		{"examples/inception_module.inc",
			192*64 + 64 + 192*96 + 96 + 96*9*128 + 128 + 192*16 + 16 + 16*25*32 + 32 + 192*32 + 32,
			192*64 + 64 + 192*96 + 96 + 96*9*128 + 128 + 192*16 + 16 + 16*25*32 + 32 + 192*32 + 32,
			28 * 28 * (192*64 + 192*96 + 96*9*128 + 192*16 + 16*25*32 + 192*32),
			ir.Shape{C: 256, H: 28, W: 28}},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			n := checkFile(t, filepath.Join("..", "specs", tt.spec))
			if got := params(n, false); got != tt.params {
				t.Errorf("params: got %d, want %d", got, tt.params)
			}
			if got := params(n, true); got != tt.withAux {
				t.Errorf("params with heads: got %d, want %d", got, tt.withAux)
			}
			if got := macs(n); got != tt.macs {
				t.Errorf("MACs: got %d, want %d", got, tt.macs)
			}
			if got := n.Shape(n.Output); got != tt.out {
				t.Errorf("output: got %v, want %v", got, tt.out)
			}
		})
	}
}

// TestExamples checks the example specs' parameter counts against a hand
// count, and their output shapes.
func TestExamples(t *testing.T) {
	const (
		bn = 2 // batch norm: a scale and a shift per channel (running statistics are buffers)
	)
	for _, tt := range []struct {
		spec   string
		params int
		shapes map[string]ir.Shape // module outputs
	}{
		{"examples/resnet_tiny.inc",
			3*3*3*16 + bn*16 + // stem (conv without bias) and bn
				2*(3*3*16*16+bn*16) + // stage1 res(16): two 3x3 16→16 with batch norm, identity skip
				3*3*16*32 + bn*32 + 3*3*32*32 + bn*32 + // stage2 down(32): 3x3 16→32 stride 2, 3x3 32→32
				1*1*16*32 + bn*32 + // its skip: 1x1 16→32 stride 2 with batch norm
				2*(3*3*32*32+bn*32) + // stage3 res(32)
				3*3*32*64 + bn*64 + 3*3*64*64 + bn*64 + // stage4 down(64)
				1*1*32*64 + bn*64 + // its skip
				64*10 + 10, // fc 10 with bias
			map[string]ir.Shape{
				"stem":   {C: 16, H: 32, W: 32},
				"stage1": {C: 16, H: 32, W: 32},
				"stage2": {C: 32, H: 16, W: 16},
				"stage3": {C: 32, H: 16, W: 16},
				"stage4": {C: 64, H: 8, W: 8},
				"pool":   {C: 64, H: 1, W: 1},
				"fc":     {C: 10, H: 1, W: 1},
			}},
		{"examples/inception_v3_block.inc",
			768*192 + 192 + // branch1x1: 1x1 768→192, with bias
				768*128 + 128 + 1*7*128*128 + 128 + 7*1*128*192 + 192 + // branch7x7: 1x1, 1x7, 7x1
				768*128 + 128 + 3*(7*128*128+128) + 7*128*192 + 192 + // branch7x7dbl: 1x1, three 7x1/1x7 128→128, 1x7 128→192
				768*192 + 192, // branch_pool: avgpool, then 1x1 768→192
			map[string]ir.Shape{
				"mixed_6b": {C: 192 * 4, H: 17, W: 17},
			}},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			n := checkFile(t, filepath.Join("..", "specs", tt.spec))
			if got := params(n, true); got != tt.params {
				t.Errorf("params: got %d, want %d", got, tt.params)
			}
			for name, want := range tt.shapes {
				if got := moduleOut(t, n, name); got != want {
					t.Errorf("%s: got %v, want %v", name, got, want)
				}
			}
		})
	}
}

// TestTorchvisionNames checks that googlenet_torchvision.inc names its
// weights exactly as torchvision's GoogLeNet state_dict does (aux heads
// included, num_batches_tracked left out), so that its checkpoints load
// without renaming. The expected keys follow torchvision's module structure
// (models/googlenet.py; shared/reference/googlenet-variants.md, section 2).
func TestTorchvisionNames(t *testing.T) {
	n := checkFile(t, filepath.Join("..", "specs", "googlenet_torchvision.inc"))

	var want []string
	basic := func(prefix string) { // BasicConv2d: conv without bias, then BatchNorm2d
		want = append(want, prefix+".conv.weight")
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			want = append(want, prefix+".bn."+s)
		}
	}
	for _, m := range []string{"conv1", "conv2", "conv3"} {
		basic(m)
	}
	for _, m := range []string{"3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"} {
		for _, b := range []string{"branch1", "branch2.0", "branch2.1", "branch3.0", "branch3.1", "branch4.1"} {
			basic("inception" + m + "." + b)
		}
	}
	want = append(want, "fc.weight", "fc.bias")
	for _, aux := range []string{"aux1", "aux2"} { // InceptionAux
		basic(aux + ".conv")
		want = append(want, aux+".fc1.weight", aux+".fc1.bias", aux+".fc2.weight", aux+".fc2.bias")
	}
	if len(want) != 364-59 {
		t.Fatalf("expected keys: %d, want 364 state_dict entries less 59 num_batches_tracked", len(want))
	}

	shapes := map[string][]int{}
	var got []string
	for _, p := range n.Params(true) {
		if _, dup := shapes[p.Name]; dup {
			t.Errorf("weight %s named twice", p.Name)
		}
		shapes[p.Name] = p.Shape
		got = append(got, p.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	for _, k := range want {
		if _, ok := slices.BinarySearch(got, k); !ok {
			t.Errorf("missing %s", k)
		}
	}
	for _, k := range got {
		if _, ok := slices.BinarySearch(want, k); !ok {
			t.Errorf("unexpected %s", k)
		}
	}

	for name, shape := range map[string][]int{
		"conv1.conv.weight":                    {64, 3, 7, 7},
		"inception3a.branch3.1.conv.weight":    {32, 16, 3, 3}, // the 3x3 in the "5x5" branch
		"inception4a.branch4.1.bn.running_var": {64},
		"fc.weight":                            {1000, 1024},
		"aux1.conv.conv.weight":                {128, 512, 1, 1},
		"aux1.fc1.weight":                      {1024, 2048},
		"aux2.conv.conv.weight":                {128, 528, 1, 1},
	} {
		if got := shapes[name]; !slices.Equal(got, shape) {
			t.Errorf("%s: got shape %v, want %v", name, got, shape)
		}
	}
}
