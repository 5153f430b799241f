package gemm

import (
	"fmt"
	"math"

	"github.com/inccdev/incc/runtime/ref"
)

// Blocking constants.
const (
	// kcMax bounds the k-block. Every k-block after the first loads and
	// stores C again, and the micro-kernel's first FMAs wait for C; a B
	// panel of up to 2048 × 48 values (384 KiB, packed or read in place)
	// is still read from L2 at the kernel's pace. Paired against blocks of
	// 256 in one process (cold weights, median of 21 rounds), blocks of
	// 2048: MulTile 1.04–1.08× on 728×728×361, 2048×1536×100,
	// 384×1536×289, 1536×2080×64, 1024×1024×196; ConvTile 1.02–1.08× on
	// 1×7 and 7×1 at 17×17, stride-2 3×3 and 1×1, 3×3 at 14×14, 8×8 and
	// 7×7 (1024: about the same); 256×64×3136, one block either way,
	// 0.97–1.00.
	kcMax = 2048
	// maxMR and maxNR bound every kernel set's register block; they size
	// the scratch's edge buffers.
	maxMR = 16
	maxNR = 64
)

// flags of a micro-kernel call.
const (
	flagAccum = 1 // start from C, not from the bias (a k-block after the first)
	flagReLU  = 2 // clamp at zero before storing (the last k-block)
	// flagClamp: then min(max(·, lo), hi), lo and hi after the mr biases
	// (block kernels of a set with clamp; see mul)
	flagClamp = 4
	// flagRes: add the residual (res, ldr) before the ReLU (block kernels
	// of a set with res; see mul)
	flagRes = 8
)

// Packed is a matrix A (m×k, row-major: a layer's weights, out channels ×
// in·kh·kw) packed once into the layout the micro-kernel reads. It is
// immutable once packed: any number of goroutines may use it at once.
type Packed struct {
	m, k int
	ks   *kernelSet
	// data holds ⌈m/mr⌉ panels of mr rows; panel p stores its rows column
	// by column: data[(p·k + l)·mr + r] = A[p·mr + r][l], zero rows filling
	// the last panel.
	data []float32
}

// M is the number of rows of A (output channels).
func (p *Packed) M() int { return p.m }

// K is the number of columns of A (the reduction length, in·kh·kw).
func (p *Packed) K() int { return p.k }

// Kernel names the micro-kernel the packed matrix is multiplied with.
func (p *Packed) Kernel() string { return p.ks.name }

// Pack packs the row-major m×k matrix a for the fastest micro-kernel this
// CPU runs (see [Kernel]). It panics if len(a) < m·k.
func Pack(a []float32, m, k int) *Packed { return packWith(best, a, m, k, nil) }

// PackScaled is Pack of the matrix with rows scaled: A[i][l] =
// float32(float64(a[i·k+l])·float64(scale[i])) (a batch norm folded into
// the layer, as runtime.FoldBatchNorm computes it), without a scaled copy.
// scale nil is Pack. It panics if len(scale) < m.
func PackScaled(a []float32, m, k int, scale []float32) *Packed {
	return packWith(best, a, m, k, scale)
}

func packWith(ks *kernelSet, a []float32, m, k int, scale []float32) *Packed {
	if m < 0 || k < 0 || len(a) < m*k || scale != nil && len(scale) < m {
		panic(fmt.Sprintf("gemm: Pack of %d×%d from %d values, %d scales", m, k, len(a), len(scale)))
	}
	p := newPacked(ks, m, k)
	mr := ks.mr
	// Panel by panel, in column blocks of 256: the block's rows (read side
	// by side) and its part of the panel stay in L1, the panel is written
	// in order, once.
	const kb = 256
	for i0 := 0; i0 < m; i0 += mr {
		rows := min(mr, m-i0)
		panel := p.data[i0*k : i0*k+mr*k]
		for l0 := 0; l0 < k; l0 += kb {
			l1 := min(l0+kb, k)
			for r := range rows {
				row := a[(i0+r)*k+l0 : (i0+r)*k+l1]
				d := panel[l0*mr+r:]
				if scale == nil {
					for l, v := range row {
						d[l*mr] = v
					}
				} else {
					s := float64(scale[i0+r])
					for l, v := range row {
						d[l*mr] = float32(float64(v) * s)
					}
				}
			}
		}
	}
	return p
}

// set sets A[i][l] in p's panel layout (see Packed.data).
func (p *Packed) set(i, l int, v float32) {
	mr := p.ks.mr
	p.data[(i/mr*p.k+l)*mr+i%mr] = v
}

