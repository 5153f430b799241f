package codegen

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/inccdev/incc/compiler/ir"
)

// align is the alignment of arena buffers, in float32 values (64 bytes: a
// cache line, and an AVX-512 vector for the SIMD kernels to come).
const align = 16

// Tiling targets. A convolution's work items are tiles of output pixels ×
// blocks of output channels; im2col tiles are kept within tileBytes so
// that a tile stays in the L2 cache while every channel block uses it.
const (
	tileBytes   = 256 << 10
	minItems    = 8  // split work until a layer has this many items, if it can
	maxBlock    = 64 // output channels per block
	minBlock    = 16
	directTileN = 128 // pixels below which 1×1 tiles are not split further
)

// step is one generated layer function: an op of the IR with the batch
// norm and ReLU fused into it, or a concat that must copy some inputs.
type step struct {
	op   *ir.Op // the main op
	bn   *ir.Op // batch norm folded into a convolution, or nil
	relu *ir.Op // ReLU fused into the op, or nil
	out  int    // the value it writes (the last fused op's output)
	fn   string // Go function name
	// index in the weight table of its kind (conv, fc, bn), -1 if none
	widx  int
	items int // work items

	// Convolution tiling: tiles of rows output rows (im2col) or of n
	// pixels (direct 1×1), times blocks of block output channels.
	direct         bool
	rows, n, tiles int
	block, blocks  int
	k              int // C·KH·KW
	scratch        int // im2col values per worker

	chunk   int      // LRN, add, relu: pixels or values per item
	fcBlock int      // fully connected: outputs per item
	copies  []copyIn // concat: inputs to copy
}

// copyIn is a concat input that could not be placed in its slice of the
// output: the concat step copies it there.
type copyIn struct {
	from int // value
	off  int // offset in the concat output, in values
}

// loc is where a value lives: in the input image, or at off in the
// buffer of value root.
type loc struct {
	input bool
	root  int
	off   int
}

// buffer is a region of the arena: the storage of a root value and of the
// values placed in it (concat inputs), live over steps [start, end].
type buffer struct {
	root       int
	size       int
	start, end int
	off        int
}

// plan is everything codegen decides before emitting code.
type plan struct {
	net   *ir.Network
	steps []*step
	// per value
	alias []int  // the value an alias op's output views, -1 if none
	fused []bool // values that are never stored (inside a fused step)
	place []loc  // concat placement of base values: parent root != 0
	loc   []loc
	bufs  []*buffer
	byVal map[int]*buffer

	arenaLen   int
	valuesLen  int // every value of the IR except the input, stored separately
	scratchLen int
	convs      []*step
	fcs        []*step
	bns        []*step
}

// newPlan schedules, fuses, places and allocates net.
func newPlan(net *ir.Network) (*plan, error) {
	p := &plan{net: net, byVal: map[int]*buffer{}}
	nv := len(net.Values)
	p.alias = make([]int, nv)
	p.fused = make([]bool, nv)
	p.place = make([]loc, nv)
	for i := range p.alias {
		p.alias[i] = -1
		p.place[i].root = -1
	}
	if err := p.buildSteps(); err != nil {
		return nil, err
	}
	p.placeConcats()
	p.resolve()
	p.allocate()
	p.tile()
	return p, nil
}

// external reports whether value v is read after the forward pass (the
// trunk's or a head's output).
func (p *plan) external(v int) bool {
	if v == p.net.Output {
		return true
	}
	for _, h := range p.net.Heads {
		if h.Output == v {
			return true
		}
	}
	return false
}

// schedule returns the op indices in execution order: the trunk in IR
// order, each side head's ops as soon as their inputs exist (so a head
// does not keep the trunk value it reads alive to the end).
func schedule(net *ir.Network) []int {
	avail := make([]bool, len(net.Values))
	avail[0] = true
	var order, pending []int
	for i := range net.Ops {
		if net.Ops[i].Head != "" {
			pending = append(pending, i)
		}
	}
	ready := func() {
		for progress := true; progress; {
			progress = false
			for k := 0; k < len(pending); k++ {
				op := &net.Ops[pending[k]]
				ok := true
				for _, in := range op.In {
					ok = ok && avail[in]
				}
				if ok {
					order = append(order, pending[k])
					avail[op.Out] = true
					pending = slices.Delete(pending, k, k+1)
					k--
					progress = true
				}
			}
		}
	}
	ready()
	for i := range net.Ops {
		if net.Ops[i].Head == "" {
			order = append(order, i)
			avail[net.Ops[i].Out] = true
			ready()
		}
	}
	return append(order, pending...)
}

