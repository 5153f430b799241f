package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMeasure (GEMM_MEASURE=rounds, e.g. 30) times every GoogLeNet GEMM on
// one goroutine, round-robin over the layers so that load from other
// processes spreads evenly, and prints per layer the best and the median
// round (each round runs the layer for ≥ 2 ms; times are the thread's CPU
// time, so that time slices lost to other processes do not count), then the projected
// GEMM-only latency of one image: Σ time per layer, best and median.
// GEMM_SET picks a kernel set by name (default: Pack's), GEMM_LAYERS the
// layers whose benchmark name contains it; GEMM_CHAIN=1 runs each layer
// once per round in network order with shared activation buffers (an
// inference: weights cold, activations warm) instead.
//
//	GEMM_MEASURE=30 GOEXPERIMENT=simd go test ./runtime/gemm -run TestMeasure -v
func TestMeasure(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("GEMM_MEASURE"))
	if rounds == 0 {
		t.Skip("set GEMM_MEASURE=rounds")
	}
	ks := best
	if name := os.Getenv("GEMM_SET"); name != "" {
		ks = nil
		for _, s := range sets {
			if s.name == name {
				ks = s
			}
		}
		if ks == nil {
			t.Fatalf("no kernel set %q in %v", name, setNames())
		}
	}
	layers := googlenet
	if f := os.Getenv("GEMM_LAYERS"); f != "" {
		layers = nil
		for _, l := range googlenet {
			if strings.Contains(benchName(l), f) {
				layers = append(layers, l)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	jobs := make([]*job, len(layers))
	reps := make([]int, len(layers))
	times := make([][]float64, len(layers)) // seconds per run
	chain := os.Getenv("GEMM_CHAIN") != ""
	for i, l := range layers {
		jobs[i] = newJob(ks, l, r)
		t0 := time.Now()
		jobs[i].run()
		reps[i] = max(1, int(2e-3/time.Since(t0).Seconds()))
		if chain {
			reps[i] = 1
		}
	}
	if chain {
		// As in BenchmarkGoogLeNet: shared activation buffers, each layer
		// once per round, in network order; weights come in cold.
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
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for range rounds {
		for i, j := range jobs {
			t0 := threadCPU()
			for range reps[i] {
				j.run()
			}
			times[i] = append(times[i], (threadCPU()-t0)/float64(reps[i]))
		}
	}
	var sumBest, sumMed, flops float64
	fmt.Printf("kernel %s, %d rounds\n%-36s %9s %9s %7s %9s %7s\n", ks.name, rounds, "layer", "MMAC", "best µs", "GF/s", "med µs", "GF/s")
	for i, l := range layers {
		slices.Sort(times[i])
		b, m := times[i][0], times[i][len(times[i])/2]
		sumBest += b
		sumMed += m
		flops += l.flops()
		fmt.Printf("%-36s %9.2f %9.1f %7.1f %9.1f %7.1f\n", benchName(l), l.flops()/2e6, b*1e6, l.flops()/b/1e9, m*1e6, l.flops()/m/1e9)
	}
	fmt.Printf("GoogLeNet GEMMs, one image, one thread: best-per-layer sum %.2f ms (%.1f GFLOP/s, %.0f%% of peak), median sum %.2f ms (%.1f GFLOP/s)\n",
		sumBest*1e3, flops/sumBest/1e9, flops/sumBest/1e9/peak*100, sumMed*1e3, flops/sumMed/1e9)
}
