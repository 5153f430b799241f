package interp

import (
	"math"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/tensor"
)

// builder assembles an ir.Network by hand, as the checker would.
type builder struct{ net *ir.Network }

func newBuilder(c, h, w int) *builder {
	in := ir.Shape{C: c, H: h, W: w}
	return &builder{&ir.Network{Name: "toy", File: "toy.inc", Input: in,
		Values: []ir.Value{{ID: 0, Shape: in, Producer: -1}}}}
}

// op appends op with output shape out and returns the output value's ID.
func (b *builder) op(op ir.Op, out ir.Shape) int {
	id := len(b.net.Values)
	op.Out = id
	op.Src = ir.Pos{File: "toy.inc", Line: len(b.net.Ops) + 1, Col: 5}
	b.net.Values = append(b.net.Values, ir.Value{ID: id, Shape: out, Producer: len(b.net.Ops)})
	b.net.Ops = append(b.net.Ops, op)
	return id
}

func (b *builder) conv(name, head string, in, out, k, stride, pad int, bias bool, shape ir.Shape) int {
	c := b.net.Shape(in).C
	ps := []ir.Param{{Name: name + ".weight", Role: ir.RoleWeight, Shape: []int{out, c, k, k}, FanIn: c * k * k}}
	if bias {
		ps = append(ps, ir.Param{Name: name + ".bias", Role: ir.RoleBias, Shape: []int{out}})
	}
	return b.op(ir.Op{Kind: ir.KindConv, Name: name, Head: head, In: []int{in}, Params: ps,
		Conv: &ir.Conv{Out: out, KH: k, KW: k, SH: stride, SW: stride, Pad: ir.Pad{Top: pad, Left: pad, Bottom: pad, Right: pad}, Bias: bias, Groups: 1}}, shape)
}

func (b *builder) fc(name, head string, in, out int) int {
	n := b.net.Shape(in).Len()
	return b.op(ir.Op{Kind: ir.KindFC, Name: name, Head: head, In: []int{in}, FC: &ir.FC{Out: out, Bias: true},
		Params: []ir.Param{
			{Name: name + ".weight", Role: ir.RoleWeight, Shape: []int{out, n}, FanIn: n},
			{Name: name + ".bias", Role: ir.RoleBias, Shape: []int{out}},
		}}, ir.Shape{C: out, H: 1, W: 1})
}

func (b *builder) simple(kind ir.Kind, name, head string, shape ir.Shape, in ...int) int {
	return b.op(ir.Op{Kind: kind, Name: name, Head: head, In: in}, shape)
}