// buildSteps turns the scheduled ops into steps, fusing batch norm into
// convolutions and ReLU into convolutions, fully connected layers, batch
// norms and additions, and turning dropout, identity and flatten into
// aliases.
func (p *plan) buildSteps() error {
	net := p.net
	consumers := make([][]int, len(net.Values))
	for i := range net.Ops {
		for _, in := range net.Ops[i].In {
			consumers[in] = append(consumers[in], i)
		}
	}
	// only returns the op that alone reads v, if it is of kind k and in
	// the same head as op, and v is not an output.
	only := func(v int, op *ir.Op, k ir.Kind) *ir.Op {
		if p.external(v) || len(consumers[v]) != 1 {
			return nil
		}
		c := &net.Ops[consumers[v][0]]
		if c.Kind != k || c.Head != op.Head || len(c.In) != 1 {
			return nil
		}
		return c
	}
	absorbed := make([]bool, len(net.Ops))
	index := map[*ir.Op]int{}
	for i := range net.Ops {
		index[&net.Ops[i]] = i
	}
	names := map[string]string{}
	for _, i := range schedule(net) {
		if absorbed[i] {
			continue
		}
		op := &net.Ops[i]
		s := &step{op: op, out: op.Out, widx: -1}
		switch op.Kind {
		case ir.KindDropout, ir.KindIdentity, ir.KindFlatten:
			p.alias[op.Out] = op.In[0]
			continue
		case ir.KindConv:
			if c := only(s.out, op, ir.KindBatchNorm); c != nil {
				s.bn, s.out = c, c.Out
				absorbed[index[c]] = true
				p.fused[op.Out] = true
			}
			fallthrough
		case ir.KindFC, ir.KindBatchNorm, ir.KindAdd:
			if c := only(s.out, op, ir.KindReLU); c != nil {
				s.relu = c
				absorbed[index[c]] = true
				p.fused[s.out] = true
				s.out = c.Out
			}
		case ir.KindMaxPool, ir.KindAvgPool, ir.KindAdaptiveAvgPool, ir.KindLRN, ir.KindReLU, ir.KindSoftmax, ir.KindConcat:
		default:
			return fmt.Errorf("codegen: op %s: unsupported kind %v", op.Name, op.Kind)
		}
		s.fn = "op_" + ir.GoName(op.Name)
		if prev, dup := names[s.fn]; dup {
			return fmt.Errorf("codegen: ops %s and %s both map to the Go name %s", prev, op.Name, s.fn)
		}
		names[s.fn] = op.Name
		switch op.Kind {
		case ir.KindConv:
			s.widx = len(p.convs)
			p.convs = append(p.convs, s)
		case ir.KindFC:
			s.widx = len(p.fcs)
			p.fcs = append(p.fcs, s)
		case ir.KindBatchNorm:
			s.widx = len(p.bns)
			p.bns = append(p.bns, s)
		}
		p.steps = append(p.steps, s)
	}
	return nil
}

// base follows aliases to the value that holds the data.
func (p *plan) base(v int) int {
	for p.alias[v] >= 0 {
		v = p.alias[v]
	}
	return v
}

// placeConcats puts each concat input in its channel slice of the concat
// output, so that its producer writes there and the concat costs nothing.
// An input that cannot be placed (the network input, or a value already
// placed in another concat or twice in this one) is copied by the concat
// step. Concat steps with nothing to copy are dropped.
func (p *plan) placeConcats() {
	net := p.net
	kept := p.steps[:0]
	for _, s := range p.steps {
		if s.op.Kind != ir.KindConcat {
			kept = append(kept, s)
			continue
		}
		sh := net.Shape(s.op.Out)
		hw := sh.H * sh.W
		off := 0
		for _, in := range s.op.In {
			b := p.base(in)
			if b == 0 || p.place[b].root >= 0 {
				s.copies = append(s.copies, copyIn{from: in, off: off})
			} else {
				p.place[b] = loc{root: s.op.Out, off: off}
			}
			off += net.Shape(in).C * hw
		}
		if len(s.copies) > 0 {
			kept = append(kept, s)
		}
	}
	p.steps = kept
}

// resolve computes every value's location.
func (p *plan) resolve() {
	p.loc = make([]loc, len(p.net.Values))
	done := make([]bool, len(p.net.Values))
	var find func(v int) loc
	find = func(v int) loc {
		if done[v] {
			return p.loc[v]
		}
		var l loc
		switch b := p.base(v); {
		case b == 0:
			l = loc{input: true}
		case b != v:
			l = find(b)
		case p.place[b].root >= 0:
			l = find(p.place[b].root)
			l.off += p.place[b].off
		default:
			l = loc{root: b}
		}
		p.loc[v], done[v] = l, true
		return l
	}
	for v := range p.net.Values {
		find(v)
	}
}

