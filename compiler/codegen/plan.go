package codegen

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/inccdev/incc/compiler/ir"
)

// align is the alignment of arena buffers, in float32 values (64 bytes: a
// cache line, and an AVX-512 vector).
const align = 16

// Tiling of GEMM layers (convolutions and fully connected layers): the
// output, M rows (output channels) × N columns (output pixels), is cut into
// tiles of tileCols columns — the micro-kernel's width, so that tile bounds
// waste no SIMD lanes — times blocks of output channels, multiples of
// rowAlign (the packed weights' panel height). Rows are split only when
// there are fewer than minItems tiles, e.g. at 14×14 and 7×7 and for fully
// connected layers: each call of ConvTile packs the im2col panels of its
// columns, so row blocks of one tile on different workers pack them twice.
// minItems 4 rather than 8 made one image on two threads 5–8 % faster on
// Inception-v3 and ResNet-50 (the same on GoogLeNet; 2 no better than 4).
// A worker merges its contiguous items into at most three calls
// (runtime.Grid.Rects), so fine tiles cost nothing at one thread.
const (
	tileCols = 48
	colTail  = 4 // a remainder of ≤ colTail columns joins the last tile (gemm's column kernels take it)
	rowAlign = 8
	minItems = 4 // split work until a layer has this many items, if it can
	// narrowCols is the widest tile runtime/gemm runs with the weights
	// read from memory once (two block panels, 48 + 16).
	narrowCols = 64
)

// step is one generated layer function: an op of the IR with the batch
// norm, scale and activation fused into it, or a concat that must copy
// some inputs.
type step struct {
	op    *ir.Op // the main op
	bn    *ir.Op // batch norm folded into a convolution, or nil
	scale *ir.Op // scale folded into a convolution, or nil
	act   *ir.Op // activation fused into the op, or nil
	// apply is the activation's code (its opGen's apply).
	apply func(op *ir.Op, v string) []jen.Code
	out   int    // the value it writes (the last fused op's output)
	fn    string // Go function name
	// index in the weight table of its kind (conv, fc, bn), -1 if none
	widx  int
	level int   // 0 if it reads only the input, else 1 + the highest level of the steps whose output it reads
	items int   // work items
	flops int64 // for one image: 2 per multiply-add (convolutions and fully connected layers)

	// GEMM layers: the output grid (see tileCols) and, for convolutions,
	// whether the input is B itself (1×1, stride 1, no padding), or the
	// output tile size of Winograd's algorithm (0: none; see winograd). A
	// grouped convolution is computed directly instead, by output channel.
	grid     grid
	direct   bool
	grouped  bool
	winograd int
	// wino1d: a 7×1 convolution in one-dimensional Winograd form (see
	// wino1d); its grid's columns are tile rows of 4 output rows.
	wino1d bool
	k      int // (C/groups)·KH·KW

	// Convolutions: an addition of the output and value res (≥ 0) fused
	// in, before the activation (add: the op); a batch norm (pre) and its
	// ReLU (preReLU) that run on the input fused into the packing of a
	// direct convolution, which then reads pre's input (preIdx: pre's
	// entry in the batch norm table).
	add, pre, preReLU *ir.Op
	res, preIdx       int
	// Depthwise convolutions: a ReLU that alone feeds it, applied to each
	// input plane as runtime.DepthwiseReLUChannels copies it; the step
	// then reads the ReLU's input.
	inReLU *ir.Op

	chunk  int      // LRN, add, relu: pixels or values per item
	copies []copyIn // concat: inputs to copy

	// deps are the earlier steps (indices in p.steps) that must finish
	// before this one starts: it reads what they write, or writes arena
	// memory they read or write (buffers are reused). Implied ones are
	// left out.
	deps []int
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
	start, end int // live steps, in execution order
	lo, hi     int // live levels (see allocate)
	off        int
}

