package codegen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inccdev/incc/compiler"
	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/compiler/interp"
	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/dsl"
	"github.com/inccdev/incc/internal/geom"
	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime"
)

// numRandom is how many random networks TestDifferential compiles.
const numRandom = 32

// TestDifferential compiles the example specs and random small networks (random blocks, kernel
// sizes, strides, symmetric and asymmetric padding, grouped and depthwise
// convolutions, ceil and floor pools, concat, add and mul joins (with
// channel broadcasting), heads, batch norm, LRN, padded average pools with
// and without the padding in the divisor, adaptive pools, fully connected
// layers, every activation as a layer and as a flag, scaling) and checks the generated code
// against the interpreter: seeded weights, a seeded batch of 3, trunk and
// head outputs within 1e-4 of the largest interpreter output, and the
// same bits with 1, 2 and 3 threads.
//
// Generated code must be compiled to run: the test writes every network's
// package and a main that runs them all into a temporary directory under
// testdata (inside the module, removed afterwards) and builds them with one
// go run.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("short: builds generated packages")
	}
	dir, err := os.MkdirTemp("testdata", "tmp-diff-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rel := filepath.ToSlash(dir)
	var nets []*ir.Network
	var srcs []string
	rejected := 0
	// Features the random networks must exercise, counted in their plans.
	features := []string{
		"concat input written in place", "concat copy", "batch norm folded", "batch norm alone",
		"relu fused", "im2col", "1x1 GEMM", "LRN", "adaptive pool",
		"addition", "side head", "input slot", "addition fused", "pre-activation fused",
		"Winograd F(4x4)", "Winograd F(2x2)", "Winograd 1-D 7x1",
		"depthwise conv", "grouped conv", "multiplication", "average without padding",
		"average pool after its 1x1 convolution", "ReLU into depthwise",
		"scale folded", "scale alone", "relu6 fused", "sigmoid fused", "hardswish fused",
		"relu6 alone", "clamp alone", "sigmoid alone", "hardsigmoid alone", "hardswish alone", "silu alone",
		"1x1 GEMM by row halves",
	}
	counts := map[string]int{}
	examples, _ := filepath.Glob(testspec.Path("specs/examples/*.inc"))
	if len(examples) == 0 {
		t.Fatal("no specs/examples")
	}
	// and shapes the random networks are too small for
	examples = append(examples, "testdata/row_halves.inc")
	for seed := uint64(1); len(nets) < numRandom+len(examples); seed++ {
		var src, name string
		if k := len(nets); k < len(examples) {
			b, err := os.ReadFile(examples[k])
			if err != nil {
				t.Fatal(err)
			}
			src, name = string(b), "specs/examples/"+filepath.Base(examples[k])
			if strings.HasPrefix(examples[k], "testdata/") {
				name = "compiler/codegen/" + examples[k]
			}
			seed--
		} else {
			src, name = randomSpec(seed), fmt.Sprintf("rnd%d.inc", len(nets))
		}
		net, err := check(name, src)
		if err != nil {
			rejected++
			if rejected > numRandom {
				t.Fatalf("the checker rejects too many random specs; last:\n%s\n%v", src, err)
			}
			continue
		}
		pkg := fmt.Sprintf("net%d", len(nets))
		out, err := codegen.Generate(net, codegen.Options{Package: pkg, Spec: name})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, src)
		}
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, pkg, pkg+"_gen.go"), out, 0o644); err != nil {
			t.Fatal(err)
		}
		fs, err := codegen.PlanFeatures(net)
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range fs {
			counts[name] += n
		}
		nets = append(nets, net)
		srcs = append(srcs, src)
	}
	t.Logf("%d networks (%d examples, %d random; %d random specs rejected by the checker); features: %v", len(nets), len(examples), len(nets)-len(examples), rejected, counts)
	for _, name := range features {
		if counts[name] == 0 {
			t.Errorf("no random network exercises %s", name)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "main"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main", "main.go"), diffMain(rel, len(nets)), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command("go", "run", "./"+rel+"/main")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run: %v\n%s", err, stderr.String())
	}
	t.Logf("built and ran %d generated packages in %v", len(nets), time.Since(start).Round(time.Millisecond))
	var results []diffResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(nets) {
		t.Fatalf("%d results, want %d", len(results), len(nets))
	}
	for i, net := range nets {
		r := results[i]
		fail := func(format string, args ...any) {
			t.Errorf("%s: %s\n%s", nets[i].File, fmt.Sprintf(format, args...), srcs[i])
		}
		if r.Err != "" {
			fail("%s", r.Err)
			continue
		}
		in := net.Input
		it, err := interp.New(net, interp.InitWeights(net, diffSeed, true), interp.Options{Heads: true})
		if err != nil {
			t.Fatal(err)
		}
		want, err := it.Run(runtime.SeededInput(diffSeed, diffBatch, in.C, in.H, in.W))
		if err != nil {
			t.Fatal(err)
		}
		if msg := closeRel(r.Trunk, want.Output.Data); msg != "" {
			fail("output: %s", msg)
		}
		for k, h := range net.Heads {
			if msg := closeRel(r.Heads[k], want.Heads[h.Name].Data); msg != "" {
				fail("head %s: %s", h.Name, msg)
			}
		}
	}
}

