package bench

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	rt "github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/gemm"
	"github.com/inccdev/incc/runtime/host"
)

// Net is what [Run] measures: a generated Net, or what a model binary
// makes of one.
type Net interface {
	Infer(dst, src []float32, n int) error
}

// Profiler is a [Net] that records the time of each layer: a generated Net
// made with Options.Profile. [Run] reports the layers of a Net that is
// one.
type Profiler interface {
	Profile() []rt.LayerProfile
	ResetProfile()
}

// Config configures [Run].
type Config struct {
	Input     [3]int // one image's shape, C×H×W (the generated InputShape)
	OutputLen int    // one image's output values
	Batch     int    // images per inference (≥ 1)
	Iters     int    // timed inferences (≥ 1)
	Warmup    int    // untimed inferences first
	Threads   int    // the Net's threads, for the report
}

// Result is what [Run] measures. Times are in milliseconds; the layers
// are those of a [Profiler]'s profile (none otherwise).
type Result struct {
	Model           string  `json:"model"`
	Kernel          string  `json:"kernel"`
	Batch           int     `json:"batch"`
	Threads         int     `json:"threads"`
	Iters           int     `json:"iters"`
	Warmup          int     `json:"warmup"`
	P50             float64 `json:"p50_ms"`
	P90             float64 `json:"p90_ms"`
	P99             float64 `json:"p99_ms"`
	Min             float64 `json:"min_ms"`
	Max             float64 `json:"max_ms"`
	ImagesPerSecond float64 `json:"images_per_second"`
	MsPerImage      float64 `json:"ms_per_image"`
	GFLOPs          float64 `json:"gflop_per_image"`  // convolutions and fully connected layers, 2 per multiply-add
	GFLOPPerSecond  float64 `json:"gflop_per_second"` // at the median latency
	Layers          []Layer `json:"layers"`           // in execution order
	LayerTotal      float64 `json:"layer_total_ms"`   // the layers' times summed
	ProfileNote     string  `json:"profile_note"`     // what the layer times are
}

// Layer is one layer's share of a benchmark: its time for one image
// (averaged over the timed inferences), GFLOP/s (0 for layers without
// multiply-adds) and share of the layers' total.
type Layer struct {
	Name    string  `json:"name"`
	Ms      float64 `json:"ms"`
	GFLOPPS float64 `json:"gflop_per_second,omitempty"`
	Share   float64 `json:"share"`
}

// Memory checks, before a Net is made for it, that a benchmark of cfg
// fits [host.MemoryLimit]: weightBytes for the weights, threadBytes for each
// of cfg.Threads threads (a generated package's ThreadBytes), each image's
// input and output, each timed inference's latency. The error names the
// setting that asks for the most as a flag (--batch, --threads, --iters)
// and the most it can be.
func Memory(cfg Config, threadBytes, weightBytes int64) error {
	image := 4 * (int64(cfg.Input[0]*cfg.Input[1]*cfg.Input[2]) + int64(cfg.OutputLen))
	err := host.FitMemory(weightBytes,
		host.MemoryClaim{Flag: "--batch", N: int64(cfg.Batch), Bytes: image, Unit: "an image"},
		host.MemoryClaim{Flag: "--threads", N: int64(cfg.Threads), Bytes: threadBytes, Unit: "a thread"},
		host.MemoryClaim{Flag: "--iters", N: int64(cfg.Iters), Bytes: 8, Unit: "a latency"})
	if err != nil {
		return fmt.Errorf("%w (%s)", err, host.MemoryLimitSource)
	}
	return nil
}

// Run runs net on a seeded batch (runtime.SeededInput(1, …)): Warmup
// untimed inferences, then Iters timed ones, and reports the latency
// percentiles of a batch (nearest rank), the throughput and, if net is a
// [Profiler] made to profile, each layer's time over the timed
// inferences.
func Run(net Net, cfg Config) (Result, error) {
	if cfg.Batch < 1 || cfg.Iters < 1 || cfg.Warmup < 0 {
		return Result{}, fmt.Errorf("runtime: bench: batch %d, %d iterations, %d warm-up", cfg.Batch, cfg.Iters, cfg.Warmup)
	}
	in := cfg.Input
	src := rt.SeededInput(1, cfg.Batch, in[0], in[1], in[2]).Data
	dst := make([]float32, cfg.Batch*cfg.OutputLen)
	for range cfg.Warmup {
		if err := net.Infer(dst, src, cfg.Batch); err != nil {
			return Result{}, err
		}
	}
	prof, _ := net.(Profiler)
	if prof != nil {
		prof.ResetProfile()
	}
	lat := make([]time.Duration, cfg.Iters)
	var total time.Duration
	for i := range lat {
		t := time.Now()
		if err := net.Infer(dst, src, cfg.Batch); err != nil {
			return Result{}, err
		}
		lat[i] = time.Since(t)
		total += lat[i]
	}
	var ps []rt.LayerProfile
	if prof != nil {
		ps = prof.Profile()
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	pct := func(p int) time.Duration { return lat[max((p*len(lat)+99)/100-1, 0)] }
	r := Result{
		Kernel: gemm.Kernel(), Batch: cfg.Batch, Threads: cfg.Threads, Iters: cfg.Iters, Warmup: cfg.Warmup,
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
		l := Layer{Name: p.Name, Ms: ms(t)}
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
	if len(r.Layers) == 0 {
		return r, nil
	}
	r.GFLOPs = float64(flops) / 1e9
	r.GFLOPPerSecond = r.GFLOPs * float64(cfg.Batch) / (r.P50 / 1e3)
	r.ProfileNote = "ms per image, one thread's time: for an image split among the threads (the layers' chunks run as a task graph), the chunks' times summed; with images split among the threads (batch ≥ threads), the time of the thread that ran it"
	return r, nil
}

// WriteText writes r for people: the latency, the throughput and, if r
// has a profile, the layer table, all layers in order (top ≤ 0) or the top
// slowest.
func (r *Result) WriteText(w io.Writer, top int) error {
	b := new(strings.Builder)
	fmt.Fprintf(b, "%s: batch %d, %d threads, %d timed inferences after %d warm-up (GEMM kernel %s)\n", r.Model, r.Batch, r.Threads, r.Iters, r.Warmup, r.Kernel)
	fmt.Fprintf(b, "latency of a batch: p50 %s  p90 %s  p99 %s  (min %s, max %s)\n", msString(r.P50), msString(r.P90), msString(r.P99), msString(r.Min), msString(r.Max))
	fmt.Fprintf(b, "throughput: %.1f images/s (%s an image)", r.ImagesPerSecond, msString(r.MsPerImage))
	if len(r.Layers) == 0 {
		b.WriteString("\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(b, "; %.2f GFLOP an image, %.1f GFLOP/s at the median\n", r.GFLOPs, r.GFLOPPerSecond)
	rows := r.Layers
	title := "layers, in order"
	if top > 0 {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b Layer) int { return cmp.Compare(b.Ms, a.Ms) })
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

// msString formats milliseconds with three significant digits, in µs
// below one millisecond.
func msString(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms >= 1:
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.3g µs", ms*1000)
}
