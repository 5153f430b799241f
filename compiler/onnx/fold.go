package onnx

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
)

// Constant folding: the ops that compute on constants only, mostly the
// shape arithmetic exporters emit (Shape, Gather, Unsqueeze, Concat,
// Reshape...). Shapes of activations are known, so Shape folds too; the
// batch size is batchSym, which folding moves around but cannot compute
// with.

// constantAttr is the value of a Constant node.
func constantAttr(a attrs, dir fs.FS) (*tensor, error) {
	switch {
	case a.has("value"):
		tp := a["value"].GetT()
		if tp == nil {
			return nil, errors.New("value is not a tensor")
		}
		return tensorFromProto(tp, dir)
	case a.has("value_float"):
		return &tensor{float: true, f: []float32{a.float("value_float", 0)}}, nil
	case a.has("value_floats"):
		f := a.floats("value_floats")
		return &tensor{shape: []int{len(f)}, float: true, f: append([]float32(nil), f...)}, nil
	case a.has("value_int"):
		return &tensor{i: []int64{a.int("value_int", 0)}}, nil
	case a.has("value_ints"):
		v := a.ints("value_ints")
		return &tensor{shape: []int{len(v)}, i: append([]int64(nil), v...)}, nil
	}
	return nil, fmt.Errorf("Constant without a supported value (%v)", a.names())
}

// shapeOf is Shape (opset 15's start and end included); the batch size of
// an activation is batch.
func shapeOf(shape []int, batch int64, a attrs) (*tensor, error) {
	r := int64(len(shape))
	start, end := a.int("start", 0), a.int("end", r)
	start, end = clampAxis(start, r), clampAxis(end, r)
	var v []int64
	for i := start; i < end; i++ {
		d := int64(shape[i])
		if d == batchSym {
			d = batch
		}
		v = append(v, d)
	}
	return &tensor{shape: []int{len(v)}, i: v}, nil
}

func clampAxis(x, r int64) int64 {
	if x < 0 {
		x += r
	}
	return max(0, min(x, r))
}

// usesBatch reports whether an integer computed from the batch size is
// being used in arithmetic.
func usesBatch(ts ...*tensor) bool {
	for _, t := range ts {
		if t == nil || t.float {
			continue
		}
		for _, v := range t.i {
			if v == batchSym {
				return true
			}
		}
	}
	return false
}

var errBatch = errors.New("arithmetic on the batch size, which incc leaves dynamic")