// plan is everything codegen decides before emitting code.
type plan struct {
	net   *ir.Network
	moved map[int]bool // ops (indices in net.Ops) that commutePools swapped
	steps []*step
	// per value
	alias []int  // the value an alias op's output views, -1 if none
	fused []bool // values that are never stored (inside a fused step)
	place []loc  // concat placement of base values: parent root != 0
	loc   []loc
	bufs  []*buffer
	byVal map[int]*buffer

	arenaLen  int
	valuesLen int  // every value of the IR except the input, stored separately
	gemm      bool // some layer calls the GEMM (and needs its scratch)
	gemmK     int  // the longest reduction of those (sizes the scratch)
	convs     []*step
	fcs       []*step
	bns       []*step
}

// newPlan schedules, fuses, places and allocates net, with its average
// pools moved after the 1×1 convolutions they feed (commutePools):
// p.net is that network.
func newPlan(net *ir.Network) (*plan, error) {
	net, moved := commutePools(net)
	p := &plan{net: net, moved: moved, byVal: map[int]*buffer{}}
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
	p.levels()
	p.allocate()
	p.tile()
	p.dependencies()
	return p, nil
}

// extent is a region [off, end) of the arena.
type extent struct{ off, end int }

func (a extent) overlaps(b extent) bool { return a.off < b.end && b.off < a.end }

// regions returns the arena regions step s reads and writes (values in the
// input image are never written and need no order).
func (p *plan) regions(s *step) (reads []extent, write extent) {
	region := func(v int) (extent, bool) {
		if p.loc[v].input {
			return extent{}, false
		}
		off := p.arena(v)
		return extent{off, off + p.net.Shape(v).Len()}, true
	}
	for _, v := range p.reads(s) {
		if r, ok := region(v); ok {
			reads = append(reads, r)
		}
	}
	write, _ = region(s.out)
	return reads, write
}

