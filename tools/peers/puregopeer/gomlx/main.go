// Command puregopeer runs the peers' GoogLeNet ONNX with a pure-Go runtime a
// user could pick instead of incc: GoMLX's SimpleGo backend (no cgo) through
// github.com/gomlx/onnx-gomlx. It is its own module so that incc does not
// depend on GoMLX.
//
//	cd tools/peers/puregopeer && go run . -dir ../cache [-threads 2] [-batches 1,8]
//
// For each -models entry FILE[=LABEL]: parse, build and compile the graph,
// run it, and time Exec calls like the other peers (warm-up, then at least
// -iters calls and -mintime). A model that cannot be converted or run gives
// a result with "error" (the runtime's message) instead of timings.
// Output: one JSON object per line. With -logits, the largest batch's logits
// of the last model that ran are written there (float32) for the cross-check.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's usual style
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/onnx-gomlx/onnx"
)

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

func writeF32(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return os.WriteFile(path, b, 0o644)
}

func versions() string {
	var parts []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/gomlx/gomlx" || d.Path == "github.com/gomlx/onnx-gomlx" {
				parts = append(parts, strings.TrimPrefix(d.Path, "github.com/gomlx/")+" "+d.Version)
			}
		}
	}
	return strings.Join(parts, " + ") + " (SimpleGo backend)"
}

func r3(v float64) float64 { return math.Round(v*1000) / 1000 }

// firstLine shortens a runtime error (GoMLX panics carry stack traces).
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

type config struct {
	file, label      string
	threads, batches []int
	warmup, iters    int
	mintime, maxtime time.Duration
	input            []float32
	logits           string
}

func emit(m map[string]any) {
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

// run measures one model; it returns false if the model failed.
func run(c config, build string) (ok bool) {
	base := map[string]any{"engine": "gomlx", "build": build, "case": c.label, "model": filepath.Base(c.file)}
	fail := func(stage string, err any) {
		m := map[string]any{"error": stage + ": " + firstLine(fmt.Sprint(err))}
		for k, v := range base {
			m[k] = v
		}
		emit(m)
		ok = false
	}
	stage := "parse"
	defer func() {
		if r := recover(); r != nil {
			fail(stage, r)
		}
	}()
	model, err := onnx.ReadFile(c.file)
	if err != nil {
		fail(stage, err)
		return false
	}
	img := 3 * 224 * 224
	maxB := slices.Max(c.batches)
	for _, th := range c.threads {
		stage = "backend"
		backend, err := simplego.New("parallelism=" + strconv.Itoa(th))
		if err != nil {
			fail(stage, err)
			return false
		}
		// A context's variables live on the backend that first used them: one
		// context per backend.
		ctx := context.New()
		stage = "load weights"
		if err := model.VariablesToContext(ctx); err != nil {
			fail(stage, err)
			return false
		}
		stage = "build graph"
		exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, x *Node) *Node {
			return model.CallGraph(ctx, x.Graph(), map[string]*Node{"input": x})[0]
		})
		if err != nil {
			fail(stage, err)
			return false
		}
		for _, b := range c.batches {
			x := tensors.FromFlatDataAndDimensions(slices.Clone(c.input[:b*img]), b, 3, 224, 224)
			stage = fmt.Sprintf("convert+run (threads %d, batch %d)", th, b)
			t0 := time.Now()
			var out *tensors.Tensor
			for range c.warmup {
				if out, err = exec.Exec1(x); err != nil {
					fail(stage, err)
					return false
				}
			}
			firstMS := float64(time.Since(t0).Microseconds()) / 1e3 / float64(max(c.warmup, 1))
			var ts []float64
			start := time.Now()
			for len(ts) < c.iters || time.Since(start) < c.mintime {
				if len(ts) >= 3 && time.Since(start) > c.maxtime {
					break
				}
				t := time.Now()
				if out, err = exec.Exec1(x); err != nil {
					fail(stage, err)
					return false
				}
				ts = append(ts, float64(time.Since(t).Nanoseconds())/1e6)
			}
			slices.Sort(ts)
			n := len(ts)
			med := ts[n/2]
			if n%2 == 0 {
				med = (ts[n/2-1] + ts[n/2]) / 2
			}
			p90 := ts[max(0, min(n-1, int(math.Ceil(0.9*float64(n)))-1))]
			if b == maxB && c.logits != "" && th == c.threads[0] {
				stage = "read output"
				if err := writeF32(c.logits, tensors.MustCopyFlatData[float32](out)); err != nil {
					fail(stage, err)
					return false
				}
			}
			m := map[string]any{"threads": th, "batch": b, "median_ms": r3(med), "p90_ms": r3(p90),
				"min_ms": r3(ts[0]), "n": n, "warmup_ms": r3(firstMS)}
			for k, v := range base {
				m[k] = v
			}
			emit(m)
		}
		exec.Finalize()
		ctx.Finalize()
		backend.Finalize()
	}
	return true
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			fmt.Fprintf(os.Stderr, "puregopeer: bad list %q\n", s)
			os.Exit(1)
		}
		out = append(out, v)
	}
	return out
}

func main() {
	dir := flag.String("dir", "../cache", "directory with the models and the input (tools/peers/cache)")
	models := flag.String("models", "googlenet_s1.onnx=as exported,googlenet_s1_floorpool.onnx=ceil-mode pools rewritten",
		"comma-separated FILE[=LABEL] in -dir")
	input := flag.String("input", "input_s1_b8.f32", "input file in -dir (float32 LE, N×3×224×224)")
	threads := flag.String("threads", "2", "comma-separated parallelism values")
	batches := flag.String("batches", "1", "comma-separated batch sizes")
	logits := flag.String("logits", "", "write the largest batch's logits here")
	warmup := flag.Int("warmup", 1, "untimed runs (the first one compiles)")
	iters := flag.Int("iters", 5, "minimum timed runs")
	mintime := flag.Duration("mintime", time.Second, "minimum timed duration")
	maxtime := flag.Duration("maxtime", 5*time.Second, "stop after 3 runs once this is exceeded")
	flag.Parse()
	x, err := readF32(filepath.Join(*dir, *input))
	if err != nil {
		fmt.Fprintln(os.Stderr, "puregopeer:", err)
		os.Exit(1)
	}
	build := versions()
	for _, m := range strings.Split(*models, ",") {
		file, label, _ := strings.Cut(m, "=")
		if label == "" {
			label = file
		}
		run(config{file: filepath.Join(*dir, file), label: label, threads: ints(*threads), batches: ints(*batches),
			warmup: *warmup, iters: *iters, mintime: *mintime, maxtime: *maxtime, input: x, logits: *logits}, build)
	}
}