// newPacked returns a zero m×k Packed for the kernel set.
func newPacked(ks *kernelSet, m, k int) *Packed {
	np := (m + ks.mr - 1) / ks.mr
	return &Packed{m: m, k: k, ks: ks, data: make([]float32, np*ks.mr*k)}
}

// ScratchSize is the length of the scratch slice [Packed.MulTile] and
// [Packed.ConvTile] need for a matrix with k columns: a packed B panel
// (k-block × 64) plus edge buffers and packing tables; at most 140 624
// floats (549 KiB), its value for every k ≥ 2048. Each goroutine needs its
// own.
func ScratchSize(k int) int {
	return min(max(k, 1), kcMax)*maxNR + scratchFixed
}

// MaxScratchSize is the largest [ScratchSize], enough for any k: callers
// that size one scratch per goroutine for every layer use it.
const MaxScratchSize = kcMax*maxNR + scratchFixed

// kBlock is the k-block length of a product with k columns: at most
// kcMax, the blocks of equal length but for the last.
func kBlock(k int) int {
	nkb := (k + kcMax - 1) / kcMax
	return (k + nkb - 1) / nkb
}

// The scratch holds the packed B panel (k-block × maxNR), then:
const (
	ctmpLen      = maxMR * maxNR       // an edge block of C
	btmpLen      = 64                  // bias rows of an edge block (column kernels: 8 panels × 8)
	tabLen       = maxSegs * segFloats // packConvFast's run table
	rowsLen      = kcMax * rowFloats   // and row list
	scratchFixed = ctmpLen + btmpLen + tabLen + rowsLen
)

// MulTile computes rows [m0, m1) and columns [n0, n1) of
//
//	C = act(bias + A·B),  c[i·ldc + j] = act(bias[i] + Σ_{l<k} A[i][l]·b[l·ldb + j])
//
// where A is p (m×k), B is k×(≥n1) row-major with leading dimension ldb
// (for a 1×1 convolution: the input activation, ldb = pixels), C has
// leading dimension ldc (C may be a channel slice of a concatenation),
// bias is nil (zero) or holds at least m1 values and act is max(·, 0) if
// relu, else the identity. Every element is summed in one fixed order,
// from the bias then over l = 0, 1, …, k-1 with fused multiply-adds, so
// disjoint tiles may run on different goroutines and the result is
// bit-identical whatever the tiling. scratch must hold ScratchSize(k)
// values and belong to the calling goroutine; MulTile does not allocate.
// B is read in place (only edge panels narrower than a kernel are packed),
// so tiles may split rows or columns alike; column bounds at multiples of
// 16 (best 48) waste no SIMD lanes.
//
// It panics if a slice is too short for the indices above or a range is
// out of [0, m]×[0, ldb] ([0, ldc] for C).
func (p *Packed) MulTile(c []float32, ldc int, b []float32, ldb int, n0, n1, m0, m1 int, bias []float32, relu bool, scratch []float32) {
	p.check(c, ldc, n0, n1, m0, m1, bias, scratch)
	if n1 > ldb || (n0 < n1 && p.k > 0 && len(b) < (p.k-1)*ldb+n1) {
		panic(fmt.Sprintf("gemm: MulTile columns [%d, %d) of B %d×ldb %d in %d values", n0, n1, p.k, ldb, len(b)))
	}
	src := bsource{b: b, ldb: ldb}
	p.mul(c, ldc, 0, &src, n0, n1, m0, m1, bias, relu, nil, scratch)
}

// Fused lists what a GEMM tile computes besides the bias and the ReLU.
type Fused struct {
	// Res, if not nil, is a residual added before the activation:
	//
	//	c[i·ldc + j] = act((bias[i] + Σ_{l<k} A[i][l]·B[l][j]) + Res[i·LDRes + j])
	//
	// the product's bits plus the residual, as an addition after the layer
	// would give them; it is added to each column panel of C (≤ 48
	// columns; in a narrow tile, 64 rows at a time) after its last k-block,
	// its rows prefetched while the micro-kernels run. Res must not
	// overlap C.
	Res   []float32
	LDRes int
	// Scale and Shift, if not nil, hold k values: B's row l is used as
	// max(float32(float64(B[l][j])·float64(Scale[l]) + float64(Shift[l])), 0),
	// a batch norm (runtime.BatchNormScale's scale and shift: the same bits
	// as runtime.BatchNorm) and ReLU applied to the layer's input
	// (pre-activation), while B is packed. [Packed.MulTileFused] only.
	Scale, Shift []float32
	// Clamp, if set, bounds every result after the ReLU and the residual:
	// min(max(v, Lo), Hi) with Go's min and max (NaN stays NaN; +0 from
	// max(−0, +0)), a ReLU6 or clamp layer, applied to each column panel
	// of C as the residual is.
	Clamp  bool
	Lo, Hi float32
}