// dependencies computes each step's deps: step j depends on an earlier
// step i if j reads what i writes, or writes what i reads or writes; then
// the dependencies implied by others are dropped, but not through side
// heads' steps, which may not run.
func (p *plan) dependencies() {
	n := len(p.steps)
	reads := make([][]extent, n)
	writes := make([]extent, n)
	for i, s := range p.steps {
		reads[i], writes[i] = p.regions(s)
	}
	conflict := func(i, j int) bool {
		if writes[i].overlaps(writes[j]) {
			return true
		}
		for _, r := range reads[j] {
			if writes[i].overlaps(r) {
				return true
			}
		}
		for _, r := range reads[i] {
			if writes[j].overlaps(r) {
				return true
			}
		}
		return false
	}
	// reach[j][i]: step j (transitively) depends on step i.
	reach := make([][]bool, n)
	for j := range n {
		reach[j] = make([]bool, n)
		for i := j - 1; i >= 0; i-- {
			if !conflict(i, j) || reach[j][i] {
				continue
			}
			p.steps[j].deps = append(p.steps[j].deps, i)
			reach[j][i] = true
			if p.steps[i].op.Head != "" && p.steps[j].op.Head == "" {
				continue
			}
			for k, r := range reach[i] {
				reach[j][k] = reach[j][k] || r
			}
		}
		slices.Sort(p.steps[j].deps)
	}
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

// buildSteps turns the scheduled ops into steps, as each kind's opGen
// says: aliases get no step (dropout, identity, flatten), a batch norm and
// a scale fold into the convolution before them, an activation fuses into
// the layer before it (convolution, fully connected layer, batch norm,
// addition, multiplication).
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
	// onlyReader returns the op that alone reads v, if it is in the same
	// head as op and v is not an output.
	onlyReader := func(v int, op *ir.Op) *ir.Op {
		if p.external(v) || len(consumers[v]) != 1 {
			return nil
		}
		if c := &net.Ops[consumers[v][0]]; c.Head == op.Head {
			return c
		}
		return nil
	}
	pre := map[*ir.Op][2]*ir.Op{} // convolution → its input's batch norm and ReLU
	inReLU := map[*ir.Op]*ir.Op{} // depthwise convolution → its input's ReLU
	// done marks the values computed by the ops scheduled so far: a fused
	// addition's other addend must be one of them.
	done := make([]bool, len(net.Values))
	done[0] = true
	// onlyAct returns the activation that alone reads v, as only does.
	onlyAct := func(v int, op *ir.Op) *ir.Op {
		if p.external(v) || len(consumers[v]) != 1 {
			return nil
		}
		if k := net.Ops[consumers[v][0]].Kind; k.Info().Act {
			return only(v, op, k)
		}
		return nil
	}
	absorbed := make([]bool, len(net.Ops))
	index := map[*ir.Op]int{}
	for i := range net.Ops {
		index[&net.Ops[i]] = i
	}
	names := map[string]string{}
	for _, i := range schedule(net) {
		op := &net.Ops[i]
		done[op.Out] = true
		if absorbed[i] {
			continue
		}
		og := opGens[op.Kind]
		if og == nil {
			return fmt.Errorf("codegen: op %s: unsupported kind %v", op.Name, op.Kind)
		}
		if og.alias {
			p.alias[op.Out] = op.In[0]
			continue
		}
		s := &step{op: op, out: op.Out, widx: -1, res: -1, preIdx: -1}
		if op.Kind == ir.KindBatchNorm {
			// A batch norm and ReLU that alone feed a 1×1 convolution are
			// done by that convolution as it packs its input.
			if r := only(op.Out, op, ir.KindReLU); r != nil {
				if c := only(r.Out, op, ir.KindConv); c != nil && c.Conv.Groups == 1 && directConv(c.Conv) {
					pre[c] = [2]*ir.Op{op, r}
					absorbed[index[r]] = true
					p.fused[op.Out], p.fused[r.Out] = true, true
					continue
				}
			}
		}
		if op.Kind == ir.KindReLU {
			// A ReLU that alone feeds a depthwise convolution is done by
			// that convolution as it copies its input's planes.
			if c := only(op.Out, op, ir.KindConv); c != nil && depthwiseConv(c, net.Shape(c.In[0]), net.Shape(c.Out)) {
				inReLU[c] = op
				p.fused[op.Out] = true
				continue
			}
		}
		s.inReLU = inReLU[op]
		if ops, ok := pre[op]; ok {
			s.pre, s.preReLU = ops[0], ops[1]
			bn := &step{op: s.pre, out: s.pre.Out, widx: len(p.bns), res: -1, preIdx: -1}
			p.bns = append(p.bns, bn)
			s.preIdx = bn.widx
		}
		if og.foldBN {
			if c := only(s.out, op, ir.KindBatchNorm); c != nil {
				s.bn, s.out = c, c.Out
				absorbed[index[c]] = true
				p.fused[op.Out] = true
			}
		}
		if og.foldScale {
			if c := only(s.out, op, ir.KindScale); c != nil {
				s.scale = c
				absorbed[index[c]] = true
				p.fused[s.out] = true
				s.out = c.Out
			}
		}
		if op.Kind == ir.KindConv && op.Conv.Groups == 1 {
			// An addition of two values, one of them this output, that
			// alone reads it: the residual is added by the GEMM.
			if a := onlyReader(s.out, op); a != nil && a.Kind == ir.KindAdd && len(a.In) == 2 && a.In[0] != a.In[1] &&
				(done[a.In[0]] || a.In[0] == s.out) && (done[a.In[1]] || a.In[1] == s.out) {
				s.add, s.res = a, a.In[0]
				if s.res == s.out {
					s.res = a.In[1]
				}
				absorbed[index[a]] = true
				p.fused[s.out] = true
				s.out = a.Out
			}
		}
		if og.fuseAct {
			if c := onlyAct(s.out, op); c != nil {
				s.act, s.apply = c, opGens[c.Kind].apply
				absorbed[index[c]] = true
				p.fused[s.out] = true
				s.out = c.Out
			}
		}
		s.fn = "op_" + ir.GoName(op.Name)
		if prev, dup := names[s.fn]; dup {
			return fmt.Errorf("codegen: ops %s and %s both map to the Go name %s", prev, op.Name, s.fn)
		}
		names[s.fn] = op.Name
		if og.table != nil {
			t := og.table(p)
			s.widx = len(*t)
			*t = append(*t, s)
		}
		p.steps = append(p.steps, s)
	}
	return nil
}

