package modelcli

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	rt "github.com/inccdev/incc/runtime"
)

// benchResult is what bench measures; --json prints it.
type benchResult struct {
	Model      string  `json:"model"`
	Batch      int     `json:"batch"`
	Threads    int     `json:"threads"`
	Iters      int     `json:"iters"`
	Warmup     int     `json:"warmup"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Min        float64 `json:"min_ms"`
	Max        float64 `json:"max_ms"`
	PerSecond  float64 `json:"images_per_second"`
	PerImageMs float64 `json:"ms_per_image"`
}

func (c *cli) bench(args []string) error {
	fs := c.flags("bench", "[flags]")
	batch := fs.Int("batch", 1, "`N` images per inference batch")
	threads := fs.Int("threads", 0, "`T` threads (default: the build's --threads, else all CPUs)")
	iters := fs.Int("iters", 100, "timed inferences `N`")
	warmup := fs.Int("warmup", 3, "untimed inferences `N` first")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return c.usageErr(fs, "takes no arguments, got %q", pos[0])
	case *batch < 1:
		return c.usageErr(fs, "--batch must be at least 1, got %d", *batch)
	case *iters < 1:
		return c.usageErr(fs, "--iters must be at least 1, got %d", *iters)
	case *warmup < 0:
		return c.usageErr(fs, "--warmup must not be negative, got %d", *warmup)
	}
	nt := c.threads(*threads)
	if err := c.fitFlags(fs, nt, *batch, rt.MemoryClaim{Flag: "--iters", N: int64(*iters), Bytes: 8, Unit: "a latency"}); err != nil {
		return err
	}
	net, err := c.open(nt)
	if err != nil {
		return err
	}
	defer net.Close()
	in := c.m.Input
	src := rt.SeededInput(1, *batch, in[0], in[1], in[2]).Data
	dst := make([]float32, *batch*c.m.outputLen())
	for range *warmup {
		if err := net.Infer(dst, src, *batch); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, *iters)
	var total time.Duration
	for i := range lat {
		t := time.Now()
		if err := net.Infer(dst, src, *batch); err != nil {
			return err
		}
		lat[i] = time.Since(t)
		total += lat[i]
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	r := benchResult{
		Model: c.m.Name, Batch: *batch, Threads: nt, Iters: *iters, Warmup: *warmup,
		P50: ms(percentile(lat, 50)), P90: ms(percentile(lat, 90)), P99: ms(percentile(lat, 99)),
		Min: ms(lat[0]), Max: ms(lat[len(lat)-1]),
		PerSecond:  float64(*batch**iters) / total.Seconds(),
		PerImageMs: ms(total) / float64(*batch**iters),
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(c.stdout, "%s: batch %d, %d threads, %d timed inferences after %d warm-up\n", r.Model, r.Batch, r.Threads, r.Iters, r.Warmup)
	fmt.Fprintf(c.stdout, "latency of a batch: p50 %s  p90 %s  p99 %s  (min %s, max %s)\n",
		msString(r.P50), msString(r.P90), msString(r.P99), msString(r.Min), msString(r.Max))
	fmt.Fprintf(c.stdout, "throughput: %.1f images/s (%s an image)\n", r.PerSecond, msString(r.PerImageMs))
	return nil
}

// percentile returns the p-th percentile of sorted durations by the
// nearest-rank method.
func percentile(sorted []time.Duration, p int) time.Duration {
	k := (p*len(sorted) + 99) / 100 // ceil(p·n/100)
	return sorted[max(k-1, 0)]
}

// msString formats milliseconds with three significant digits.
func msString(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms >= 1:
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.0f µs", ms*1000)
}