// MulTileFused is [Packed.MulTile] with the operations of f fused (f nil:
// none). With Scale, every panel of B is packed (B is not read in place).
func (p *Packed) MulTileFused(c []float32, ldc int, b []float32, ldb int, n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32) {
	p.check(c, ldc, n0, n1, m0, m1, bias, scratch)
	if n1 > ldb || (n0 < n1 && p.k > 0 && len(b) < (p.k-1)*ldb+n1) {
		panic(fmt.Sprintf("gemm: MulTile columns [%d, %d) of B %d×ldb %d in %d values", n0, n1, p.k, ldb, len(b)))
	}
	src := bsource{b: b, ldb: ldb}
	if f == nil {
		p.mul(c, ldc, 0, &src, n0, n1, m0, m1, bias, relu, nil, scratch)
		return
	}
	if (f.Scale == nil) != (f.Shift == nil) || f.Scale != nil && (len(f.Scale) < p.k || len(f.Shift) < p.k) {
		panic(fmt.Sprintf("gemm: MulTileFused with %d scale and %d shift values for k = %d", len(f.Scale), len(f.Shift), p.k))
	}
	src.scale, src.shift = f.Scale, f.Shift
	p.checkRes(f, n0, n1, m0, m1)
	p.mul(c, ldc, 0, &src, n0, n1, m0, m1, bias, relu, f, scratch)
}

// checkRes checks that f's residual covers rows [m0, m1), columns [n0, n1).
func (p *Packed) checkRes(f *Fused, n0, n1, m0, m1 int) {
	if f.Res != nil && m0 < m1 && n0 < n1 && (f.LDRes < n1 || len(f.Res) < (m1-1)*f.LDRes+n1) {
		panic(fmt.Sprintf("gemm: residual of %d values, ldres %d, for rows [%d, %d), columns [%d, %d)", len(f.Res), f.LDRes, m0, m1, n0, n1))
	}
}

// ConvTile is [Packed.MulTile] for a convolution: B is the im2col matrix of
// the image src (g.C×g.H×g.W, channel-major), row ci·KH·KW + ky·KW + kx and
// column oy·OW + ox holding src[ci][oy·SH - top + ky][ox·SW - left + kx]
// (zero outside the image), packed straight from src without materialising
// it. p must have k = g.K() columns (weights [out][C][KH][KW], row-major);
// columns [n0, n1) are output pixels, n1 ≤ g.N(). Results are bit-identical
// to MulTile on Im2col's matrix. Each call packs the B panels of its
// columns, so split a convolution across goroutines by columns (at
// multiples of 16, best 48): row tiles would pack the same panels twice.
func (p *Packed) ConvTile(c []float32, ldc int, src []float32, g Conv, n0, n1, m0, m1 int, bias []float32, relu bool, scratch []float32) {
	p.check(c, ldc, n0, n1, m0, m1, bias, scratch)
	g.check(len(src))
	if g.K() != p.k || n1 > g.N() {
		panic(fmt.Sprintf("gemm: ConvTile columns [%d, %d) of a %v convolution (k %d, n %d) with a %d×%d matrix", n0, n1, g, g.K(), g.N(), p.m, p.k))
	}
	bs := bsource{conv: true, img: src, g: g, oh: g.OH(), ow: g.OW()}
	p.mul(c, ldc, 0, &bs, n0, n1, m0, m1, bias, relu, nil, scratch)
}

// ConvTileFused is [Packed.ConvTile] with f's residual fused (f nil: none;
// f.Scale must be nil).
func (p *Packed) ConvTileFused(c []float32, ldc int, src []float32, g Conv, n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32) {
	p.check(c, ldc, n0, n1, m0, m1, bias, scratch)
	g.check(len(src))
	if g.K() != p.k || n1 > g.N() {
		panic(fmt.Sprintf("gemm: ConvTile columns [%d, %d) of a %v convolution (k %d, n %d) with a %d×%d matrix", n0, n1, g, g.K(), g.N(), p.m, p.k))
	}
	bs := bsource{conv: true, img: src, g: g, oh: g.OH(), ow: g.OW()}
	if f == nil {
		p.mul(c, ldc, 0, &bs, n0, n1, m0, m1, bias, relu, nil, scratch)
		return
	}
	if f.Scale != nil || f.Shift != nil {
		panic("gemm: ConvTileFused with a pre-activation (MulTileFused only)")
	}
	p.checkRes(f, n0, n1, m0, m1)
	p.mul(c, ldc, 0, &bs, n0, n1, m0, m1, bias, relu, f, scratch)
}

