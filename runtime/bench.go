package runtime

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Benchmarked is what [Bench] measures: a generated Net made with
// Options.Profile.
type Benchmarked interface {
	Infer(dst, src []float32, n int) error
	Profile() []LayerProfile
	ResetProfile()
}

// BenchConfig configures [Bench].
type BenchConfig struct {
	Input     [3]int // one image's shape, C×H×W (the generated InputShape)
	OutputLen int    // one image's output values
	Batch     int    // images per inference (≥ 1)
	Iters     int    // timed inferences (≥ 1)
	Warmup    int    // untimed inferences first
	Threads   int    // the Net's threads, for the report
}

// BenchResult is what [Bench] measures. Times are in milliseconds.
type BenchResult struct {
	Model           string       `json:"model"`
	Kernel          string       `json:"kernel"`
	Batch           int          `json:"batch"`
	Threads         int          `json:"threads"`
	Iters           int          `json:"iters"`
	Warmup          int          `json:"warmup"`
	P50             float64      `json:"p50_ms"`
	P90             float64      `json:"p90_ms"`
	P99             float64      `json:"p99_ms"`
	Min             float64      `json:"min_ms"`
	Max             float64      `json:"max_ms"`
	ImagesPerSecond float64      `json:"images_per_second"`
	MsPerImage      float64      `json:"ms_per_image"`
	GFLOPs          float64      `json:"gflop_per_image"`  // convolutions and fully connected layers, 2 per multiply-add
	GFLOPPerSecond  float64      `json:"gflop_per_second"` // at the median latency
	Layers          []BenchLayer `json:"layers"`           // in execution order
	LayerTotal      float64      `json:"layer_total_ms"`   // the layers' times summed
	ProfileNote     string       `json:"profile_note"`     // what the layer times are
}

// BenchLayer is one layer's share of a benchmark: its time for one image
// (averaged over the timed inferences), GFLOP/s (0 for layers without
// multiply-adds) and share of the layers' total.
type BenchLayer struct {
	Name    string  `json:"name"`
	Ms      float64 `json:"ms"`
	GFLOPPS float64 `json:"gflop_per_second,omitempty"`
	Share   float64 `json:"share"`
}

// BenchMemory checks, before a Net is made for it, that a benchmark of cfg
// fits [MemoryLimit]: weightBytes for the weights, threadBytes for each
// of cfg.Threads threads (a generated package's ThreadBytes), each image's
// input and output, each timed inference's latency. The error names the
// setting that asks for the most as a flag (--batch, --threads, --iters)
// and the most it can be.
func BenchMemory(cfg BenchConfig, threadBytes, weightBytes int64) error {
	image := 4 * (int64(cfg.Input[0]*cfg.Input[1]*cfg.Input[2]) + int64(cfg.OutputLen))
	err := FitMemory(weightBytes,
		MemoryClaim{Flag: "--batch", N: int64(cfg.Batch), Bytes: image, Unit: "an image"},
		MemoryClaim{Flag: "--threads", N: int64(cfg.Threads), Bytes: threadBytes, Unit: "a thread"},
		MemoryClaim{Flag: "--iters", N: int64(cfg.Iters), Bytes: 8, Unit: "a latency"})
	if err != nil {
		return fmt.Errorf("%w (%s)", err, MemoryLimitSource)
	}
	return nil
}