const (
	diffSeed  = 11
	diffBatch = 3
)

// diffResult is what the generated main prints for one network.
type diffResult struct {
	Trunk []float32
	Heads [][]float32
	Err   string
}

// closeRel compares got with want to 1e-4 of max |want| (absolute 1e-6 if
// want is all zero) and describes a mismatch.
func closeRel(got, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	var maxRef, maxDiff float64
	at := 0
	for i := range want {
		maxRef = math.Max(maxRef, math.Abs(float64(want[i])))
		if d := math.Abs(float64(got[i] - want[i])); !(d <= maxDiff) {
			maxDiff, at = d, i
		}
	}
	if maxDiff <= 1e-4*maxRef || maxDiff <= 1e-6 {
		return ""
	}
	return fmt.Sprintf("max |diff| %.3g at [%d] (got %v, want %v), max |want| %.3g", maxDiff, at, got[at], want[at], maxRef)
}

func check(name, src string) (*ir.Network, error) {
	f, err := dsl.Parse(name, []byte(src))
	if err != nil {
		return nil, err
	}
	return compiler.Check(f)
}

// diffMain is a program that runs each generated package netK with 1, 2
// and 3 threads on the seeded batch, checks that the bits agree, and
// prints the results as JSON.
func diffMain(rel string, n int) []byte {
	var b strings.Builder
	b.WriteString("// Code generated by TestDifferential. DO NOT EDIT.\n\npackage main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"math\"\n\t\"os\"\n\n\trt \"github.com/inccdev/incc/runtime\"\n")
	for i := range n {
		fmt.Fprintf(&b, "\tnet%d \"github.com/inccdev/incc/compiler/codegen/%s/net%d\"\n", i, rel, i)
	}
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "const seed, batch = %d, %d\n\n", diffSeed, diffBatch)
	b.WriteString(`type net interface {
	InferHeads(dst, src []float32, n int, heads [][]float32) error
	Close()
}

type result struct {
	Trunk []float32
	Heads [][]float32
	Err   string
}

func run(newNet func(threads int) (net, error), in [3]int, outLen int, heads [][3]int) (r result) {
	src := rt.SeededInput(seed, batch, in[0], in[1], in[2]).Data
	for _, threads := range []int{1, 2, 3} {
		m, err := newNet(threads)
		if err != nil {
			return result{Err: err.Error()}
		}
		out := make([]float32, batch*outLen)
		hs := make([][]float32, len(heads))
		for i, s := range heads {
			hs[i] = make([]float32, batch*s[0]*s[1]*s[2])
		}
		err = m.InferHeads(out, src, batch, hs)
		m.Close()
		if err != nil {
			return result{Err: err.Error()}
		}
		if threads == 1 {
			r = result{Trunk: out, Heads: hs}
			continue
		}
		if !same(out, r.Trunk) {
			return result{Err: fmt.Sprintf("output with %d threads differs from 1 thread", threads)}
		}
		for i := range hs {
			if !same(hs[i], r.Heads[i]) {
				return result{Err: fmt.Sprintf("head %d with %d threads differs from 1 thread", i, threads)}
			}
		}
	}
	return r
}

func same(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

func main() {
	var rs []result
`)
	for i := range n {
		fmt.Fprintf(&b, "\trs = append(rs, run(func(t int) (net, error) { return net%d.NewSeeded(seed, net%d.Options{Heads: true, Threads: t}) }, net%d.InputShape, net%d.OutputLen, net%d.HeadShapes))\n", i, i, i, i, i)
	}
	b.WriteString(`	if err := json.NewEncoder(os.Stdout).Encode(rs); err != nil {
		panic(err)
	}
}
`)
	return []byte(b.String())
}