func (p *Packed) check(c []float32, ldc, n0, n1, m0, m1 int, bias []float32, scratch []float32) {
	if m0 < 0 || m1 < m0 || m1 > p.m || n0 < 0 || n1 < n0 || n1 > ldc {
		panic(fmt.Sprintf("gemm: tile rows [%d, %d) columns [%d, %d) of a %d-row product with ldc %d", m0, m1, n0, n1, p.m, ldc))
	}
	if m0 < m1 && n0 < n1 && len(c) < (m1-1)*ldc+n1 {
		panic(fmt.Sprintf("gemm: C of %d values for rows [%d, %d), columns [%d, %d), ldc %d", len(c), m0, m1, n0, n1, ldc))
	}
	if bias != nil && len(bias) < m1 {
		panic(fmt.Sprintf("gemm: %d bias values for rows [%d, %d)", len(bias), m0, m1))
	}
	if len(scratch) < ScratchSize(p.k) {
		panic(fmt.Sprintf("gemm: scratch of %d values, want ScratchSize(%d) = %d", len(scratch), p.k, ScratchSize(p.k)))
	}
}

// mul is the blocked product behind MulTile and ConvTile:
//
//	for each k-block (fixed boundaries: kBlock):
//	  for each column panel of ≤ ks.nr columns:
//	    B panel: the rows of B themselves (MulTile, a full-width panel), or
//	      packed into scratch (ConvTile, or a narrow panel zero-padded to a
//	      kernel width)
//	    for each A panel of ks.mr rows: micro-kernel
//
// A last panel of ≤ 4 columns, or the ≤ 4 columns beyond a multiple of 16,
// goes to the column kernels, 8 A panels at a time. A tile of ≤ maxNR (64)
// columns (n = 49, 64), or of one panel and a column tail, runs the other
// way round, A panels outside: each group of 8 A panels meets every block
// panel and the column kernels while it is in cache, so the weights are
// read from memory once.
//
// Row i of the product is row i − crow of c (MulTile and ConvTile: crow 0).
//
// The k-block boundaries do not depend on the tile, and partial sums are
// stored in C as float32, exactly what the registers hold; so every element
// sees the same operations in the same order however C is tiled.
func (p *Packed) mul(c []float32, ldc, crow int, src *bsource, n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32) {
	if m0 == m1 || n0 == n1 {
		return
	}
	var res []float32
	var ldr int
	clamp := f != nil && f.Clamp
	if f != nil {
		res, ldr = f.Res, f.LDRes
	}
	ks, mr, K := p.ks, p.ks.mr, p.k
	if K == 0 {
		for i := m0; i < m1; i++ {
			var v float32
			if bias != nil {
				v = bias[i]
			}
			row := c[(i-crow)*ldc+n0 : (i-crow)*ldc+n1]
			for j := range row {
				x := v
				if res != nil {
					x += res[i*ldr+n0+j]
				}
				if relu && x < 0 {
					x = 0
				}
				row[j] = x
			}
			if clamp {
				clampRow(row, f.Lo, f.Hi)
			}
		}
		return
	}
	if src.conv && p.convS2(c, ldc, crow, src, n0, n1, m0, m1, bias, relu, f, scratch) {
		return
	}
	kc0 := kBlock(K)
	bbuf, rest := scratch[:kc0*maxNR:kc0*maxNR], scratch[kc0*maxNR:] // capped: a panel slice past it panics
	src.fast = src.conv && ks.fastPack
	src.tab = rest[ctmpLen+btmpLen : ctmpLen+btmpLen+tabLen]
	src.rows = rest[ctmpLen+btmpLen+tabLen : scratchFixed]
	t := tile{p: p, c: c, ldc: ldc, crow: crow, m0: m0, m1: m1, bias: bias, relu: relu, res: res, ldr: ldr,
		ctmp: rest[:ctmpLen], btmp: rest[ctmpLen : ctmpLen+btmpLen]}
	if clamp {
		t.clamp, t.lo, t.hi = true, f.Lo, f.Hi
	}
	p0, p1 := m0/mr, (m1+mr-1)/mr
	hasCols := len(ks.col[0]) > 0
	for pc := 0; pc < K; pc += kc0 {
		t.pc, t.kc, t.flags = pc, min(kc0, K-pc), 0
		if pc > 0 {
			t.flags |= flagAccum
		}
		last := pc+t.kc == K
		if relu && last && res == nil {
			t.flags |= flagReLU
		}
		t.fin = last && (res != nil || clamp) // after each blocks and cols call
		// The block kernels clamp as they store, where they can: not
		// after a residual, which finish adds first, nor where
		// kernelClamps says no.
		t.kclamp = last && clamp && res == nil && ks.clamp && kernelClamps(f.Lo, f.Hi)
		if t.kclamp {
			t.flags |= flagClamp
		}
		// They add the residual as they store, where they can: not before
		// a clamp (finish adds it, then clamps), nor in edge blocks
		// (through ctmp), which blocks finishes one by one.
		t.kres = last && res != nil && !clamp && ks.res
		t.pf = pc > 0 || t.fin && res != nil
		if hasCols && n1-n0 <= max(ks.nr+maxColW, maxNR) {
			// Narrow tile: its block panels (at most maxNR columns in
			// all, e.g. 48 + 16 at n = 64) and a column tail [n0+wb,
			// n1), all ready before the A panels run.
			w := n1 - n0
			wb := w - w%ks.step
			if w%ks.step > maxColW {
				wb = w
			}
			var pans [maxNR / 16]narrowPanel
			np, off := 0, 0
			for j := n0; j < n0+wb; np++ {
				pw := min(ks.nr, n0+wb-j)
				wi := (pw + ks.step - 1) / ks.step
				q := &pans[np]
				q.j, q.w, q.W, q.kern = j, pw, wi*ks.step, ks.kern[wi-1]
				q.b, q.ldb = t.panel(src, bbuf[off*t.kc:(off+q.W)*t.kc], j, pw, q.W)
				off += q.W
				j += pw
			}
			var bt *float32
			var ldbt int
			if wt := w - wb; wt > 0 {
				bt, ldbt = t.panel(src, bbuf[off*t.kc:(off+16)*t.kc], n0+wb, wt, 0)
			}
			for g := p0; g < p1; g += 8 {
				gb := min(g+8, p1)
				for _, q := range pans[:np] {
					t.blocks(g, gb, q.j, q.w, q.W, q.kern, q.b, q.ldb)
				}
				if wb < w {
					t.cols(g, gb, n0+wb, w-wb, bt, ldbt)
				}
			}
			continue
		}
		for j, w := n0, 0; j < n1; j += w {
			w = min(ks.nr, n1-j)
			if hasCols && w <= maxColW {
				b, ldb := t.panel(src, bbuf[:t.kc*16], j, w, 0)
				t.cols(p0, p1, j, w, b, ldb)
				continue
			}
			if r := w % ks.step; hasCols && r <= maxColW {
				w -= r // leave the last r columns to the column kernels
			}
			wi := (w + ks.step - 1) / ks.step
			W := wi * ks.step
			b, ldb := t.panel(src, bbuf[:t.kc*W], j, w, W)
			t.blocks(p0, p1, j, w, W, ks.kern[wi-1], b, ldb)
		}
	}
}

