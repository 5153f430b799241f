package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// peak is one Zen 5 core's FMA peak, GFLOP/s (2 × 512-bit FMA per cycle).
const peak = 271

// job is one layer ready to run: packed weights, input, output, scratch.
type job struct {
	l       layer
	p       *Packed
	in, out []float32
	bias    []float32
	scratch []float32
}

func newJob(ks *kernelSet, l layer, r *rand.Rand) *job {
	j := &job{l: l, p: packWith(ks, randSlice(r, l.m*l.k), l.m, l.k, nil), bias: randSlice(r, l.m),
		out: make([]float32, l.m*l.n), scratch: make([]float32, ScratchSize(l.k))}
	if l.g.C == 0 {
		j.in = randSlice(r, l.k*l.n)
	} else {
		j.in = randSlice(r, l.g.C*l.g.H*l.g.W)
	}
	return j
}

// pointwise reports whether the layer is a plain GEMM on its input
// (a 1×1 convolution with stride 1 and no padding, or fully connected).
func (l layer) pointwise() bool {
	g := l.g
	return g.C == 0 || g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.Pad == [4]int{}
}

func (j *job) run() {
	if j.l.pointwise() {
		j.p.MulTile(j.out, j.l.n, j.in, j.l.n, 0, j.l.n, 0, j.l.m, j.bias, true, j.scratch)
	} else {
		j.p.ConvTile(j.out, j.l.n, j.in, j.l.g, 0, j.l.n, 0, j.l.m, j.bias, true, j.scratch)
	}
}

func (l layer) flops() float64 { return 2 * float64(l.m) * float64(l.k) * float64(l.n) }

// benchName shortens "inception3a.branch2.1.conv" to "inception3a.b2.1".
func benchName(l layer) string {
	s := strings.TrimSuffix(l.name, ".conv")
	s = strings.ReplaceAll(s, "branch", "b")
	return fmt.Sprintf("%s_%dx%dx%d", s, l.m, l.k, l.n)
}

// loop runs f for the benchmark's iterations and reports GFLOP/s and the
// fraction of one core's peak, by wall time (the usual ns/op) and by the
// thread's CPU time ("cpu-" metrics: on a machine shared with other
// processes, time slices lost to them do not count).
func loop(b *testing.B, flops float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	for b.Loop() {
		f()
	}
	cpu := threadCPU() - c0
	g := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(g, "GFLOP/s")
	b.ReportMetric(g/peak*100, "%peak")
	gc := flops * float64(b.N) / cpu / 1e9
	b.ReportMetric(gc, "cpu-GFLOP/s")
	b.ReportMetric(gc/peak*100, "cpu-%peak")
}

// BenchmarkGEMM runs each trunk GEMM of GoogLeNet (batch 1) on one
// goroutine with the kernel Pack chooses: ConvTile for k×k convolutions,
// MulTile for 1×1 ones and the FC layer, bias and ReLU fused.
func BenchmarkGEMM(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range googlenet {
		b.Run(benchName(l), func(b *testing.B) {
			j := newJob(best, l, r)
			loop(b, l.flops(), j.run)
		})
	}
}

// BenchmarkGoogLeNet runs all 58 trunk GEMMs of one image in a row, one
// goroutine: the GEMM-only latency of an inference (ns/op; compare ORT's
// 12.95 ms on one thread for the whole network), for every kernel set.
// Unlike BenchmarkGEMM, each layer runs once per image, so its weights come
// from L3 or memory as in an inference.
func BenchmarkGoogLeNet(b *testing.B) {
	for _, ks := range sets {
		b.Run(ks.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			var jobs []*job
			var flops float64
			for _, l := range googlenet {
				jobs = append(jobs, newJob(ks, l, r))
				flops += l.flops()
			}
			// Like an inference's arena: every layer reads the same input
			// buffer and writes the same output buffer, so activations stay
			// in cache as they would when each layer reads its
			// predecessor's output; the 26 MB of weights do not.
			var in, out []float32
			for _, j := range jobs {
				if len(j.in) > len(in) {
					in = j.in
				}
				if len(j.out) > len(out) {
					out = j.out
				}
			}
			for _, j := range jobs {
				j.in, j.out = in[:len(j.in)], out[:len(j.out)]
			}
			if ks == scalarSet && testing.Short() {
				b.Skip("slow")
			}
			loop(b, flops, func() {
				for _, j := range jobs {
					j.run()
				}
			})
		})
	}
}

// BenchmarkKernelSets compares the kernel sets on a few layers.
func BenchmarkKernelSets(b *testing.B) {
	pick := map[string]bool{"conv3.conv": true, "inception3a.branch1.conv": true,
		"inception4e.branch2.1.conv": true, "inception5b.branch1.conv": true}
	r := rand.New(rand.NewPCG(1, 1))
	for _, ks := range sets {
		for _, l := range googlenet {
			if !pick[l.name] || ks == scalarSet && l.flops() > 5e8 {
				continue
			}
			b.Run(ks.name+"/"+benchName(l), func(b *testing.B) {
				j := newJob(ks, l, r)
				loop(b, l.flops(), j.run)
			})
		}
	}
}

// BenchmarkMicroKernel measures each kernel set's widest micro-kernel with
// its operands in L1 (k = 256): the ceiling of the blocked product.
func BenchmarkMicroKernel(b *testing.B) {
	for _, ks := range sets {
		b.Run(ks.name, func(b *testing.B) {
			const k = 256
			r := rand.New(rand.NewPCG(1, 1))
			a, bb := randSlice(r, k*ks.mr), randSlice(r, k*ks.nr)
			c, bias := make([]float32, ks.mr*ks.nr), make([]float32, ks.mr)
			kern := ks.kern[len(ks.kern)-1]
			loop(b, 2*float64(k*ks.mr*ks.nr), func() {
				kern(k, &a[0], &bb[0], ks.nr, &c[0], ks.nr, &bias[0], 0, nil, 0)
			})
		})
	}
}

// BenchmarkPack packs, for each k×k convolution of GoogLeNet (batch 1),
// every im2col panel ConvTile packs for one image, and nothing else: next
// to BenchmarkGEMM's time for the same layer (one run, -bench 'GEMM|Pack'),
// the share of packing in the layer's time.
func BenchmarkPack(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range googlenet {
		if l.pointwise() {
			continue
		}
		b.Run(benchName(l), func(b *testing.B) {
			j := newJob(best, l, r)
			g := l.g
			src := bsource{conv: true, img: j.in, g: g, oh: g.OH(), ow: g.OW(), fast: true}
			kc0 := kBlock(l.k)
			sc := j.scratch[kc0*maxNR:]
			src.tab = sc[ctmpLen+btmpLen : ctmpLen+btmpLen+tabLen]
			src.rows = sc[ctmpLen+btmpLen+tabLen : scratchFixed]
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for b.Loop() {
				for pc := 0; pc < l.k; pc += kc0 {
					kc := min(kc0, l.k-pc)
					for jj := 0; jj < l.n; jj += 48 {
						w := min(48, l.n-jj)
						if w <= 4 {
							continue
						}
						src.pack(j.scratch[:kc*48], (w+15)/16*16, pc, kc, jj, w)
					}
				}
			}
		})
	}
}