// toyNet is conv → bn → relu → maxpool (ceil, last window hanging over)
// → two branches joined by concat → residual add → LRN → avgpool (pad,
// ceil) → global average → flatten → dropout → fc → softmax, with a head
// "aux" on the add: avgpool → conv → relu → flatten → fc.
func toyNet() *ir.Network {
	b := newBuilder(3, 8, 8)
	s := func(c, h, w int) ir.Shape { return ir.Shape{C: c, H: h, W: w} }
	v := b.conv("conv1", "", 0, 4, 3, 1, 1, false, s(4, 8, 8))
	bn := []ir.Param{}
	for _, p := range []struct {
		suffix string
		role   ir.Role
	}{{"weight", ir.RoleWeight}, {"bias", ir.RoleBias}, {"running_mean", ir.RoleRunningMean}, {"running_var", ir.RoleRunningVar}} {
		bn = append(bn, ir.Param{Name: "conv1.bn." + p.suffix, Role: p.role, Shape: []int{4}})
	}
	v = b.op(ir.Op{Kind: ir.KindBatchNorm, Name: "conv1.bn", In: []int{v}, BN: &ir.BatchNorm{Eps: 1e-3}, Params: bn}, s(4, 8, 8))
	v = b.simple(ir.KindReLU, "conv1.relu", "", s(4, 8, 8), v)
	pool := b.op(ir.Op{Kind: ir.KindMaxPool, Name: "pool1", In: []int{v},
		Pool: &ir.Pool{KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}}, s(4, 4, 4)) // ceil(5/2)+1 = 4
	b1 := b.conv("mix.b1", "", pool, 2, 1, 1, 0, true, s(2, 4, 4))
	b2 := b.conv("mix.b2.0", "", pool, 3, 1, 1, 0, true, s(3, 4, 4))
	b2 = b.conv("mix.b2.1", "", b2, 2, 3, 1, 1, true, s(2, 4, 4))
	cat := b.simple(ir.KindConcat, "mix", "", s(4, 4, 4), b1, b2)
	add := b.simple(ir.KindAdd, "res", "", s(4, 4, 4), cat, pool)
	v = b.op(ir.Op{Kind: ir.KindLRN, Name: "norm", In: []int{add}, LRN: &ir.LRN{Size: 3, Alpha: 0.5, Beta: 0.75, K: 1}}, s(4, 4, 4))
	v = b.op(ir.Op{Kind: ir.KindAvgPool, Name: "pool2", In: []int{v},
		Pool: &ir.Pool{KH: 3, KW: 3, SH: 2, SW: 2, Pad: ir.Pad{Top: 1, Left: 1, Bottom: 1, Right: 1}, Ceil: true}}, s(4, 3, 3))
	v = b.op(ir.Op{Kind: ir.KindAdaptiveAvgPool, Name: "gap", In: []int{v}, Adaptive: &ir.Adaptive{H: 1, W: 1}}, s(4, 1, 1))
	v = b.simple(ir.KindFlatten, "flat", "", s(4, 1, 1), v)
	v = b.op(ir.Op{Kind: ir.KindDropout, Name: "drop", In: []int{v}, Dropout: &ir.Dropout{Rate: 0.4}}, s(4, 1, 1))
	v = b.fc("fc", "", v, 5)
	b.net.Output = b.simple(ir.KindSoftmax, "prob", "", s(5, 1, 1), v)

	h := b.op(ir.Op{Kind: ir.KindAvgPool, Name: "aux.pool", Head: "aux", In: []int{add},
		Pool: &ir.Pool{KH: 2, KW: 2, SH: 2, SW: 2}}, s(4, 2, 2))
	h = b.conv("aux.conv", "aux", h, 2, 1, 1, 0, true, s(2, 2, 2))
	h = b.simple(ir.KindReLU, "aux.relu", "aux", s(2, 2, 2), h)
	h = b.simple(ir.KindFlatten, "aux.flat", "aux", s(8, 1, 1), h)
	h = b.fc("aux.fc", "aux", h, 3)
	b.net.Heads = []ir.Head{{Name: "aux", At: add, AtName: "res", Weight: 0.3, Output: h}}
	return b.net
}

// img is one image, [c][y][x], in float64.
type img [][][]float64

func newImg(c, h, w int) img {
	m := make(img, c)
	for i := range m {
		m[i] = make([][]float64, h)
		for y := range m[i] {
			m[i][y] = make([]float64, w)
		}
	}
	return m
}

func fromFlat(d []float32, c, h, w int) img {
	m := newImg(c, h, w)
	for i := range m {
		for y := range m[i] {
			for x := range m[i][y] {
				m[i][y][x] = float64(d[(i*h+y)*w+x])
			}
		}
	}
	return m
}

func (m img) flat() []float64 {
	var d []float64
	for _, ch := range m {
		for _, row := range ch {
			d = append(d, row...)
		}
	}
	return d
}

// at reads m with zero padding.
func (m img) at(c, y, x int) (float64, bool) {
	if y < 0 || y >= len(m[c]) || x < 0 || x >= len(m[c][0]) {
		return 0, false
	}
	return m[c][y][x], true
}