// narrowPanel is a block panel of a narrow tile: columns [j, j+w) of B,
// at b (ldb apart; W wide if packed), and the micro-kernel for W columns.
type narrowPanel struct {
	b       *float32
	ldb     int
	j, w, W int
	kern    microKernel
}

// tile is the state of one k-block of a MulTile or ConvTile call.
type tile struct {
	p             *Packed
	c             []float32
	ldc           int
	crow          int // row i of the product is row i − crow of c
	m0, m1        int
	bias          []float32
	relu          bool      // the product's ReLU (after the residual, if any)
	res           []float32 // residual (nil: none), ldr apart
	ldr           int
	clamp         bool // bound the results to [lo, hi]
	lo, hi        float32
	ctmp, btmp    []float32
	pc, kc, flags int
	// fin: the k-block is the last and a residual or clamp follows: the
	// rows each blocks or cols call computed get them (finish) after it.
	fin bool
	// kclamp: the block kernels clamp (flagClamp), so blocks need not
	// finish; cols still does.
	kclamp bool
	// kres: the block kernels add the residual (flagRes) and then the
	// ReLU, so blocks finishes only its edge blocks; cols still finishes.
	kres bool
	// pf: blocks calls prefetch (C is accumulated or a residual follows;
	// else there is nothing to prefetch).
	pf bool
}

// panel returns the rows of the current k-block of B's columns [j, j+w):
// B itself for a matrix and w == W (or any w for the column kernels, W =
// 0), else packed into buf (kc×W, zero-padded; W = 16 for W = 0).
// (src is not kept in tile: that would move it to the heap.)
func (t *tile) panel(src *bsource, buf []float32, j, w, W int) (*float32, int) {
	if !src.conv && src.scale == nil && (w == W || W == 0) {
		return &src.b[t.pc*src.ldb+j], src.ldb
	}
	if W == 0 {
		W = 16
	}
	src.pack(buf, W, t.pc, t.kc, j, w)
	return &buf[0], W
}

