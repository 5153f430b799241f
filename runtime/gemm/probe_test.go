package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestProbe (GEMM_PROBE=name substring): split a conv layer's time into
// packing and the rest.
func TestProbe(t *testing.T) {
	f := os.Getenv("GEMM_PROBE")
	if f == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, l := range googlenet {
		if !strings.Contains(benchName(l), f) || l.pointwise() {
			continue
		}
		r := rand.New(rand.NewPCG(1, 1))
		j := newJob(best, l, r)
		g := l.g
		src := bsource{conv: true, img: j.in, g: g, oh: g.OH(), ow: g.OW(), fast: true}
		nkb := (l.k + kcMax - 1) / kcMax
		kc0 := (l.k + nkb - 1) / nkb
		sc := j.scratch[kc0*maxNR:]
		src.tab = sc[ctmpLen+btmpLen : ctmpLen+btmpLen+tabLen]
		src.rows = sc[ctmpLen+btmpLen+tabLen : scratchFixed]
		bestPack, bestAll := 1e9, 1e9
		for range 20 {
			t0 := threadCPU()
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
			bestPack = min(bestPack, threadCPU()-t0)
			t0 = threadCPU()
			j.run()
			bestAll = min(bestAll, threadCPU()-t0)
		}
		fmt.Printf("%-36s all %7.0f µs (%5.1f GF/s), packing %6.0f µs (%2.0f%%), rest %5.1f GF/s\n", benchName(l), bestAll*1e6, l.flops()/bestAll/1e9,
			bestPack*1e6, bestPack/bestAll*100, l.flops()/(bestAll-bestPack)/1e9)
	}
}
