package gemm

import "unsafe"

// microKernel computes one mr×W block of C for one k-block (W = the
// kernel's width):
//
//	acc[i][j] = flags&flagAccum ? c[i·ldc+j] : bias[i]
//	for l := 0; l < k; l++ { acc[i][j] = fma(a[l·mr+i], b[l·ldb+j], acc[i][j]) }
//	if flags&flagRes: acc[i][j] = acc[i][j] + res[i·ldr+j]
//	if flags&flagReLU: acc[i][j] = max(acc[i][j], 0)
//	if flags&flagClamp: acc[i][j] = min(max(acc[i][j], bias[mr]), bias[mr+1])
//	c[i·ldc+j] = acc[i][j]
//
// a is a packed A panel, b a packed B panel (or any rows of ≥ W values
// ldb apart), bias holds mr values. The caller has checked every bound.
// flagRes and flagClamp go only to the kernels of a set with res and
// clamp; the others ignore them (and res, ldr).
type microKernel func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, res *float32, ldr int)

// kernelSet is a family of micro-kernels sharing a row count: kern[i]
// computes mr × (i+1)·step columns; nr = len(kern)·step is the widest.
type kernelSet struct {
	name string
	mr   int
	step int
	nr   int
	kern []microKernel
	// fastPack: pack convolution panels with packConvFast (AVX-512 only).
	fastPack bool
	// clamp, res: the block kernels take flagClamp, flagRes.
	clamp, res bool
	// col[c-1] lists column kernels for c columns, most panels first
	// (empty: use the block kernels for narrow tails too).
	col [maxColW][]colKernel
}

// maxColW is the widest tail the column kernels take.
const maxColW = 4

// colKernel computes c columns of P = p panels of mr = 8 rows for one
// k-block, vectorised along the rows:
//
//	ct[q·8P + r] = (flags&flagAccum ? ct[q·8P + r] : bias[r]) + Σ_l a[(r/8)·astride + l·8 + r%8] · b[l·ldb + q]
//
// (ReLU with flagReLU), each element summed in the same order as by the
// block kernels, so that the result does not depend on which one ran.
type colKernel struct {
	p int
	f func(k int, a *float32, astride int, b *float32, ldb int, ct *float32, bias *float32, flags int)
}

func newSet(name string, mr, step int, kern ...microKernel) *kernelSet {
	if mr > maxMR || step*len(kern) > maxNR {
		panic("gemm: kernel set " + name + " exceeds the scratch's edge buffers")
	}
	return &kernelSet{name: name, mr: mr, step: step, nr: step * len(kern), kern: kern}
}

// sets lists the kernel sets this binary can run on this CPU, fastest
// first; best is sets[0], the one Pack uses. The portable set is last.
var (
	sets []*kernelSet
	best *kernelSet
)

func init() {
	sets = append(sets, platformSets()...)
	sets = append(sets, scalarSet)
	best = sets[0]
}

// Kernel names the micro-kernel [Pack] chooses on this CPU and build:
// "avx512-asm-8x48" (Go assembly, amd64), "avx512-simd-…" or "avx2-simd-…"
// (simd/archsimd, GOEXPERIMENT=simd), or "scalar-4x4" (portable Go).
func Kernel() string { return best.name }

// scalarSet is the portable kernel set: 4×4 blocks in plain Go, sums in
// the same order as every other set (the product and the sum are rounded
// separately unless the compiler fuses them; either way the same code runs
// for every element, so results do not depend on the tiling).
var scalarSet = newSet("scalar-4x4", 4, 4, scalar4x4)

func scalar4x4(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, _ *float32, _ int) {
	var acc [4][4]float32
	cs := unsafe.Slice(c, 3*ldc+4)
	if flags&flagAccum != 0 {
		for i := range 4 {
			acc[i] = [4]float32(cs[i*ldc : i*ldc+4])
		}
	} else {
		bs := unsafe.Slice(bias, 4)
		for i := range 4 {
			acc[i] = [4]float32{bs[i], bs[i], bs[i], bs[i]}
		}
	}
	if k > 0 {
		as := unsafe.Slice(a, 4*k)
		bb := unsafe.Slice(b, (k-1)*ldb+4)
		a00, a01, a02, a03 := acc[0][0], acc[0][1], acc[0][2], acc[0][3]
		a10, a11, a12, a13 := acc[1][0], acc[1][1], acc[1][2], acc[1][3]
		a20, a21, a22, a23 := acc[2][0], acc[2][1], acc[2][2], acc[2][3]
		a30, a31, a32, a33 := acc[3][0], acc[3][1], acc[3][2], acc[3][3]
		for l := range k {
			av := (*[4]float32)(as[4*l:])
			bv := (*[4]float32)(bb[l*ldb:])
			b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
			x := av[0]
			a00, a01, a02, a03 = a00+x*b0, a01+x*b1, a02+x*b2, a03+x*b3
			x = av[1]
			a10, a11, a12, a13 = a10+x*b0, a11+x*b1, a12+x*b2, a13+x*b3
			x = av[2]
			a20, a21, a22, a23 = a20+x*b0, a21+x*b1, a22+x*b2, a23+x*b3
			x = av[3]
			a30, a31, a32, a33 = a30+x*b0, a31+x*b1, a32+x*b2, a33+x*b3
		}
		acc = [4][4]float32{{a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33}}
	}
	for i := range 4 {
		row := (*[4]float32)(cs[i*ldc:])
		for j, v := range acc[i] {
			if flags&flagReLU != 0 && v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
}