// shape is C×H×W during random generation.
type shape struct{ c, h, w int }

// specGen writes a random spec.
type specGen struct {
	r      *rand.Rand
	r2     *rand.Rand // choices added later, which leave r's sequence as it was
	b      strings.Builder
	labels []string // labelled trunk layers, for heads
	next   int
}

func (g *specGen) pick(xs ...int) int { return xs[g.r.IntN(len(xs))] }
func (g *specGen) chance(p float64) bool {
	return g.r.Float64() < p
}

// randomSpec returns a random network spec for seed.
func randomSpec(seed uint64) string {
	g := &specGen{r: rand.New(rand.NewPCG(seed, 0x1dc)), r2: rand.New(rand.NewPCG(seed, 0x2dc))}
	s := shape{g.pick(1, 2, 3, 4), 5 + g.r.IntN(10), 5 + g.r.IntN(10)}
	fmt.Fprintf(&g.b, "# random network %d\nnetwork rnd%d {\n    input %dx%dx%d\n", seed, seed, s.c, s.h, s.w)
	layers := 3 + g.r.IntN(6)
	for range layers {
		g.next++
		label := fmt.Sprintf("n%d", g.next)
		var line string
		line, s = g.layer(s, 1)
		fmt.Fprintf(&g.b, "    %s: %s\n", label, line)
		g.labels = append(g.labels, label)
	}
	// A classifier end, sometimes.
	if g.chance(0.6) {
		if s.h > 1 || s.w > 1 {
			if g.chance(0.5) {
				g.b.WriteString("    globalavgpool\n")
			} else {
				g.b.WriteString("    flatten\n")
			}
		}
		if g.chance(0.5) {
			g.b.WriteString("    dropout 0.5\n")
		}
		fmt.Fprintf(&g.b, "    fc %d%s\n", 2+g.r.IntN(6), g.act(0.3))
		if g.chance(0.5) {
			g.b.WriteString("    softmax\n")
		}
	}
	for i := range g.r.IntN(3) {
		at := g.labels[g.r.IntN(len(g.labels))]
		pool := "globalavgpool"
		if g.chance(0.5) {
			pool = fmt.Sprintf("adaptiveavgpool %dx%d", 1+g.r.IntN(2), 1+g.r.IntN(3))
		}
		fmt.Fprintf(&g.b, "    h%d: head at %s weight 0.3 { %s; conv 1x1 %d relu; flatten; fc %d }\n", i, at, pool, 1+g.r.IntN(4), 2+g.r.IntN(3))
	}
	g.b.WriteString("}\n")
	return g.b.String()
}

func (g *specGen) flag(p float64, f string) string {
	if g.chance(p) {
		return f
	}
	return ""
}

// activations are the activation flags and layers.
var activations = []string{"relu", "relu", "relu6", "sigmoid", "hardsigmoid", "hardswish", "silu"}

// act returns an activation flag with probability p.
func (g *specGen) act(p float64) string {
	if g.chance(p) {
		return " " + activations[g.r.IntN(len(activations))]
	}
	return ""
}

// layer returns a random layer (or join) for input shape s and its output
// shape. depth bounds nesting.
func (g *specGen) layer(s shape, depth int) (string, shape) {
	for {
		switch k := g.r.IntN(11); {
		case k <= 2:
			return g.conv(s)
		case k == 3 || k == 4:
			if l, o, ok := g.pool(s); ok {
				return l, o
			}
		case k == 5:
			return fmt.Sprintf("lrn %d alpha %g beta %g k %g", g.pick(1, 2, 3, 5), []float64{1e-4, 0.01, 0.5}[g.r.IntN(3)],
				[]float64{0.75, 0.5, 1, 0.6}[g.r.IntN(4)], []float64{1, 2}[g.r.IntN(2)]), s
		case k == 6:
			return "batchnorm" + g.act(0.5) + g.flag(0.3, " eps 0.001"), s
		case k == 7:
			if s.h > 1 && s.w > 1 {
				o := shape{s.c, 1 + g.r.IntN(s.h), 1 + g.r.IntN(s.w)}
				return fmt.Sprintf("adaptiveavgpool %dx%d", o.h, o.w), o
			}
		case k == 8 && depth <= 2:
			return g.concat(s, depth)
		case k == 9 && depth <= 2:
			if g.chance(0.3) {
				return g.mul(s, depth)
			}
			return g.add(s, depth)
		case k == 10:
			return []string{"relu", "dropout 0.3", "identity", "relu6", "clamp -0.5 1.5", "clamp 0 0.25", "sigmoid", "hardsigmoid",
				"hardswish", "silu", "scale 0.7"}[g.r.IntN(11)], s
		}
	}
}

