// Command inccbench times incc's generated GoogLeNet (package
// generated/googlenet_torchvision) for tools/peers/run.sh.
//
//	go run ./tools/peers/inccbench [-threads 1,2] [-batches 1,8] [-input FILE] [-logits FILE]
//
// The weights are NewSeeded(seed), the values tools/incc_init.py gives torch.
// The input is -input (little-endian float32, N×3×224×224; batch b uses the
// first b images) or else runtime.SeededInput(seed, maxBatch, 3, 224, 224).
// For each thread count one Net is built with Options{Threads: T}; for each
// batch, Infer runs -warmup times, then at least -iters times and until
// -mintime has passed, but no more than 3 times once -maxtime has passed.
// Every timing is one Infer call (ms per batch).
//
// Output: one JSON object per line and configuration: engine, build
// (GOEXPERIMENT), threads, batch, median_ms, p90_ms, min_ms, n. With -logits
// the logits of the largest batch (from the first thread count) are written
// there as float32 for the cross-check.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	gn "github.com/inccdev/incc/generated/googlenet_torchvision"
	rt "github.com/inccdev/incc/runtime"
)

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			fail(fmt.Errorf("bad list %q", s))
		}
		out = append(out, v)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "inccbench:", err)
	os.Exit(1)
}

func readF32(path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func writeF32(path string, v []float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fail(err)
	}
}

// quantile of sorted xs, nearest rank.
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func buildTag() string {
	exp := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				exp = s.Value
			}
		}
	}
	if exp == "" {
		return "go"
	}
	return "go+" + exp
}

func r3(v float64) float64 { return math.Round(v*1000) / 1000 }

func main() {
	threads := flag.String("threads", "1,2", "comma-separated Options.Threads values")
	batches := flag.String("batches", "1,8", "comma-separated batch sizes")
	seed := flag.Uint64("seed", 1, "weight (and default input) seed")
	input := flag.String("input", "", "input file (float32 LE, N×3×224×224); default: the seeded input")
	logits := flag.String("logits", "", "write the largest batch's logits here")
	warmup := flag.Int("warmup", 2, "untimed Infer calls per configuration")
	iters := flag.Int("iters", 5, "minimum timed calls per configuration")
	mintime := flag.Duration("mintime", time.Second, "minimum timed duration per configuration")
	maxtime := flag.Duration("maxtime", 3*time.Second, "stop after 3 calls once this has passed")
	flag.Parse()

	ths, bs := ints(*threads), ints(*batches)
	maxB := slices.Max(bs)
	var src []float32
	inputNote := "seeded"
	if *input != "" {
		src = readF32(*input)
		if len(src) < maxB*gn.InputLen {
			fail(fmt.Errorf("%s holds %d images, need %d", *input, len(src)/gn.InputLen, maxB))
		}
		inputNote = "file"
		// The file is incc_init's "input" tensor: it must equal Go's.
		if n := len(src) / gn.InputLen; slices.Equal(src[:n*gn.InputLen], rt.SeededInput(*seed, n, 3, 224, 224).Data) {
			inputNote = "file (= runtime.SeededInput)"
		}
	} else {
		src = rt.SeededInput(*seed, maxB, 3, 224, 224).Data
	}
	out := json.NewEncoder(os.Stdout)
	tag := buildTag()
	for ti, th := range ths {
		t0 := time.Now()
		net, err := gn.NewSeeded(*seed, gn.Options{Threads: th})
		if err != nil {
			fail(err)
		}
		loadMS := float64(time.Since(t0).Microseconds()) / 1e3
		for _, b := range bs {
			dst := make([]float32, b*gn.OutputLen)
			x := src[:b*gn.InputLen]
			w0 := time.Now()
			for i := range *warmup {
				if i > 0 && time.Since(w0) > *maxtime/3 {
					break // a slow configuration is warm after one call
				}
				if err := net.Infer(dst, x, b); err != nil {
					fail(err)
				}
			}
			var ts []float64
			start := time.Now()
			for len(ts) < *iters || time.Since(start) < *mintime {
				if len(ts) >= 3 && time.Since(start) > *maxtime {
					break
				}
				t := time.Now()
				if err := net.Infer(dst, x, b); err != nil {
					fail(err)
				}
				ts = append(ts, float64(time.Since(t).Nanoseconds())/1e6)
			}
			slices.Sort(ts)
			if ti == 0 && b == maxB && *logits != "" {
				writeF32(*logits, dst)
			}
			out.Encode(map[string]any{
				"engine": "incc", "build": tag, "threads": th, "batch": b,
				"median_ms": r3(median(ts)), "p90_ms": r3(quantile(ts, 0.9)), "min_ms": r3(ts[0]),
				"n": len(ts), "load_ms": r3(loadMS), "input": inputNote,
				"go": runtime.Version(), "gomaxprocs": runtime.GOMAXPROCS(0),
			})
		}
		net.Close()
	}
}
