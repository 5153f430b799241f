package serve

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the server's Prometheus metrics, written in the text
// exposition format (version 0.0.4) by [metrics.write].
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // {protocol, code} → count

	latency   map[string]*histogram // protocol → inference request latency
	batchSize *histogram
	queueWait *histogram

	inflight gauge // admitted requests
	queued   gauge // tasks waiting for a batch
	images   atomic.Uint64
	// inferRequests counts the inference requests handled, whatever the
	// outcome.
	inferRequests atomic.Uint64
	batches       atomic.Uint64
	dropped       atomic.Uint64 // tasks abandoned while queued
	rejected      atomic.Uint64 // requests refused because the queue was full
}

func newMetrics(maxBatch int) *metrics {
	var sizes []float64
	for s := 1; s < maxBatch; s *= 2 {
		sizes = append(sizes, float64(s))
	}
	sizes = append(sizes, float64(maxBatch))
	lat := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	return &metrics{
		requests:  map[[2]string]uint64{},
		latency:   map[string]*histogram{"http": newHistogram(lat), "grpc": newHistogram(lat)},
		batchSize: newHistogram(sizes),
		queueWait: newHistogram(lat),
	}
}

// request counts a finished request of a protocol ("http", "grpc") by its
// status code.
func (m *metrics) request(protocol, code string) {
	m.mu.Lock()
	m.requests[[2]string{protocol, code}]++
	m.mu.Unlock()
}

// infer records an inference request's latency.
func (m *metrics) infer(protocol string, d time.Duration) {
	m.inferRequests.Add(1)
	if h := m.latency[protocol]; h != nil {
		h.observe(d.Seconds())
	}
}

func (m *metrics) batch(n int) {
	m.batches.Add(1)
	m.images.Add(uint64(n))
	m.batchSize.observe(float64(n))
}

func (m *metrics) dequeued(ok bool) {
	if ok {
		m.queued.Add(-1)
	}
}

// histogram is a Prometheus histogram with fixed upper bounds.
type histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bound, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // the first bound ≥ v
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.n++
	h.mu.Unlock()
}

func (h *histogram) write(w io.Writer, name, labels string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sep := ""
	if labels != "" {
		sep = ","
	}
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{%s%sle=%q} %d\n", name, labels, sep, formatFloat(b), cum)
	}
	cum += h.counts[len(h.bounds)]
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
	braces := ""
	if labels != "" {
		braces = "{" + labels + "}"
	}
	fmt.Fprintf(w, "%s_sum%s %s\n", name, braces, formatFloat(h.sum))
	fmt.Fprintf(w, "%s_count%s %d\n", name, braces, h.n)
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// write writes every metric in the text exposition format.
func (m *metrics) write(w io.Writer, model string) {
	help := func(name, typ, text string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ)
	}
	help("incc_requests_total", "counter", "Requests answered, by protocol and status code (HTTP status, gRPC code name).")
	m.mu.Lock()
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
	for _, k := range keys {
		fmt.Fprintf(w, "incc_requests_total{protocol=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	m.mu.Unlock()

	help("incc_inference_request_duration_seconds", "histogram", "Latency of inference requests, from arrival to answer.")
	for _, p := range []string{"grpc", "http"} {
		m.latency[p].write(w, "incc_inference_request_duration_seconds", fmt.Sprintf("protocol=%q", p))
	}
	help("incc_queue_wait_seconds", "histogram", "Time inference requests waited in the queue before their batch ran.")
	m.queueWait.write(w, "incc_queue_wait_seconds", "")
	help("incc_batch_size", "histogram", "Images in each batch run on the network.")
	m.batchSize.write(w, "incc_batch_size", "")
	help("incc_queue_depth", "gauge", "Inference requests waiting for a batch.")
	fmt.Fprintf(w, "incc_queue_depth %d\n", m.queued.Load())
	help("incc_inflight_requests", "gauge", "Inference requests admitted and not yet answered (being read, queued or running).")
	fmt.Fprintf(w, "incc_inflight_requests %d\n", m.inflight.Load())
	help("incc_inferences_total", "counter", "Images run through the network.")
	fmt.Fprintf(w, "incc_inferences_total{model=%q} %d\n", model, m.images.Load())
	help("incc_batches_total", "counter", "Batches run on the network.")
	fmt.Fprintf(w, "incc_batches_total %d\n", m.batches.Load())
	help("incc_abandoned_total", "counter", "Queued requests dropped before their batch because the client left or the request timed out.")
	fmt.Fprintf(w, "incc_abandoned_total %d\n", m.dropped.Load())
	help("incc_rejected_total", "counter", "Inference requests refused because the queue was full.")
	fmt.Fprintf(w, "incc_rejected_total %d\n", m.rejected.Load())
}