// conv returns a random convolution with optional batch norm.
func (g *specGen) conv(s shape) (string, shape) {
	for {
		kh, kw := g.pick(1, 1, 2, 3, 3, 5), g.pick(1, 1, 2, 3, 3, 5)
		if g.chance(0.5) {
			kw = kh
		}
		sh, sw := g.pick(1, 1, 2), g.pick(1, 1, 2)
		t, l, b, r := g.r.IntN(kh+1), g.r.IntN(kw+1), g.r.IntN(kh+1), g.r.IntN(kw+1)
		var pad string
		switch g.r.IntN(4) {
		case 0:
			t, l, b, r = 0, 0, 0, 0
		case 1:
			t, l, b, r = kh/2, kh/2, kh/2, kh/2
			pad = fmt.Sprintf(" pad %d", kh/2)
			if kh != kw {
				t, l, b, r = 0, 0, 0, 0
				pad = ""
			}
		case 2:
			pad = fmt.Sprintf(" pad (%d, %d, %d, %d)", t, l, b, r)
		case 3:
			t, b = kh/2, kh/2
			l, r = kw/2, kw/2
			pad = fmt.Sprintf(" pad %dx%d", t, l)
		}
		oh, ow := (s.h+t+b-kh)/sh+1, (s.w+l+r-kw)/sw+1
		if s.h+t+b < kh || s.w+l+r < kw {
			continue
		}
		out := g.pick(1, 2, 3, 4, 5, 8, 17)
		groups := ""
		switch k := g.r.IntN(10); {
		case k < 2: // depthwise, one or two filters per channel
			out = s.c * g.pick(1, 2)
			groups = fmt.Sprintf(" groups %d", s.c)
		case k < 3 && s.c%2 == 0: // two groups
			out = 2 * g.pick(1, 2, 3)
			groups = " groups 2"
		}
		stride := ""
		switch {
		case sh != sw:
			stride = fmt.Sprintf(" stride %dx%d", sh, sw)
		case sh > 1:
			stride = fmt.Sprintf(" stride %d", sh)
		}
		line := fmt.Sprintf("conv %dx%d %d%s%s%s%s%s", kh, kw, out, stride, pad, groups, g.flag(0.3, " nobias"), g.act(0.4))
		switch k := g.r.IntN(10); {
		case k < 3:
			line = fmt.Sprintf("{ %s; batchnorm%s }", line, g.act(0.5))
		case k < 4 && !strings.Contains(line, "relu") && !strings.Contains(line, "s"+"ilu"):
			// A scale the convolution alone feeds (folded), or after its
			// activation (a pass of its own).
			act := ""
			if a := g.act(0.3); a != "" {
				act = ";" + a
			}
			line = fmt.Sprintf("{ %s; scale %g%s }", line, []float64{0.17, -0.5, 2}[g.r.IntN(3)], act)
		}
		return line, shape{out, oh, ow}
	}
}

// pool returns a random max or average pool, if one fits s.
func (g *specGen) pool(s shape) (string, shape, bool) {
	k := g.pick(2, 3)
	st := g.pick(1, 2, 3)
	p := g.r.IntN(k/2 + 1)
	ceil := g.chance(0.5)
	oh, ow := geom.Out(s.h, k, st, p, p, ceil), geom.Out(s.w, k, st, p, p, ceil)
	if oh <= 0 || ow <= 0 {
		return "", s, false
	}
	kind := "maxpool"
	if g.chance(0.5) {
		kind = "avgpool"
	}
	round := " floor"
	if ceil {
		round = " ceil"
	}
	exclude := ""
	if kind == "avgpool" && p > 0 && g.chance(0.5) {
		exclude = " excludepad"
	}
	return fmt.Sprintf("%s %dx%d stride %d pad %d%s%s", kind, k, k, st, p, round, exclude), shape{s.c, oh, ow}, true
}