// allocate computes each buffer's live range over the steps and gives it
// an arena offset: greedily, largest first, at the lowest offset that no
// buffer live at the same time occupies.
func (p *plan) allocate() {
	net := p.net
	use := func(v, pos int, write bool) {
		if p.fused[v] {
			return
		}
		l := p.loc[v]
		if l.input {
			return
		}
		b := p.byVal[l.root]
		if b == nil {
			b = &buffer{root: l.root, size: net.Shape(l.root).Len(), start: pos, end: pos}
			p.byVal[l.root] = b
			p.bufs = append(p.bufs, b)
		}
		if write {
			b.start = min(b.start, pos)
		}
		b.end = max(b.end, pos)
	}
	for pos, s := range p.steps {
		if s.op.Kind == ir.KindConcat {
			for _, c := range s.copies {
				use(c.from, pos, false)
			}
		} else {
			for _, in := range s.op.In {
				use(in, pos, false)
			}
		}
		use(s.out, pos, true)
	}
	end := len(p.steps)
	use(net.Output, end, false)
	for _, h := range net.Heads {
		use(h.Output, end, false)
	}
	for v := 1; v < len(net.Values); v++ {
		p.valuesLen += net.Shape(v).Len()
	}
	order := slices.Clone(p.bufs)
	slices.SortStableFunc(order, func(a, b *buffer) int {
		return cmp.Or(-cmp.Compare(a.size, b.size), cmp.Compare(a.start, b.start), cmp.Compare(a.root, b.root))
	})
	var placed []*buffer
	for _, b := range order {
		var busy []*buffer
		for _, q := range placed {
			if q.start <= b.end && b.start <= q.end {
				busy = append(busy, q)
			}
		}
		slices.SortFunc(busy, func(x, y *buffer) int { return cmp.Or(cmp.Compare(x.off, y.off), cmp.Compare(x.root, y.root)) })
		off := 0
		for _, q := range busy {
			if off+b.size <= q.off {
				break
			}
			off = max(off, roundUp(q.off+q.size, align))
		}
		b.off = off
		p.arenaLen = max(p.arenaLen, off+b.size)
		placed = append(placed, b)
	}
	p.arenaLen = roundUp(p.arenaLen, align)
}

// arena returns the arena offset of value v (which must not be in the input).
func (p *plan) arena(v int) int {
	l := p.loc[v]
	return p.byVal[l.root].off + l.off
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
func ceilDiv(x, m int) int { return (x + m - 1) / m }

// tile chooses each step's work items.
func (p *plan) tile() {
	net := p.net
	for _, s := range p.steps {
		in, out := net.Shape(s.op.In[0]), net.Shape(s.op.Out)
		switch s.op.Kind {
		case ir.KindConv:
			p.tileConv(s, in, out)
		case ir.KindMaxPool, ir.KindAvgPool, ir.KindAdaptiveAvgPool, ir.KindBatchNorm:
			s.items = out.C
		case ir.KindLRN:
			hw := out.H * out.W
			s.chunk = max(16, ceilDiv(hw, minItems))
			s.items = ceilDiv(hw, s.chunk)
		case ir.KindAdd, ir.KindReLU:
			n := out.Len()
			s.chunk = roundUp(max(1024, ceilDiv(n, minItems)), align)
			s.items = ceilDiv(n, s.chunk)
		case ir.KindFC:
			s.fcBlock = roundUp(max(4, ceilDiv(s.op.FC.Out, minItems)), 4)
			s.items = ceilDiv(s.op.FC.Out, s.fcBlock)
		case ir.KindSoftmax:
			s.items = 1
		case ir.KindConcat:
			s.items = len(s.copies)
		}
	}
}

// tileConv splits a convolution into tiles of output pixels × blocks of
// output channels: at least minItems items if the layer allows, im2col
// tiles of whole output rows within tileBytes.
func (p *plan) tileConv(s *step, in, out ir.Shape) {
	c := s.op.Conv
	s.k = in.C * c.KH * c.KW
	s.direct = c.KH == 1 && c.KW == 1 && c.SH == 1 && c.SW == 1 && c.Pad == ir.Pad{}
	s.block = min(roundUp(out.C, minBlock), maxBlock)
	items := func() int {
		if s.direct {
			s.tiles = ceilDiv(out.H*out.W, s.n)
		} else {
			s.tiles = ceilDiv(out.H, s.rows)
		}
		s.blocks = ceilDiv(out.C, s.block)
		return s.tiles * s.blocks
	}
	if s.direct {
		s.n = out.H * out.W
		for items() < minItems {
			switch {
			case s.n > directTileN:
				s.n = roundUp(ceilDiv(s.n, 2), 2)
			case s.block > minBlock:
				s.block /= 2
			case s.n > 16:
				s.n = roundUp(ceilDiv(s.n, 2), 2)
			default:
				s.items = items()
				return
			}
		}
		s.items = items()
		return
	}
	maxRows := max(1, min(out.H, tileBytes/4/s.k/out.W))
	s.rows = ceilDiv(out.H, ceilDiv(out.H, maxRows)) // balanced tiles
	for items() < minItems {
		switch {
		case s.rows > 1 && s.rows*out.W > directTileN:
			s.rows = ceilDiv(s.rows, 2)
		case s.block > minBlock:
			s.block /= 2
		case s.rows > 1:
			s.rows = ceilDiv(s.rows, 2)
		default:
			s.items = items()
			s.scratch = s.k * s.rows * out.W
			p.scratchLen = max(p.scratchLen, s.scratch)
			return
		}
	}
	s.items = items()
	s.scratch = s.k * s.rows * out.W
	p.scratchLen = max(p.scratchLen, s.scratch)
}