// fold evaluates op on constant inputs (nil for omitted ones); the inputs
// an op needs (minInputs) are there.
func fold(op string, a attrs, in []*tensor, opset int64) ([]*tensor, error) {
	// A result may be as large as the inputs together, or small: folding
	// never amplifies a few bytes of model into gigabytes.
	limit := maxConstElems
	for _, t := range in {
		if t != nil {
			limit += t.len()
		}
	}
	one := func(t *tensor, err error) ([]*tensor, error) {
		if err != nil {
			return nil, err
		}
		return []*tensor{t}, nil
	}
	switch op {
	case "Identity":
		return one(in[0], nil)
	case "Size":
		return one(&tensor{i: []int64{int64(in[0].len())}}, nil)
	case "Shape":
		return one(shapeOf(in[0].shape, batchSym, a))
	case "Cast":
		return one(cast(in[0], dtype(a.int("to", 1))))
	case "Neg", "Sqrt", "Floor", "Ceil", "Not":
		x := in[0]
		if usesBatch(x) {
			return nil, errBatch
		}
		return one(unary(op, x))
	case "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "Min", "Max":
		if op == "Min" || op == "Max" {
			if len(in) == 0 {
				return nil, errors.New("no inputs")
			}
			acc := in[0]
			for _, x := range in[1:] {
				var err error
				if acc, err = binop(op, acc, x, limit); err != nil {
					return nil, err
				}
			}
			return one(acc, nil)
		}
		x := in[0]
		y := in[1]
		if usesBatch(x, y) && op != "Equal" {
			return nil, errBatch
		}
		return one(binop(op, x, y, limit))
	case "Where":
		c := in[0]
		x := in[1]
		y := in[2]
		return one(where(c, x, y, limit))
	case "Gather":
		x := in[0]
		idx := in[1]
		return one(gather(x, idx, a.int("axis", 0), limit))
	case "Unsqueeze", "Squeeze":
		x := in[0]
		axes, err := axesOf(a, in, 1, opset >= 13)
		if err != nil {
			return nil, err
		}
		var shape []int
		if op == "Unsqueeze" {
			shape, err = unsqueezeShape(x.shape, axes)
		} else {
			shape, err = squeezeShape(x.shape, axes)
		}
		if err != nil {
			return nil, err
		}
		return one(reshaped(x, shape), nil)
	case "Flatten":
		x := in[0]
		shape, err := flattenShape(x.shape, a.int("axis", 1))
		if err != nil {
			return nil, err
		}
		return one(reshaped(x, shape), nil)
	case "Reshape":
		x := in[0]
		s := in[1]
		if s.float {
			return nil, errors.New("shape is not an integer tensor")
		}
		shape, err := reshapeShape(x.shape, s.i, a.int("allowzero", 0) != 0)
		if err != nil {
			return nil, err
		}
		return one(reshaped(x, shape), nil)
	case "Concat":
		return one(concat(in, a.int("axis", 0)))
	case "Slice":
		x := in[0]
		return one(slice(x, a, in, opset))
	case "Transpose":
		x := in[0]
		return one(transpose(x, a.ints("perm")))
	case "ConstantOfShape":
		s := in[0]
		if usesBatch(s) {
			return nil, errBatch
		}
		dims := s.i
		n, err := numel(dims, limit)
		if err != nil {
			return nil, err
		}
		fill := &tensor{float: true, f: []float32{0}}
		if at, ok := a["value"]; ok && at.GetT() != nil {
			if fill, err = tensorFromProto(at.GetT(), nil); err != nil {
				return nil, err
			}
			if fill.len() != 1 {
				return nil, errors.New("value must have one element")
			}
		}
		out := &tensor{shape: intsOf(dims), float: fill.float}
		if fill.float {
			out.f = make([]float32, n)
			for i := range out.f {
				out.f[i] = fill.f[0]
			}
		} else {
			out.i = make([]int64, n)
			for i := range out.i {
				out.i[i] = fill.i[0]
			}
		}
		return one(out, nil)
	case "Range":
		s := in[0]
		l := in[1]
		d := in[2]
		return one(rangeOf(s, l, d, limit))
	case "Expand":
		x := in[0]
		s := in[1]
		if s.float || usesBatch(s) {
			return nil, errBatch
		}
		ones := &tensor{shape: intsOf(s.i), float: x.float}
		n, err := numel(s.i, limit)
		if err != nil {
			return nil, err
		}
		if x.float {
			ones.f = make([]float32, n)
		} else {
			ones.i = make([]int64, n)
		}
		return one(binop("Add", x, ones, limit))
	}
	return nil, fmt.Errorf("%s of constants is not folded", op)
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func intsOf(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func reshaped(x *tensor, shape []int) *tensor {
	return &tensor{shape: shape, float: x.float, f: x.f, i: x.i}
}

// axesOf reads the axes of Squeeze/Unsqueeze (and others): from input pos
// from opset 13, else from the attribute.
func axesOf(a attrs, in []*tensor, pos int, fromInput bool) ([]int64, error) {
	if fromInput {
		if pos < len(in) && in[pos] != nil {
			if in[pos].float {
				return nil, errors.New("axes are not integers")
			}
			return in[pos].i, nil
		}
		return nil, nil
	}
	return a.ints("axes"), nil
}

func cast(x *tensor, to dtype) (*tensor, error) {
	switch {
	case to.isFloat() && x.float, !to.isFloat() && !x.float && to != dtBool:
		return x, nil
	case to.isFloat():
		if usesBatch(x) {
			return nil, errBatch
		}
		out := &tensor{shape: x.shape, float: true, f: make([]float32, len(x.i))}
		for i, v := range x.i {
			out.f[i] = float32(v)
		}
		return out, nil
	case to == dtBool:
		out := &tensor{shape: x.shape, i: make([]int64, x.len())}
		for i := range out.i {
			if x.float && x.f[i] != 0 || !x.float && x.i[i] != 0 {
				out.i[i] = 1
			}
		}
		return out, nil
	case to.size() == 0:
		return nil, fmt.Errorf("cast to %v", to)
	}
	out := &tensor{shape: x.shape, i: make([]int64, len(x.f))}
	for i, v := range x.f {
		if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 1<<62 {
			return nil, fmt.Errorf("cast of %g to an integer", v)
		}
		out.i[i] = int64(v) // truncation toward zero, as ONNX does
	}
	return out, nil
}

func unary(op string, x *tensor) (*tensor, error) {
	out := &tensor{shape: x.shape, float: x.float}
	if !x.float {
		out.i = make([]int64, len(x.i))
		for i, v := range x.i {
			switch op {
			case "Neg":
				out.i[i] = -v
			case "Not":
				if v == 0 {
					out.i[i] = 1
				}
			case "Floor", "Ceil":
				out.i[i] = v
			default:
				return nil, fmt.Errorf("%s of integers", op)
			}
		}
		return out, nil
	}
	out.f = make([]float32, len(x.f))
	for i, v := range x.f {
		switch op {
		case "Neg":
			out.f[i] = -v
		case "Sqrt":
			out.f[i] = float32(math.Sqrt(float64(v)))
		case "Floor":
			out.f[i] = float32(math.Floor(float64(v)))
		case "Ceil":
			out.f[i] = float32(math.Ceil(float64(v)))
		default:
			return nil, fmt.Errorf("%s of floats", op)
		}
	}
	return out, nil
}

// broadcast returns the numpy-style broadcast shape of a and b.
func broadcast(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		x, y := 1, 1
		if j := len(a) - n + i; j >= 0 {
			x = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			y = b[j]
		}
		switch {
		case x == y, y == 1:
			out[i] = x
		case x == 1:
			out[i] = y
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// bindex maps an index of the broadcast shape out to an element of a
// tensor of shape s.
func bindex(out, s []int, k int) int {
	idx, stride := 0, 1
	for d := len(out) - 1; d >= 0; d-- {
		c := k % out[d]
		k /= out[d]
		if j := len(s) - len(out) + d; j >= 0 {
			if s[j] != 1 {
				idx += c * stride
			}
			stride *= s[j]
		}
	}
	return idx
}

func binop(op string, x, y *tensor, limit int) (*tensor, error) {
	shape, err := broadcast(x.shape, y.shape)
	if err != nil {
		return nil, err
	}
	n, err := numel(int64s(shape), limit)
	if err != nil {
		return nil, err
	}
	cmp := op == "Equal" || op == "Less" || op == "Greater"
	if x.float || y.float {
		xf, yf := asFloat(x), asFloat(y)
		out := &tensor{shape: shape, float: !cmp}
		if cmp {
			out.i = make([]int64, n)
		} else {
			out.f = make([]float32, n)
		}
		for k := 0; k < n; k++ {
			a, b := xf[bindex(shape, x.shape, k)], yf[bindex(shape, y.shape, k)]
			var r float32
			switch op {
			case "Add":
				r = a + b
			case "Sub":
				r = a - b
			case "Mul":
				r = a * b
			case "Div":
				r = a / b
			case "Pow":
				r = float32(math.Pow(float64(a), float64(b)))
			case "Min":
				r = min(a, b)
			case "Max":
				r = max(a, b)
			case "Equal", "Less", "Greater":
				if op == "Equal" && a == b || op == "Less" && a < b || op == "Greater" && a > b {
					out.i[k] = 1
				}
				continue
			}
			out.f[k] = r
		}
		return out, nil
	}
	out := &tensor{shape: shape, i: make([]int64, n)}
	for k := 0; k < n; k++ {
		a, b := x.i[bindex(shape, x.shape, k)], y.i[bindex(shape, y.shape, k)]
		var r int64
		switch op {
		case "Add":
			r = a + b
		case "Sub":
			r = a - b
		case "Mul":
			r = a * b
		case "Div":
			if b == 0 {
				return nil, errors.New("integer division by zero")
			}
			r = a / b // truncation, as ONNX Runtime computes
		case "Pow":
			if b < 0 || b > 62 {
				return nil, fmt.Errorf("integer power %d", b)
			}
			r = 1
			for i := int64(0); i < b; i++ {
				r *= a
			}
		case "Min":
			r = min(a, b)
		case "Max":
			r = max(a, b)
		case "Equal":
			if a == b {
				r = 1
			}
		case "Less":
			if a < b {
				r = 1
			}
		case "Greater":
			if a > b {
				r = 1
			}
		}
		out.i[k] = r
	}
	return out, nil
}

func asFloat(t *tensor) []float32 {
	if t.float {
		return t.f
	}
	f := make([]float32, len(t.i))
	for i, v := range t.i {
		f[i] = float32(v)
	}
	return f
}

func where(c, x, y *tensor, limit int) (*tensor, error) {
	s1, err := broadcast(c.shape, x.shape)
	if err != nil {
		return nil, err
	}
	shape, err := broadcast(s1, y.shape)
	if err != nil {
		return nil, err
	}
	if x.float != y.float {
		return nil, errors.New("Where of mixed types")
	}
	n, err := numel(int64s(shape), limit)
	if err != nil {
		return nil, err
	}
	out := &tensor{shape: shape, float: x.float}
	cf := asFloat(c)
	for k := 0; k < n; k++ {
		src, s := y, y.shape
		if cf[bindex(shape, c.shape, k)] != 0 {
			src, s = x, x.shape
		}
		if x.float {
			out.f = append(out.f, src.f[bindex(shape, s, k)])
		} else {
			out.i = append(out.i, src.i[bindex(shape, s, k)])
		}
	}
	return out, nil
}

func gather(x, idx *tensor, axis int64, limit int) (*tensor, error) {
	r := int64(len(x.shape))
	if r == 0 {
		return nil, errors.New("Gather from a scalar")
	}
	if axis < -r || axis >= r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	if axis < 0 {
		axis += r
	}
	if idx.float {
		return nil, errors.New("indices are not integers")
	}
	outer, inner := 1, 1
	for _, d := range x.shape[:axis] {
		outer *= d
	}
	for _, d := range x.shape[axis+1:] {
		inner *= d
	}
	dim := x.shape[axis]
	shape := append(append(append([]int{}, x.shape[:axis]...), idx.shape...), x.shape[axis+1:]...)
	out := &tensor{shape: shape, float: x.float}
	if outer*len(idx.i)*inner > limit {
		return nil, errors.New("result too large")
	}
	for o := 0; o < outer; o++ {
		for _, j := range idx.i {
			if j < 0 {
				j += int64(dim)
			}
			if j < 0 || j >= int64(dim) {
				return nil, fmt.Errorf("index %d out of range [0, %d)", j, dim)
			}
			base := (o*dim + int(j)) * inner
			if x.float {
				out.f = append(out.f, x.f[base:base+inner]...)
			} else {
				out.i = append(out.i, x.i[base:base+inner]...)
			}
		}
	}
	return out, nil
}

func concat(in []*tensor, axis int64) (*tensor, error) {
	var ts []*tensor
	for _, t := range in {
		if t != nil {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil, errors.New("no inputs")
	}
	r := int64(len(ts[0].shape))
	if axis < -r || axis >= r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	if axis < 0 {
		axis += r
	}
	shape := append([]int{}, ts[0].shape...)
	shape[axis] = 0
	for _, t := range ts {
		if int64(len(t.shape)) != r || t.float != ts[0].float {
			return nil, errors.New("inputs of different ranks or types")
		}
		for d := range shape {
			if int64(d) != axis && t.shape[d] != shape[d] {
				return nil, fmt.Errorf("shapes %v and %v differ outside axis %d", ts[0].shape, t.shape, axis)
			}
		}
		shape[axis] += t.shape[axis]
	}
	outer := 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	out := &tensor{shape: shape, float: ts[0].float}
	for o := 0; o < outer; o++ {
		for _, t := range ts {
			w := t.len() / outer
			if t.float {
				out.f = append(out.f, t.f[o*w:(o+1)*w]...)
			} else {
				out.i = append(out.i, t.i[o*w:(o+1)*w]...)
			}
		}
	}
	return out, nil
}

// slice is Slice: starts, ends, axes, steps from inputs (opset 10 on) or
// attributes.
func slice(x *tensor, a attrs, in []*tensor, opset int64) (*tensor, error) {
	var starts, ends, axes, steps []int64
	if opset >= 10 {
		get := func(i int) ([]int64, error) {
			if i < len(in) && in[i] != nil {
				if in[i].float {
					return nil, errors.New("slice parameters are not integers")
				}
				return in[i].i, nil
			}
			return nil, nil
		}
		var err error
		if starts, err = get(1); err != nil {
			return nil, err
		}
		if ends, err = get(2); err != nil {
			return nil, err
		}
		if axes, err = get(3); err != nil {
			return nil, err
		}
		if steps, err = get(4); err != nil {
			return nil, err
		}
	} else {
		starts, ends, axes = a.ints("starts"), a.ints("ends"), a.ints("axes")
	}
	if len(starts) != len(ends) {
		return nil, errors.New("starts and ends differ in length")
	}
	r := len(x.shape)
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if len(axes) != len(starts) || steps != nil && len(steps) != len(starts) {
		return nil, errors.New("axes or steps differ in length from starts")
	}
	lo, hi, st := make([]int, r), append([]int{}, x.shape...), make([]int, r)
	for d := range st {
		st[d] = 1
	}
	for k, ax := range axes {
		if ax < 0 {
			ax += int64(r)
		}
		if ax < 0 || ax >= int64(r) {
			return nil, fmt.Errorf("axis %d out of range", axes[k])
		}
		step := int64(1)
		if steps != nil {
			step = steps[k]
		}
		if step == 0 {
			return nil, errors.New("step 0")
		}
		dim := int64(x.shape[ax])
		clamp := func(v int64, lo, hi int64) int64 {
			if v < 0 {
				v += dim
			}
			return max(lo, min(v, hi))
		}
		if step > 0 {
			lo[ax], hi[ax] = int(clamp(starts[k], 0, dim)), int(clamp(ends[k], 0, dim))
		} else {
			lo[ax], hi[ax] = int(clamp(starts[k], 0, dim-1)), int(clamp(ends[k], -1, dim-1))
			if ends[k] < -dim {
				hi[ax] = -1
			}
		}
		st[ax] = int(step)
	}
	shape := make([]int, r)
	for d := range shape {
		if st[d] > 0 {
			shape[d] = max(0, (hi[d]-lo[d]+st[d]-1)/st[d])
		} else {
			shape[d] = max(0, (lo[d]-hi[d]-st[d]-1)/(-st[d]))
		}
	}
	out := &tensor{shape: shape, float: x.float}
	n := 1
	for _, d := range shape {
		n *= d
	}
	strides := make([]int, r)
	s := 1
	for d := r - 1; d >= 0; d-- {
		strides[d] = s
		s *= x.shape[d]
	}
	for k := 0; k < n; k++ {
		rem, src := k, 0
		for d := r - 1; d >= 0; d-- {
			c := rem % shape[d]
			rem /= shape[d]
			src += (lo[d] + c*st[d]) * strides[d]
		}
		if x.float {
			out.f = append(out.f, x.f[src])
		} else {
			out.i = append(out.i, x.i[src])
		}
	}
	return out, nil
}

func transpose(x *tensor, perm []int64) (*tensor, error) {
	r := len(x.shape)
	if perm == nil {
		for d := r - 1; d >= 0; d-- {
			perm = append(perm, int64(d))
		}
	}
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v for rank %d", perm, r)
	}
	seen := make([]bool, r)
	shape := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
		shape[i] = x.shape[p]
	}
	strides := make([]int, r)
	s := 1
	for d := r - 1; d >= 0; d-- {
		strides[d] = s
		s *= x.shape[d]
	}
	out := &tensor{shape: shape, float: x.float}
	n := x.len()
	for k := 0; k < n; k++ {
		rem, src := k, 0
		for d := r - 1; d >= 0; d-- {
			c := rem % shape[d]
			rem /= shape[d]
			src += c * strides[perm[d]]
		}
		if x.float {
			out.f = append(out.f, x.f[src])
		} else {
			out.i = append(out.i, x.i[src])
		}
	}
	return out, nil
}

func rangeOf(s, l, d *tensor, limit int) (*tensor, error) {
	if s.len() != 1 || l.len() != 1 || d.len() != 1 {
		return nil, errors.New("Range takes scalars")
	}
	if usesBatch(s, l, d) {
		return nil, errBatch
	}
	if s.float || l.float || d.float {
		a, b, c := asFloat(s)[0], asFloat(l)[0], asFloat(d)[0]
		if c == 0 {
			return nil, errors.New("Range with delta 0")
		}
		n := int(math.Max(math.Ceil(float64((b-a)/c)), 0))
		if n > limit {
			return nil, errors.New("Range too long")
		}
		out := &tensor{shape: []int{n}, float: true, f: make([]float32, n)}
		for i := range out.f {
			out.f[i] = a + float32(i)*c
		}
		return out, nil
	}
	a, b, c := s.i[0], l.i[0], d.i[0]
	if c == 0 {
		return nil, errors.New("Range with delta 0")
	}
	n64 := (b - a + c - sign(c)) / c
	if n64 < 0 {
		n64 = 0
	}
	if n64 > int64(limit) {
		return nil, errors.New("Range too long")
	}
	out := &tensor{shape: []int{int(n64)}, i: make([]int64, n64)}
	for i := range out.i {
		out.i[i] = a + int64(i)*c
	}
	return out, nil
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// Shape rules shared by constants and activations.

func unsqueezeShape(s []int, axes []int64) ([]int, error) {
	r := int64(len(s) + len(axes))
	if r > maxRank {
		return nil, fmt.Errorf("rank %d is more than %d", r, maxRank)
	}
	ins := make([]bool, r)
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || ins[a] {
			return nil, fmt.Errorf("bad axes %v for rank %d", axes, len(s))
		}
		ins[a] = true
	}
	out := make([]int, 0, r)
	j := 0
	for i := int64(0); i < r; i++ {
		if ins[i] {
			out = append(out, 1)
		} else {
			out = append(out, s[j])
			j++
		}
	}
	return out, nil
}

func squeezeShape(s []int, axes []int64) ([]int, error) {
	r := int64(len(s))
	drop := make([]bool, r)
	if len(axes) == 0 {
		for i, d := range s {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, fmt.Errorf("bad axes %v for rank %d", axes, r)
		}
		if s[a] != 1 {
			return nil, fmt.Errorf("cannot squeeze axis %d of size %d", a, s[a])
		}
		drop[a] = true
	}
	var out []int
	for i, d := range s {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out, nil
}

func flattenShape(s []int, axis int64) ([]int, error) {
	r := int64(len(s))
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis > r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	a, b := 1, 1
	for i, d := range s {
		if int64(i) < axis {
			a *= d
		} else {
			b *= d
		}
	}
	return []int{a, b}, nil
}

// reshapeShape resolves a Reshape target: 0 copies the input's dimension
// (unless allowzero), -1 takes what is left.
func reshapeShape(s []int, target []int64, allowzero bool) ([]int, error) {
	if len(target) > maxRank {
		return nil, fmt.Errorf("rank %d is more than %d", len(target), maxRank)
	}
	total := 1
	for _, d := range s {
		total *= d
	}
	out := make([]int, len(target))
	infer := -1
	known := 1
	for i, d := range target {
		switch {
		case d == 0 && !allowzero:
			if i >= len(s) {
				return nil, fmt.Errorf("0 at axis %d copies no dimension of %v", i, s)
			}
			out[i] = s[i]
		case d == -1:
			if infer >= 0 {
				return nil, errors.New("more than one -1")
			}
			infer = i
			continue
		case d < 0 || d > 1<<40:
			return nil, fmt.Errorf("bad dimension %d", d)
		default:
			out[i] = int(d)
		}
		known *= out[i]
		if known > 1<<40 {
			return nil, errors.New("shape too large")
		}
	}
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", s, target)
		}
		out[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", s, total, target)
	}
	return out, nil
}