// reads lists the values step s reads: a placing join's are only those it
// copies; a convolution with a fused pre-activation reads the batch norm's
// input, one with a fused addition the other addend too.
func (p *plan) reads(s *step) []int {
	if s.pre != nil || s.res >= 0 || s.inReLU != nil {
		vs := []int{p.input(s)}
		if s.res >= 0 {
			vs = append(vs, s.res)
		}
		return vs
	}
	if !opGens[s.op.Kind].places {
		return s.op.In
	}
	var vs []int
	for _, c := range s.copies {
		vs = append(vs, c.from)
	}
	return vs
}

// input is the value step s reads as its input: its op's first, or with a
// fused pre-activation the batch norm's.
func (p *plan) input(s *step) int {
	if s.pre != nil {
		return s.pre.In[0]
	}
	if s.inReLU != nil {
		return s.inReLU.In[0]
	}
	return s.op.In[0]
}

// levels gives each step its level: 0 if it reads only the network input,
// else 1 + the highest level of the earlier steps that write what it
// reads. Steps of one level do not depend on each other, and the engine
// may run them at the same time (allocate keeps their buffers apart).
func (p *plan) levels() {
	type region struct{ root, off, end int }
	where := func(v int) (region, bool) {
		l := p.loc[v]
		if l.input {
			return region{}, false
		}
		return region{l.root, l.off, l.off + p.net.Shape(v).Len()}, true
	}
	var written []region
	for j, s := range p.steps {
		for _, v := range p.reads(s) {
			r, ok := where(v)
			for i := 0; ok && i < j; i++ {
				if w := written[i]; w.root == r.root && w.off < r.end && r.off < w.end {
					s.level = max(s.level, p.steps[i].level+1)
				}
			}
		}
		w, _ := where(s.out)
		written = append(written, w)
	}
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
		if !opGens[s.op.Kind].places {
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
	use := func(v, pos, level int, write bool) {
		if p.fused[v] {
			return
		}
		l := p.loc[v]
		if l.input {
			return
		}
		b := p.byVal[l.root]
		if b == nil {
			b = &buffer{root: l.root, size: net.Shape(l.root).Len(), start: pos, end: pos, lo: level, hi: level}
			p.byVal[l.root] = b
			p.bufs = append(p.bufs, b)
		}
		if write {
			b.start = min(b.start, pos)
			b.lo = min(b.lo, level)
		}
		b.end = max(b.end, pos)
		b.hi = max(b.hi, level)
	}
	// Two lifetimes: in steps (the table order, in which the layers run one
	// after the other) and in levels (see levels), a value read at level L
	// living through L+1 — so that buffers of steps that may run at the
	// same time never share memory, nor do the inputs of a level and the
	// outputs of the next. Buffers share memory only if both are disjoint.
	last := 0
	for pos, s := range p.steps {
		for _, in := range p.reads(s) {
			use(in, pos, s.level+1, false)
		}
		use(s.out, pos, s.level, true)
		last = max(last, s.level+2)
	}
	end := len(p.steps)
	use(net.Output, end, last, false)
	for _, h := range net.Heads {
		use(h.Output, end, last, false)
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
			if q.start <= b.end && b.start <= q.end || q.lo <= b.hi && b.lo <= q.hi {
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
	for _, s := range p.steps {
		opGens[s.op.Kind].tile(p, s, p.net.Shape(s.op.In[0]), p.net.Shape(s.op.Out))
	}
}

// grid is a runtime.Grid: N columns in tiles of tileN, M rows in blocks
// of tileM.
type grid struct {
	n, tileN, tiles  int
	m, tileM, blocks int
	byRows           bool // items numbered block by block (rowHalves)
}

func (g grid) items() int { return g.tiles * g.blocks }

// gemmGrid cuts an m×n GEMM output into tiles of tileCols columns (a
// remainder of ≤ colTail columns joining the last) and, if that makes
// fewer than minItems tiles, the rows into blocks of a multiple of
// rowAlign, about minItems items in all.
//
// An output of at most narrowCols columns (8×8, 7×7) is one tile, its rows
// cut into blocks: gemm reads the weights of such a tile from memory once
// (its narrow tiles), and the blocks are equal, where tiles of 48 and 16
// columns made items of unequal work, each reading all its rows' weights.
func gemmGrid(m, n int) grid {
	if n <= narrowCols {
		return cutGrid(m, n, n, 0, minItems)
	}
	return cutGrid(m, n, tileCols, colTail, minItems)
}

// rowHalves renumbers a grid of one row block and at least two tiles as
// two row blocks, numbered block by block, if halving its tiles splits its
// columns unevenly (by more than a tenth of a tile and 4 % of the
// columns): then two workers, each taking half the items, get half the
// rows each over every column instead. Xception's 728×728 1×1 layers
// over 19×19 pixels (8 tiles: 192 against 169 columns) were where a
// worker waited for the other. Only for GEMMs straight on their input
// (1×1, no pre-activation): each block reads all of B, which a
// convolution or a pre-activated 1×1 layer would pack twice. At least 64
// rows, so that each half keeps whole panels of 8.
func rowHalves(g grid) grid {
	if g.blocks != 1 || g.tiles < 2 || g.m < 64 {
		return g
	}
	left := g.tiles / 2 * g.tileN // the first worker's columns
	if d := g.n - 2*left; max(d, -d)*10 <= g.tileN || max(d, -d)*25 <= g.n {
		return g
	}
	g.tileM = roundUp(ceilDiv(g.m, 2), rowAlign)
	g.blocks = ceilDiv(g.m, g.tileM)
	g.byRows = true
	return g
}

// cutGrid cuts an m×n output into tiles of cols columns, a remainder of
// ≤ tail columns joining the last, and, if that makes fewer than items
// tiles, the rows into blocks of a multiple of rowAlign, about items
// items in all.
func cutGrid(m, n, cols, tail, items int) grid {
	g := grid{n: n, tileN: cols, tiles: n / cols, m: m, tileM: m, blocks: 1}
	if g.tiles == 0 || n%cols > tail {
		g.tiles++
	}
	if g.tiles < items {
		g.tileM = roundUp(ceilDiv(m, ceilDiv(items, g.tiles)), rowAlign)
		g.blocks = ceilDiv(m, g.tileM)
	}
	return g
}

// directConv reports whether a convolution is a GEMM on its input itself
// (1×1, stride 1, no padding).
func directConv(c *ir.Conv) bool {
	return c.KH == 1 && c.KW == 1 && c.SH == 1 && c.SW == 1 && c.Pad == ir.Pad{}
}

// winograd returns the output tile size of Winograd's algorithm for a
// convolution with output out, 0 for the direct convolution: F(4×4, 3×3)
// for a 3×3 stride-1 layer with at least 49 tiles of 4×4 (outputs of
// 25×25 and more), F(2×2, 3×3) with at least 49 tiles of 2×2 (13×13),
// else none. Measured on the 3×3 layers of GoogLeNet, ResNet-50, VGG-11,
// DenseNet-121 and Inception-v3 (runtime/gemm's BenchmarkWinograd, and
// its package doc): F(4×4) is the fastest at 28×28 and above (1.4–2.8×
// the direct convolution), F(2×2) at 14×14 (1.0–1.7×), the direct
// convolution at 7×7 and 8×8, where F(2×2) has 16 tiles.
func winograd(c *ir.Conv, out ir.Shape) int {
	if c.KH != 3 || c.KW != 3 || c.SH != 1 || c.SW != 1 {
		return 0
	}
	for _, t := range []int{4, 2} {
		if ceilDiv(out.H, t)*ceilDiv(out.W, t) >= 49 {
			return t
		}
	}
	return 0
}

// Tiling of Winograd convolutions: items of wgTileCols tiles (a block of
// the GEMM, 48 columns; a last block of ≤ wgTileTail tiles joins the one
// before), and rows split in blocks only until there are wgMinItems items:
// every item transforms the input of its tiles and reads all the
// transformed weights of its rows, which are α²/9 times the direct
// convolution's (4× for F(4×4)), so finer items repeat that traffic.
const (
	wgTileCols = 48
	wgTileTail = 16
	wgMinItems = 2
)

// tileConv cuts a convolution into work items: a GEMM of the weights
// (out.C × C·KH·KW) with the input (direct) or its im2col matrix, over
// tiles of output pixels; or with Winograd's algorithm, over tiles of
// t×t-pixel tiles.
func (p *plan) tileConv(s *step, in, out ir.Shape) {
	c := s.op.Conv
	s.k = in.C / c.Groups * c.KH * c.KW
	if c.Groups > 1 {
		// A grouped convolution (depthwise: one input channel per output)
		// is a small GEMM per group, a poor fit: it runs directly, by
		// output channel.
		s.grouped = true
		s.items = out.C
		s.flops = 2 * int64(out.C) * int64(out.H*out.W) * int64(s.k)
		return
	}
	s.direct = directConv(c)
	s.grid = gemmGrid(out.C, out.H*out.W)
	if s.direct && s.pre == nil {
		s.grid = rowHalves(s.grid)
	}
	if s.res < 0 && (s.act == nil || reluFused(s)) {
		// Winograd's items are rectangles of tiles, not of pixels: it
		// takes no fused addition and no activation the GEMM does not
		// apply itself.
		s.winograd = winograd(c, out)
	}
	if t := s.winograd; t > 0 {
		s.grid = winogradGrid(out.C, ceilDiv(out.H, t)*ceilDiv(out.W, t))
	}
	if s.res < 0 && s.pre == nil && (s.act == nil || reluFused(s)) && wino1d(c) {
		s.wino1d = true
		s.grid = cutGrid(out.C, ceilDiv(out.H, 4), 1, 0, wgMinItems)
	}
	s.items = s.grid.items()
	s.flops = 2 * int64(out.C) * int64(out.H*out.W) * int64(s.k)
	p.gemm = true
	if s.winograd == 0 && !s.wino1d { // Winograd's scratch is its own (WinogradScratchLen, Winograd1DScratchLen)
		p.gemmK = max(p.gemmK, s.k)
	}
}

// wino1d reports whether a convolution runs in one-dimensional Winograd
// form (runtime/gemm's Winograd1D): a 7×1 one, stride 1, padding 3 above
// and below and none at the sides (Inception-v3's, -v4's and
// Inception-ResNet-v2's "(7, 1)" layers). Its items are tile rows (4
// output rows each), rows split in blocks only until there are
// wgMinItems. BenchmarkWinograd1D, one goroutine: 256×224×17×17 1.13 →
// 0.84–0.88 ms, 192×160×17×17 0.63–0.66 → 0.47–0.52, 64×64×73×73 1.69–1.75
// → 1.20–1.23.
func wino1d(c *ir.Conv) bool {
	return c.KH == 7 && c.KW == 1 && c.SH == 1 && c.SW == 1 && c.Groups == 1 && c.Pad == ir.Pad{Top: 3, Bottom: 3}
}

// winogradGrid cuts the output of a Winograd convolution, m channels ×
// tiles, into items (see wgTileCols).
func winogradGrid(m, tiles int) grid { return cutGrid(m, tiles, wgTileCols, wgTileTail, wgMinItems) }