// finish finishes C's rows [r0, r1), columns [j, j+w) (their last
// k-block just stored): adds the residual, then the ReLU if relu, if there
// is one; then the clamp, if any.
func (t *tile) finish(r0, r1, j, w int) {
	for i := r0; i < r1; i++ {
		row := t.c[(i-t.crow)*t.ldc+j : (i-t.crow)*t.ldc+j+w]
		if t.res != nil {
			addReLU(row, t.res[i*t.ldr+j:i*t.ldr+j+w], t.relu)
		}
		if t.clamp {
			clampRow(row, t.lo, t.hi)
		}
	}
}

// kernelClamps reports whether the assembly clamp (CLAMP in
// clamp_amd64.h: VMAXPS with lo, VMINPS with hi, a NaN put back; clamp16,
// the block and stem kernels) gives
// clampRowGo's bits for these bounds: not for lo = −0 or hi = ±0, where
// VMAXPS and VMINPS break ties of zeros unlike Go's max and min (and
// min(NaN, −0) is a NaN of the other sign); Go clamps those.
func kernelClamps(lo, hi float32) bool { return math.Float32bits(lo) != 1<<31 && hi != 0 }

// clampRowGo sets v = min(max(v, lo), hi) for the values of row (the clamp
// layer's ref.Clamp, in place); clampRow is it, or the same in assembly.
func clampRowGo(row []float32, lo, hi float32) { ref.Clamp(row, row, lo, hi) }

// addReLUGo sets dst[q] = dst[q] + src[q], then max(·, 0) if relu (NaN
// staying NaN); addReLU is it, or the same in assembly.
func addReLUGo(dst, src []float32, relu bool) {
	src = src[:len(dst)]
	for q := range dst {
		v := dst[q] + src[q]
		if relu && v < 0 {
			v = 0
		}
		dst[q] = v
	}
}

// biasFor returns the bias of rows [i0, i0+n) for a kernel, zero outside
// [m0, m1) or when there is none (through btmp unless all are in range),
// followed by the clamp's lo and hi if lohi (a block kernel with
// flagClamp).
func (t *tile) biasFor(i0, n, r0, r1 int, lohi bool) *float32 {
	if t.bias != nil && r0 == i0 && r1 == i0+n && !lohi {
		return &t.bias[i0]
	}
	clear(t.btmp[:n])
	if t.bias != nil {
		copy(t.btmp[r0-i0:], t.bias[r0:r1])
	}
	if lohi {
		t.btmp[n], t.btmp[n+1] = t.lo, t.hi
	}
	return &t.btmp[0]
}

// blocks runs the block kernel kern (W columns) on A panels [pa, pb) for
// C's columns [j, j+w), B at (b, ldb).
func (t *tile) blocks(pa, pb, j, w, W int, kern microKernel, b *float32, ldb int) {
	mr, K, c, ldc := t.p.ks.mr, t.p.k, t.c, t.ldc
	for ip := pa; ip < pb; ip++ {
		if t.pf && ip+1 < pb {
			t.prefetch(ip+1, j, w)
		}
		i0 := ip * mr
		a := &t.p.data[(ip*K+t.pc)*mr]
		r0, r1 := max(t.m0, i0), min(t.m1, i0+mr)
		bp := t.biasFor(i0, mr, r0, r1, t.kclamp)
		if r0 == i0 && r1 == i0+mr && w == W {
			fl, res, ldr := t.flags, (*float32)(nil), 0
			if t.kres {
				fl |= flagRes
				if t.relu {
					fl |= flagReLU
				}
				res, ldr = &t.res[i0*t.ldr+j], t.ldr
			}
			kern(t.kc, a, b, ldb, &c[(i0-t.crow)*ldc+j], ldc, bp, fl, res, ldr)
		} else {
			// Edge block: through ctmp (mr×W, leading dimension W).
			ct := t.ctmp
			if t.flags&flagAccum != 0 {
				for i := r0; i < r1; i++ {
					copy(ct[(i-i0)*W:(i-i0)*W+w], c[(i-t.crow)*ldc+j:(i-t.crow)*ldc+j+w])
				}
			}
			kern(t.kc, a, b, ldb, &ct[0], W, bp, t.flags, nil, 0)
			for i := r0; i < r1; i++ {
				copy(c[(i-t.crow)*ldc+j:(i-t.crow)*ldc+j+w], ct[(i-i0)*W:(i-i0)*W+w])
			}
			if t.kres {
				t.finish(r0, r1, j, w)
			}
		}
	}
	if t.fin && !t.kclamp && !t.kres {
		// After the loop: finishing each block right after its kernel
		// (or one block later) makes the loads wait for the kernel's
		// stores, which wait for their lines when C is not in cache:
		// MobileNetV2's expanding 1×1 layers (ReLU6, k = 16–32) were
		// 1.2–1.5× slower. The rows' residual was prefetched meanwhile.
		t.finish(max(t.m0, pa*mr), min(t.m1, pb*mr), j, w)
	}
}

