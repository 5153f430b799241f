// Command onnxgo runs the peers' GoogLeNet ONNX with
// github.com/owulveryck/onnx-go and its Gorgonia backend (pure Go; its convs
// are im2col + gonum's Go BLAS), the other pure-Go runtime a user could pick.
//
//	cd tools/peers/puregopeer && go run ./onnxgo -dir ../cache [-threads 1,2]
//
// Batch 1 only: the exported graph fixes no batch and onnx-go takes the
// input's shape. Threads are GOMAXPROCS (gonum's Sgemm splits over it). For
// each -models entry FILE[=LABEL]: decode, SetInput, backend.Run() (timed
// like the other peers); a failure gives a result with "error". Output: one
// JSON object per line. With -logits the logits of the first Run of the last
// model that ran are written there (float32) for the cross-check; later Runs
// drift (onnx-go accumulates into the fc bias), reported as repeat_drift_rel.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"
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
			switch d.Path {
			case "github.com/owulveryck/onnx-go", "gorgonia.org/gorgonia", "gonum.org/v1/gonum":
				parts = append(parts, d.Path[strings.LastIndexByte(d.Path, '/')+1:]+" "+d.Version)
			}
		}
	}
	return strings.Join(parts, " + ")
}

func emit(base, m map[string]any) {
	for k, v := range base {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func r3(v float64) float64 { return math.Round(v*1000) / 1000 }

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

func run(file, label string, threads []int, x []float32, warmup, iters int, mintime, maxtime time.Duration, logits string) {
	base := map[string]any{"engine": "onnx-go", "build": versions(), "case": label, "model": filepath.Base(file)}
	stage := "read"
	defer func() {
		if r := recover(); r != nil {
			emit(base, map[string]any{"error": stage + ": " + firstLine(fmt.Sprint(r))})
		}
	}()
	fail := func(err error) { emit(base, map[string]any{"error": stage + ": " + firstLine(err.Error())}) }
	raw, err := os.ReadFile(file)
	if err != nil {
		fail(err)
		return
	}
	for _, th := range threads {
		var first []float32
		runtime.GOMAXPROCS(th)
		backend := gorgonnx.NewGraph()
		model := onnx.NewModel(backend)
		stage = "decode"
		if err := model.UnmarshalBinary(raw); err != nil {
			fail(err)
			return
		}
		stage = "SetInput"
		in := tensor.New(tensor.WithShape(1, 3, 224, 224), tensor.WithBacking(slices.Clone(x[:3*224*224])))
		if err := model.SetInput(0, in); err != nil {
			fail(err)
			return
		}
		stage = fmt.Sprintf("Run (threads %d)", th)
		for range max(warmup, 1) {
			if err := backend.Run(); err != nil {
				fail(err)
				return
			}
			if first == nil {
				if first, err = output(model); err != nil {
					fail(err)
					return
				}
			}
		}
		var ts []float64
		start := time.Now()
		for len(ts) < iters || time.Since(start) < mintime {
			if len(ts) >= 3 && time.Since(start) > maxtime {
				break
			}
			t := time.Now()
			if err := backend.Run(); err != nil {
				fail(err)
				return
			}
			ts = append(ts, float64(time.Since(t).Nanoseconds())/1e6)
		}
		stage = "output"
		last, err := output(model)
		if err != nil {
			fail(err)
			return
		}
		// onnx-go's Gemm adds A·B into C in place when C has m×n elements (the
		// fc bias at batch 1), so every Run after the first shifts the logits.
		drift, amax := 0.0, 0.0
		for i := range first {
			drift = max(drift, math.Abs(float64(last[i]-first[i])))
			amax = max(amax, math.Abs(float64(first[i])))
		}
		if logits != "" && th == threads[0] {
			if err := writeF32(logits, first); err != nil {
				fail(err)
				return
			}
		}
		slices.Sort(ts)
		n := len(ts)
		med := ts[n/2]
		if n%2 == 0 {
			med = (ts[n/2-1] + ts[n/2]) / 2
		}
		p90 := ts[max(0, min(n-1, int(math.Ceil(0.9*float64(n)))-1))]
		emit(base, map[string]any{"threads": th, "batch": 1, "median_ms": r3(med), "p90_ms": r3(p90),
			"min_ms": r3(ts[0]), "n": n, "logits": "first Run",
			"repeat_drift_rel": float32(drift / amax)})
	}
}

// output copies the model's single 1×1000 float32 output.
func output(model *onnx.Model) ([]float32, error) {
	outs, err := model.GetOutputTensors()
	if err != nil {
		return nil, err
	}
	data, ok := outs[0].Data().([]float32)
	if !ok || len(data) != 1000 {
		return nil, fmt.Errorf("output shape %v dtype %v, want 1×1000 float32", outs[0].Shape(), outs[0].Dtype())
	}
	return slices.Clone(data), nil
}

func main() {
	dir := flag.String("dir", "../cache", "directory with the models and the input (tools/peers/cache)")
	models := flag.String("models", "googlenet_s1.onnx=as exported,googlenet_s1_floorpool_onnxgo.onnx=ceil-mode pools rewritten; pads in onnx-go's order",
		"comma-separated FILE[=LABEL] in -dir")
	input := flag.String("input", "input_s1_b8.f32", "input file in -dir (float32 LE, N×3×224×224)")
	threads := flag.String("threads", "1,2", "comma-separated GOMAXPROCS values")
	logits := flag.String("logits", "", "write the logits here")
	warmup := flag.Int("warmup", 1, "untimed runs")
	iters := flag.Int("iters", 5, "minimum timed runs")
	mintime := flag.Duration("mintime", time.Second, "minimum timed duration")
	maxtime := flag.Duration("maxtime", 5*time.Second, "stop after 3 runs once this is exceeded")
	flag.Parse()
	var ths []int
	for _, f := range strings.Split(*threads, ",") {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			fmt.Fprintf(os.Stderr, "onnxgo: bad -threads %q\n", *threads)
			os.Exit(1)
		}
		ths = append(ths, v)
	}
	x, err := readF32(filepath.Join(*dir, *input))
	if err != nil {
		fmt.Fprintln(os.Stderr, "onnxgo:", err)
		os.Exit(1)
	}
	for _, m := range strings.Split(*models, ",") {
		file, label, _ := strings.Cut(m, "=")
		if label == "" {
			label = file
		}
		run(filepath.Join(*dir, file), label, ths, x, *warmup, *iters, *mintime, *maxtime, *logits)
	}
}