// Bench runs net on a seeded batch (SeededInput(1, …)): Warmup untimed
// inferences, then Iters timed ones, and reports the latency percentiles
// of a batch (nearest rank), the throughput and, from the Net's profile
// over the timed inferences, each layer's time.
func Bench(net Benchmarked, cfg BenchConfig) (BenchResult, error) {
	if cfg.Batch < 1 || cfg.Iters < 1 || cfg.Warmup < 0 {
		return BenchResult{}, fmt.Errorf("runtime: bench: batch %d, %d iterations, %d warm-up", cfg.Batch, cfg.Iters, cfg.Warmup)
	}
	in := cfg.Input
	src := SeededInput(1, cfg.Batch, in[0], in[1], in[2]).Data
	dst := make([]float32, cfg.Batch*cfg.OutputLen)
	for range cfg.Warmup {
		if err := net.Infer(dst, src, cfg.Batch); err != nil {
			return BenchResult{}, err
		}
	}
	net.ResetProfile()
	lat := make([]time.Duration, cfg.Iters)
	var total time.Duration
	for i := range lat {
		t := time.Now()
		if err := net.Infer(dst, src, cfg.Batch); err != nil {
			return BenchResult{}, err
		}
		lat[i] = time.Since(t)
		total += lat[i]
	}
	ps := net.Profile()
	if ps == nil {
		return BenchResult{}, errors.New("runtime: bench: the network was made without Options.Profile")
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	pct := func(p int) time.Duration { return lat[max((p*len(lat)+99)/100-1, 0)] }
	r := BenchResult{
		Kernel: GemmKernel(), Batch: cfg.Batch, Threads: cfg.Threads, Iters: cfg.Iters, Warmup: cfg.Warmup,
		P50: ms(pct(50)), P90: ms(pct(90)), P99: ms(pct(99)), Min: ms(lat[0]), Max: ms(lat[len(lat)-1]),
		ImagesPerSecond: float64(cfg.Batch*cfg.Iters) / total.Seconds(),
		MsPerImage:      ms(total) / float64(cfg.Batch*cfg.Iters),
	}
	var flops int64
	for _, p := range ps {
		if p.Images == 0 {
			continue
		}
		t := p.Time / time.Duration(p.Images)
		l := BenchLayer{Name: p.Name, Ms: ms(t)}
		if p.FLOPs > 0 && t > 0 {
			l.GFLOPPS = float64(p.FLOPs) / t.Seconds() / 1e9
		}
		flops += p.FLOPs
		r.LayerTotal += l.Ms
		r.Layers = append(r.Layers, l)
	}
	for i := range r.Layers {
		r.Layers[i].Share = r.Layers[i].Ms / max(r.LayerTotal, 1e-9)
	}
	r.GFLOPs = float64(flops) / 1e9
	r.GFLOPPerSecond = r.GFLOPs * float64(cfg.Batch) / (r.P50 / 1e3)
	r.ProfileNote = "ms per image, one thread's time: for an image split among the threads (the layers' chunks run as a task graph), the chunks' times summed; with images split among the threads (batch ≥ threads), the time of the thread that ran it"
	return r, nil
}

// WriteText writes r for people: the latency, the throughput and the
// layer table, all layers in order (top ≤ 0) or the top slowest.
func (r *BenchResult) WriteText(w io.Writer, top int) error {
	b := new(strings.Builder)
	fmt.Fprintf(b, "%s: batch %d, %d threads, %d timed inferences after %d warm-up (GEMM kernel %s)\n", r.Model, r.Batch, r.Threads, r.Iters, r.Warmup, r.Kernel)
	fmt.Fprintf(b, "latency of a batch: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  (min %.2f ms, max %.2f ms)\n", r.P50, r.P90, r.P99, r.Min, r.Max)
	fmt.Fprintf(b, "throughput: %.1f images/s (%.2f ms an image); %.2f GFLOP an image, %.1f GFLOP/s at the median\n", r.ImagesPerSecond, r.MsPerImage, r.GFLOPs, r.GFLOPPerSecond)
	rows := r.Layers
	title := "layers, in order"
	if top > 0 {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b BenchLayer) int { return -cmpFloat(a.Ms, b.Ms) })
		rows = rows[:min(top, len(rows))]
		title = fmt.Sprintf("the %d slowest layers", len(rows))
	}
	fmt.Fprintf(b, "%s (%s):\n", title, r.ProfileNote)
	name := len("total")
	for _, l := range rows {
		name = max(name, len(l.Name))
	}
	fmt.Fprintf(b, "  %-*s  %8s  %8s  %6s\n", name, "layer", "ms", "GFLOP/s", "share")
	for _, l := range rows {
		g := ""
		if l.GFLOPPS > 0 {
			g = fmt.Sprintf("%.1f", l.GFLOPPS)
		}
		fmt.Fprintf(b, "  %-*s  %8.3f  %8s  %5.1f%%\n", name, l.Name, l.Ms, g, 100*l.Share)
	}
	fmt.Fprintf(b, "  %-*s  %8.3f  %8.1f  %5.1f%%\n", name, "total", r.LayerTotal, r.GFLOPs/max(r.LayerTotal, 1e-9)*1e3, 100.0)
	_, err := io.WriteString(w, b.String())
	return err
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