// same returns a random branch that keeps the spatial size, with its
// output channels; keepC forces the channel count to stay s.c.
func (g *specGen) same(s shape, keepC bool) (string, int) {
	switch g.r.IntN(5) {
	case 0:
		return "{ }", s.c
	case 1:
		if !keepC {
			return "maxpool 3x3 stride 1 pad 1", s.c
		}
		return "batchnorm", s.c
	case 2:
		if !keepC {
			pool := "avgpool 3x3 stride 1 pad 1 ceil" + g.flag(0.5, " excludepad")
			if s.c > 1 && g.r2.IntN(2) == 0 {
				// Inception's pool projection: the pool moves after the
				// convolution.
				out := 1 + g.r2.IntN(min(s.c-1, 3))
				act := activations[g.r2.IntN(len(activations))]
				if g.r2.IntN(2) == 0 {
					return fmt.Sprintf("{ %s; conv 1x1 %d nobias; batchnorm %s }", pool, out, act), out
				}
				return fmt.Sprintf("{ %s; conv 1x1 %d nobias %s }", pool, out, act), out
			}
			return pool, s.c
		}
		return append([]string{"clamp -1 0.5"}, activations...)[g.r.IntN(len(activations)+1)], s.c
	}
	out := g.pick(1, 2, 3, 6)
	if keepC {
		out = s.c
	}
	k := g.pick(1, 3, 5)
	if g.chance(0.5) {
		return fmt.Sprintf("conv %dx%d %d pad %d%s", k, k, out, k/2, g.act(0.5)), out
	}
	r := g.pick(1, 2, 4)
	return fmt.Sprintf("{ conv 1x1 %d relu; conv %dx%d %d pad same%s }", r, k, k, out, g.act(0.5)), out
}

// concat joins 2-4 branches that keep the spatial size.
func (g *specGen) concat(s shape, depth int) (string, shape) {
	var parts []string
	c := 0
	for range 2 + g.r.IntN(3) {
		p, pc := g.same(s, false)
		if g.chance(0.2) && depth < 2 {
			// A nested join.
			var o shape
			p, o = g.add(s, depth+1)
			pc = o.c
		}
		parts = append(parts, p)
		c += pc
	}
	return "concat" + g.act(0.2) + " { " + strings.Join(parts, "; ") + " }", shape{c, s.h, s.w}
}

// mul multiplies 2-3 branches that keep the shape, or one that does by a
// squeeze-and-excitation gate (one value per channel).
func (g *specGen) mul(s shape, depth int) (string, shape) {
	var parts []string
	for range 2 + g.r.IntN(2) {
		p, _ := g.same(s, true)
		if g.chance(0.5) {
			p = fmt.Sprintf("{ globalavgpool; conv 1x1 %d relu; conv 1x1 %d %s }", 1+g.r.IntN(4), s.c, []string{"sigmoid", "hardsigmoid"}[g.r.IntN(2)])
		}
		parts = append(parts, p)
	}
	return "mul" + g.act(0.2) + " { " + strings.Join(parts, "; ") + " }", s
}

// add sums 2-3 branches that keep the shape; sometimes ReLU follows.
func (g *specGen) add(s shape, depth int) (string, shape) {
	var parts []string
	for range 2 + g.r.IntN(2) {
		p, _ := g.same(s, true)
		parts = append(parts, p)
	}
	if g.r2.IntN(3) == 0 {
		// Xception's separable branch: a ReLU of the join's input, then a
		// depthwise convolution (the ReLU goes into it) and a 1×1 one.
		k := []int{3, 5}[g.r2.IntN(2)]
		parts[0] = fmt.Sprintf("{ relu; conv %dx%d %d pad %d groups %d nobias; conv 1x1 %d }", k, k, s.c, k/2, s.c, s.c)
	}
	return "add" + g.act(0.3) + " { " + strings.Join(parts, "; ") + " }", s
}

// TestRandomSpecsCheck makes sure the generator mostly produces valid
// specs (a cheap guard for TestDifferential's coverage).
func TestRandomSpecsCheck(t *testing.T) {
	bad := 0
	for seed := uint64(1); seed <= 50; seed++ {
		if _, err := check("x.inc", randomSpec(seed)); err != nil {
			bad++
			if bad <= 3 {
				var b bytes.Buffer
				dsl.Print(&b, err, map[string][]byte{"x.inc": []byte(randomSpec(seed)), compiler.PreludeFile: compiler.Prelude()})
				t.Logf("seed %d:\n%s\n%s", seed, randomSpec(seed), b.String())
			}
		}
	}
	if bad > 10 {
		t.Errorf("%d of 50 random specs do not check", bad)
	}
}