// prefetch asks for what the micro-kernel call on A panel ip, columns
// [j, j+w), reads besides A and B (which it prefetches, or reads at a
// pace L2 keeps up with): its block of C after the first k-block, and of
// the residual in the last; the call before it runs meanwhile.
func (t *tile) prefetch(ip, j, w int) {
	mr := t.p.ks.mr
	r0, r1 := max(t.m0, ip*mr), min(t.m1, ip*mr+mr)
	if t.flags&flagAccum != 0 {
		prefetchRows(&t.c[(r0-t.crow)*t.ldc+j], t.ldc, r1-r0, w)
	}
	if t.fin && t.res != nil {
		prefetchRows(&t.res[r0*t.ldr+j], t.ldr, r1-r0, w)
	}
}

// cols runs the column kernels on A panels [pa, pb) for C's columns
// [j, j+w), w ≤ maxColW, B at (b, ldb): up to 8 panels (64 rows) per call,
// through ctmp (column-major) and btmp.
func (t *tile) cols(pa, pb, j, w int, b *float32, ldb int) {
	const mr = 8 // the column kernels' panels are the assembly set's
	K, c, ldc := t.p.k, t.c, t.ldc
	for ip := pa; ip < pb; {
		var ck colKernel
		for _, x := range t.p.ks.col[w-1] {
			if x.p <= pb-ip {
				ck = x
				break
			}
		}
		i0, n := ip*mr, ck.p*mr
		r0, r1 := max(t.m0, i0), min(t.m1, i0+n)
		bp := t.biasFor(i0, n, r0, r1, false)
		ct := t.ctmp[:n*w]
		if t.flags&flagAccum != 0 {
			for q := range w {
				for i := r0; i < r1; i++ {
					ct[q*n+i-i0] = c[(i-t.crow)*ldc+j+q]
				}
			}
		}
		ck.f(t.kc, &t.p.data[(ip*K+t.pc)*mr], K*mr, b, ldb, &ct[0], bp, t.flags)
		for q := range w {
			for i := r0; i < r1; i++ {
				c[(i-t.crow)*ldc+j+q] = ct[q*n+i-i0]
			}
		}
		ip += ck.p
	}
	if t.fin { // after the loop, as in blocks
		t.finish(max(t.m0, pa*mr), min(t.m1, pb*mr), j, w)
	}
}

// bsource is where B comes from: a row-major matrix or an image to be
// unfolded on the fly.
type bsource struct {
	// matrix, with rows l used as max(float32(b·scale[l]) + shift[l], 0)
	// if scale is not nil
	b            []float32
	ldb          int
	scale, shift []float32
	// convolution
	conv   bool
	img    []float32
	g      Conv
	oh, ow int
	// fast: pack with packConvFast (AVX-512), its tables in tab and rows.
	fast      bool
	tab, rows []float32
}

// pack writes B[pc:pc+kc][j:j+w] into dst (kc rows of W ≥ w values, the
// columns beyond w zero).
func (s *bsource) pack(dst []float32, W, pc, kc, j, w int) {
	if s.conv {
		if !s.fast || !s.packConvFast(dst, W, pc, kc, j, w, s.tab, s.rows) {
			s.packConv(dst, W, pc, kc, j, w)
		}
		return
	}
	for l := range kc {
		row := s.b[(pc+l)*s.ldb+j : (pc+l)*s.ldb+j+w]
		d := dst[l*W : l*W+W]
		if s.scale != nil {
			affineReLU(d[:w], row, s.scale[pc+l], s.shift[pc+l])
		} else {
			copy(d, row)
		}
		if w < W {
			clear(d[w:])
		}
	}
}