func refConv(m img, w tensor.Weights, name string, out, k, stride, pad int, oh, ow int) img {
	wt, bias := w[name+".weight"], w[name+".bias"]
	r := newImg(out, oh, ow)
	for o := range out {
		for y := range oh {
			for x := range ow {
				s := 0.0
				if bias.Data != nil {
					s = float64(bias.Data[o])
				}
				for c := range m {
					for i := range k {
						for j := range k {
							v, _ := m.at(c, y*stride-pad+i, x*stride-pad+j)
							s += float64(wt.At(o, c, i, j)) * v
						}
					}
				}
				r[o][y][x] = s
			}
		}
	}
	return r
}

// refPool pools with window k, stride, pad; avg divides by the window
// clipped to the padded extent.
func refPool(m img, k, stride, pad, oh, ow int, isMax bool) img {
	h, w := len(m[0]), len(m[0][0])
	r := newImg(len(m), oh, ow)
	for c := range m {
		for y := range oh {
			for x := range ow {
				acc, n := 0.0, 0
				if isMax {
					acc = math.Inf(-1)
				}
				for i := range k {
					for j := range k {
						iy, ix := y*stride-pad+i, x*stride-pad+j
						if iy >= h+pad || ix >= w+pad {
							continue
						}
						n++
						v, in := m.at(c, iy, ix)
						if isMax && in {
							acc = math.Max(acc, v)
						} else if !isMax {
							acc += v
						}
					}
				}
				if !isMax {
					acc /= float64(n)
				}
				r[c][y][x] = acc
			}
		}
	}
	return r
}

func mapImg(m img, f func(c int, v float64) float64) img {
	r := newImg(len(m), len(m[0]), len(m[0][0]))
	for c := range m {
		for y := range m[c] {
			for x := range m[c][y] {
				r[c][y][x] = f(c, m[c][y][x])
			}
		}
	}
	return r
}

func refFC(x []float64, w tensor.Weights, name string) []float64 {
	wt, b := w[name+".weight"], w[name+".bias"]
	out := make([]float64, wt.Shape[0])
	for o := range out {
		s := float64(b.Data[o])
		for i, v := range x {
			s += float64(wt.At(o, i)) * v
		}
		out[o] = s
	}
	return out
}

// reference computes toyNet for one image in float64, layer by layer, from
// the formulas: the trunk's softmax output and the head's logits.
func reference(x img, w tensor.Weights) (trunk, aux []float64) {
	v := refConv(x, w, "conv1", 4, 3, 1, 1, 8, 8)
	v = mapImg(v, func(c int, a float64) float64 {
		g, b := float64(w["conv1.bn.weight"].Data[c]), float64(w["conv1.bn.bias"].Data[c])
		m, s := float64(w["conv1.bn.running_mean"].Data[c]), float64(w["conv1.bn.running_var"].Data[c])
		return math.Max(0, (a-m)/math.Sqrt(s+1e-3)*g+b) // with the ReLU
	})
	pool := refPool(v, 3, 2, 0, 4, 4, true)
	b1 := refConv(pool, w, "mix.b1", 2, 1, 1, 0, 4, 4)
	b2 := refConv(pool, w, "mix.b2.0", 3, 1, 1, 0, 4, 4)
	b2 = refConv(b2, w, "mix.b2.1", 2, 3, 1, 1, 4, 4)
	add := mapImg(append(append(img{}, b1...), b2...), nil2(pool))
	lrn := newImg(4, 4, 4)
	for c := range 4 {
		for y := range 4 {
			for x := range 4 {
				s := 0.0
				for j := c - 1; j <= c+1; j++ { // size 3: one before, one after
					if j >= 0 && j < 4 {
						s += add[j][y][x] * add[j][y][x]
					}
				}
				lrn[c][y][x] = add[c][y][x] / math.Pow(1+0.5/3*s, 0.75)
			}
		}
	}
	p2 := refPool(lrn, 3, 2, 1, 3, 3, false)
	gap := make([]float64, 4)
	for c := range 4 {
		for _, row := range p2[c] {
			for _, a := range row {
				gap[c] += a / 9
			}
		}
	}
	logits := refFC(gap, w, "fc")
	mx, sum := math.Inf(-1), 0.0
	for _, l := range logits {
		mx = math.Max(mx, l)
	}
	for _, l := range logits {
		sum += math.Exp(l - mx)
	}
	for _, l := range logits {
		trunk = append(trunk, math.Exp(l-mx)/sum)
	}

	h := refPool(add, 2, 2, 0, 2, 2, false)
	h = refConv(h, w, "aux.conv", 2, 1, 1, 0, 2, 2)
	h = mapImg(h, func(_ int, a float64) float64 { return math.Max(0, a) })
	return trunk, refFC(h.flat(), w, "aux.fc")
}

