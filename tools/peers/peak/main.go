// Command peak measures the CPU's peak float32 FMA throughput, the bound any
// GoogLeNet engine runs against: tools/peers/run.sh prints it beside the
// table. It needs GOEXPERIMENT=simd on amd64 (simd/archsimd); elsewhere it
// says so and exits with status 2.
//
//	GOEXPERIMENT=simd go run ./tools/peers/peak [-threads 2] [-reps 5] [-time 300ms]
//
// Each goroutine (locked to its OS thread) runs 12 independent FMA chains
// acc = acc*b + c in vector registers, enough to cover the FMA latency on two
// pipes; values converge to c/(1-b) and stay normal. One FMA on a vector of L
// lanes is 2·L FLOP. Only the widest vectors the CPU has are measured unless
// -all. Prints one JSON object per line: kernel, threads, median and max
// GFLOP/s over -reps runs of about -time each (on a busy machine the max is
// the better estimate).
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

type kernel struct {
	name  string
	flops float64 // per loop iteration
	run   func(iters int) float32
}

// measure runs k on nt goroutines for iters iterations each; returns GFLOP/s.
func measure(k kernel, iters, nt int) float64 {
	var wg sync.WaitGroup
	start := make(chan struct{})
	sink := make([]float32, nt)
	for i := range nt {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			sink[i] = k.run(iters)
		})
	}
	time.Sleep(time.Millisecond)
	t0 := time.Now()
	close(start)
	wg.Wait()
	dt := time.Since(t0).Seconds()
	return k.flops * float64(iters) * float64(nt) / dt / 1e9
}

func main() {
	threads := flag.Int("threads", 2, "measure 1..threads goroutines")
	reps := flag.Int("reps", 5, "runs per configuration")
	all := flag.Bool("all", false, "measure every vector width, not only the widest")
	dur := flag.Duration("time", 300*time.Millisecond, "approximate duration of one run")
	flag.Parse()
	ks := kernels()
	if len(ks) == 0 {
		os.Stderr.WriteString("peak: needs GOEXPERIMENT=simd on amd64 with FMA\n")
		os.Exit(2)
	}
	if !*all {
		ks = ks[len(ks)-1:]
	}
	enc := json.NewEncoder(os.Stdout)
	for _, k := range ks {
		it := 1 << 12
		for {
			t0 := time.Now()
			k.run(it)
			if dt := time.Since(t0); dt > 20*time.Millisecond {
				it = int(float64(it) * dur.Seconds() / dt.Seconds())
				break
			}
			it *= 4
		}
		for nt := 1; nt <= *threads; nt++ {
			measure(k, it/8, nt) // warm-up
			g := make([]float64, *reps)
			for r := range g {
				g[r] = measure(k, it, nt)
			}
			slices.Sort(g)
			enc.Encode(map[string]any{"engine": "peak", "kernel": k.name, "threads": nt,
				"median_gflops": float64(int(g[len(g)/2]*10)) / 10, "max_gflops": float64(int(g[len(g)-1]*10)) / 10})
		}
	}
}