// packConv is pack for the im2col matrix of the image: row l = (ci, ky, kx)
// of columns j… is a run of output pixels, cut where the output row ends;
// each piece is a strided (for SW = 1 contiguous) run of one input row.
func (s *bsource) packConv(dst []float32, W, pc, kc, j, w int) {
	g := &s.g
	khw := g.KH * g.KW
	ci, rem := pc/khw, pc%khw
	ky, kx := rem/g.KW, rem%g.KW
	oy0, ox0 := j/s.ow, j%s.ow
	top, left := g.Pad[0], g.Pad[1]
	for l := range kc {
		d := dst[l*W : l*W+W]
		plane := s.img[ci*g.H*g.W : (ci+1)*g.H*g.W]
		oy, ox := oy0, ox0
		for q := 0; q < w; {
			seg := min(s.ow-ox, w-q)
			out := d[q : q+seg]
			iy := oy*g.SH - top + ky
			if iy < 0 || iy >= g.H {
				clear(out)
			} else {
				row := plane[iy*g.W : iy*g.W+g.W]
				ix := ox*g.SW - left + kx
				if g.SW == 1 {
					// Output t reads row[ix+t]; valid for lo ≤ t < hi.
					lo := min(max(-ix, 0), seg)
					hi := max(min(g.W-ix, seg), lo)
					clear(out[:lo])
					if lo < hi {
						copy(out[lo:hi], row[ix+lo:ix+hi])
					}
					clear(out[hi:])
				} else {
					for t := range out {
						if uint(ix) < uint(g.W) {
							out[t] = row[ix]
						} else {
							out[t] = 0
						}
						ix += g.SW
					}
				}
			}
			q += seg
			ox = 0
			oy++
		}
		if w < W {
			clear(d[w:])
		}
		if kx++; kx == g.KW {
			kx = 0
			if ky++; ky == g.KH {
				ky = 0
				ci++
			}
		}
	}
}

// Conv is the geometry of a convolution's input and window, for
// [Packed.ConvTile] and [Im2col].
type Conv struct {
	C, H, W int    // input channels, height, width
	KH, KW  int    // window
	SH, SW  int    // stride
	Pad     [4]int // top, left, bottom, right
}

// OH is the output height, (H + top + bottom - KH)/SH + 1.
func (g Conv) OH() int { return (g.H+g.Pad[0]+g.Pad[2]-g.KH)/g.SH + 1 }

// OW is the output width, (W + left + right - KW)/SW + 1.
func (g Conv) OW() int { return (g.W+g.Pad[1]+g.Pad[3]-g.KW)/g.SW + 1 }

// K is the number of rows of the im2col matrix, C·KH·KW.
func (g Conv) K() int { return g.C * g.KH * g.KW }

// N is the number of columns of the im2col matrix, OH·OW.
func (g Conv) N() int { return g.OH() * g.OW() }

func (g Conv) check(n int) {
	if g.C < 1 || g.H < 1 || g.W < 1 || g.KH < 1 || g.KW < 1 || g.SH < 1 || g.SW < 1 ||
		g.Pad[0] < 0 || g.Pad[1] < 0 || g.Pad[2] < 0 || g.Pad[3] < 0 || g.OH() < 1 || g.OW() < 1 {
		panic(fmt.Sprintf("gemm: bad convolution geometry %+v", g))
	}
	if n < g.C*g.H*g.W {
		panic(fmt.Sprintf("gemm: image of %d values for a %d×%d×%d input", n, g.C, g.H, g.W))
	}
}

// Im2col writes the im2col matrix of the c×h×w image src for a kh×kw
// window with strides sh, sw and padding pad (top, left, bottom, right):
// dst holds c·kh·kw rows of oh·ow values, laid out as ConvTile reads B.
// ConvTile does not need it; it is the reference and a fallback.
func Im2col(dst, src []float32, c, h, w, kh, kw, sh, sw int, pad [4]int) {
	g := Conv{C: c, H: h, W: w, KH: kh, KW: kw, SH: sh, SW: sw, Pad: pad}
	g.check(len(src))
	n := g.N()
	if len(dst) < g.K()*n {
		panic(fmt.Sprintf("gemm: Im2col into %d values, want %d", len(dst), g.K()*n))
	}
	s := bsource{conv: true, img: src, g: g, oh: g.OH(), ow: g.OW()}
	s.packConv(dst[:g.K()*n], n, 0, g.K(), 0, n)
}

// affineReLUGo sets dst[q] = max(float32(float64(src[q])·float64(s) +
// float64(t)), 0), NaN staying NaN (the product is exact in float64, so
// fused or not the sum rounds once, then to float32); affineReLU is it, or
// the same in assembly.
func affineReLUGo(dst, src []float32, s, t float32) {
	src = src[:len(dst)]
	s64, t64 := float64(s), float64(t)
	for q := range dst {
		v := float32(float64(src[q])*s64 + t64)
		if v < 0 {
			v = 0
		}
		dst[q] = v
	}
}

// The fused operations' row kernels (fused_amd64.go: assembly on AVX-512).
var (
	addReLU    = addReLUGo
	affineReLU = affineReLUGo
	clampRow   = clampRowGo
)