// nil2 returns a map function adding other's cell (the residual add).
func nil2(other img) func(int, float64) float64 {
	i := 0
	flat := other.flat()
	return func(_ int, a float64) float64 {
		i++
		return a + flat[i-1]
	}
}

func closeTo(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*math.Max(1, math.Abs(want[i]))) {
			t.Errorf("%s[%d]: got %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestRunToyNet(t *testing.T) {
	net := toyNet()
	if err := ir.Validate(net); err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{1, 2} {
		w := InitWeights(net, seed, true)
		it, err := New(net, w, Options{Heads: true, Keep: []string{"res", "mix"}})
		if err != nil {
			t.Fatal(err)
		}
		const n = 3
		in := runtime.SeededInput(seed, n, 3, 8, 8)
		res, err := it.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.SameShape(res.Output.Shape, []int{n, 5, 1, 1}) {
			t.Errorf("output shape: got %v, want [3 5 1 1]", res.Output.Shape)
		}
		aux, ok := res.Heads["aux"]
		if !ok || !tensor.SameShape(aux.Shape, []int{n, 3, 1, 1}) {
			t.Fatalf("head aux: got %v, want shape [3 3 1 1]", aux.Shape)
		}
		for b := range n {
			x := fromFlat(in.Data[b*3*64:(b+1)*3*64], 3, 8, 8)
			trunk, head := reference(x, w)
			closeTo(t, "trunk", res.Output.Data[b*5:(b+1)*5], trunk, 1e-5)
			closeTo(t, "aux", aux.Data[b*3:(b+1)*3], head, 1e-5)
		}
		if got := res.Values["mix"].Shape; !tensor.SameShape(got, []int{n, 4, 4, 4}) {
			t.Errorf("kept mix: got shape %v, want [3 4 4 4]", got)
		}
		if len(res.Values) != 2 {
			t.Errorf("kept values: got %d, want 2", len(res.Values))
		}
		// The batch does not change any image's result.
		one, err := it.Run(tensor.Tensor{Shape: []int{1, 3, 8, 8}, Data: in.Data[3*64 : 2*3*64]})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range one.Output.Data {
			if v != res.Output.Data[5+i] {
				t.Errorf("image 1 alone: output[%d] = %v, in a batch %v", i, v, res.Output.Data[5+i])
			}
		}
	}
}

// TestConcatOrder pins concatenation order and residual addition with
// hand-computed values: identity branches of a 1×1×2 input.
func TestConcatOrder(t *testing.T) {
	b := newBuilder(1, 1, 2)
	s := func(c int) ir.Shape { return ir.Shape{C: c, H: 1, W: 2} }
	relu := b.simple(ir.KindReLU, "relu", "", s(1), 0)
	id := b.simple(ir.KindIdentity, "id", "", s(1), 0)
	cat := b.simple(ir.KindConcat, "cat", "", s(3), relu, id, 0)
	add := b.simple(ir.KindAdd, "add", "", s(3), cat, cat)
	b.net.Output = add
	it, err := New(b.net, tensor.Weights{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := it.Run(tensor.Tensor{Shape: []int{2, 1, 1, 2}, Data: []float32{-1, 2, 3, -4}})
	if err != nil {
		t.Fatal(err)
	}
	// image 0: relu [0 2], id [-1 2], input [-1 2]; doubled.
	want := []float64{0, 4, -2, 4, -2, 4, 6, 0, 6, -8, 6, -8}
	closeTo(t, "add", res.Output.Data, want, 0)
}

func TestHeadsOptional(t *testing.T) {
	net := toyNet()
	all := InitWeights(net, 1, true)
	trunk := InitWeights(net, 1, false)
	if _, ok := trunk["aux.fc.weight"]; ok {
		t.Errorf("InitWeights(heads=false) has aux.fc.weight, want no head weights")
	}
	if len(trunk) >= len(all) {
		t.Errorf("InitWeights: %d trunk weights, %d with heads; want fewer without", len(trunk), len(all))
	}
	in := runtime.SeededInput(1, 1, 3, 8, 8)
	var outs [][]float32
	for _, w := range []tensor.Weights{trunk, all} {
		it, err := New(net, w, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := it.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Heads) != 0 {
			t.Errorf("heads without Options.Heads: got %d, want 0", len(res.Heads))
		}
		outs = append(outs, res.Output.Data)
	}
	for i := range outs[0] {
		if outs[0][i] != outs[1][i] {
			t.Errorf("output[%d]: %v without head weights, %v with", i, outs[0][i], outs[1][i])
		}
	}
	// Heads need their weights.
	_, err := New(net, trunk, Options{Heads: true})
	if err == nil || !strings.Contains(err.Error(), "runtime: weights: aux.conv.weight: missing, want shape [2 4 1 1]") {
		t.Errorf("heads without their weights: got %v, want missing aux.conv.weight", err)
	}
}

func TestNewErrors(t *testing.T) {
	net := toyNet()
	base := func() tensor.Weights { return InitWeights(net, 1, false) }
	tests := []struct {
		name string
		w    func() tensor.Weights
		opts Options
		want []string
	}{
		{"torchvision-counters-ignored", func() tensor.Weights {
			w := base()
			w["conv1.bn.num_batches_tracked"] = tensor.New()
			return w
		}, Options{}, nil},
		{"wrong-shape-and-missing-and-extra", func() tensor.Weights {
			w := base()
			w["conv1.weight"] = tensor.New(4, 3, 1, 1)
			delete(w, "fc.bias")
			w["fc2.weight"] = tensor.New(2)
			return w
		}, Options{}, []string{
			"runtime: weights: conv1.weight: shape [4 3 1 1], want [4 3 3 3]",
			"runtime: weights: fc.bias: missing, want shape [5]",
			"runtime: weights: fc2.weight: unexpected tensor (shape [2]), the network has no such weight",
		}},
		{"keep-unknown", base, Options{Keep: []string{"nope", "aux.fc"}}, []string{
			`interp: keep "nope": no such op`,
			`interp: keep "aux.fc": op of head aux, which does not run without Options.Heads`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(net, tt.w(), tt.opts)
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*ir.Network)
		want   string
	}{
		{"floor-shape-for-ceil-pool", func(n *ir.Network) { n.Ops[3].Pool.Ceil = false },
			"ir: op pool1 (toy.inc:4:5): output shape 4x4x4, want 4x3x3"},
		{"conv-weight-shape", func(n *ir.Network) { n.Ops[0].Params[0].Shape = []int{4, 3, 1, 1} },
			"ir: op conv1 (toy.inc:1:5): weight conv1.weight: role 0 shape [4 3 1 1], want role 0 shape [4 3 3 3]"},
		{"missing-attrs", func(n *ir.Network) { n.Ops[0].Conv = nil }, "ir: op conv1 (toy.inc:1:5): conv without its attributes"},
		{"bad-arity", func(n *ir.Network) { n.Ops[2].In = []int{1, 2} }, "ir: op conv1.relu (toy.inc:3:5): relu has 2 inputs, want 1"},
		{"later-input", func(n *ir.Network) { n.Ops[2].In = []int{5} }, "input value 5 is produced by a later op"},
		{"trunk-reads-head", func(n *ir.Network) { n.Ops[4].Head = "aux" }, "ir: op mix (toy.inc:8:5): trunk op reads value 5 of head aux"},
		{"softmax-spatial", func(n *ir.Network) { n.Ops[15].In = []int{9}; n.Values[16].Shape = ir.Shape{C: 4, H: 4, W: 4} }, "softmax: input must be Cx1x1, got 4x4x4 (flatten or pool first)"},
		{"concat-spatial", func(n *ir.Network) { n.Ops[7].In = []int{5, 1} }, "concat: branch 2 gives 4x8x8, but branch 1 gives 2x4x4 (spatial sizes must match)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := toyNet()
			tt.mutate(net)
			err := ir.Validate(net)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if _, err := New(net, InitWeights(toyNet(), 1, true), Options{}); err == nil {
				t.Errorf("New: got no error, want one")
			}
		})
	}
}

func TestRunInputErrors(t *testing.T) {
	net := toyNet()
	it, err := New(net, InitWeights(net, 1, false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   tensor.Tensor
		want string
	}{
		{"wrong-channels", tensor.New(1, 1, 8, 8), "interp: input shape [1 1 8 8], want [N 3 8 8] with N >= 1"},
		{"no-batch", tensor.New(3, 8, 8), "interp: input shape [3 8 8], want [N 3 8 8] with N >= 1"},
		{"empty-batch", tensor.New(0, 3, 8, 8), "interp: input shape [0 3 8 8], want [N 3 8 8] with N >= 1"},
		{"short-data", tensor.Tensor{Shape: []int{2, 3, 8, 8}, Data: make([]float32, 10)}, "interp: input has 10 values, want 384 for shape [2 3 8 8]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := it.Run(tt.in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestInitWeights(t *testing.T) {
	net := toyNet()
	w := InitWeights(net, 5, true)
	tests := []struct {
		name  string
		kind  runtime.InitKind
		fanIn int
	}{
		{"conv1.weight", runtime.InitWeight, 27},
		{"conv1.bn.weight", runtime.InitBNWeight, 0},
		{"conv1.bn.bias", runtime.InitBNBias, 0},
		{"conv1.bn.running_mean", runtime.InitRunningMean, 0},
		{"conv1.bn.running_var", runtime.InitRunningVar, 0},
		{"mix.b1.bias", runtime.InitBias, 0},
		{"fc.weight", runtime.InitWeight, 4},
		{"aux.fc.bias", runtime.InitBias, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w[tt.name]
			want := make([]float32, len(got.Data))
			runtime.Init(want, 5, tt.name, tt.kind, tt.fanIn)
			for i := range want {
				if got.Data[i] != want[i] {
					t.Fatalf("[%d]: got %v, want %v (%v)", i, got.Data[i], want[i], tt.kind)
				}
			}
		})
	}
	if specs := WeightSpecs(net, true); len(specs) != len(w) {
		t.Errorf("WeightSpecs: got %d, want %d", len(specs), len(w))
	}
}

func BenchmarkRunToyNet(b *testing.B) {
	net := toyNet()
	it, err := New(net, InitWeights(net, 1, true), Options{Heads: true})
	if err != nil {
		b.Fatal(err)
	}
	in := runtime.SeededInput(1, 8, 3, 8, 8)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := it.Run(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKernels: the interpreter has a kernel for every kind of op.
func TestKernels(t *testing.T) {
	for _, k := range ir.Kinds() {
		if kernels[k] == nil {
			t.Errorf("interp: no kernel for kind %v (%s)", k, k.Info().Name)
		}
	}
}
