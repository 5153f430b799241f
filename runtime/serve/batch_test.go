package serve

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/inccdev/incc/runtime/serve/inference"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func oneImage() []byte {
	_, data := inputs(1)
	return []byte(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":` + data + `}]}`)
}

// TestBatching: with MaxDelay an hour, a batch runs only when it is full;
// 12 concurrent requests of one image run as 3 batches of MaxBatch = 4, in
// arrival order, and each request gets its own answer.
func TestBatching(t *testing.T) {
	m, net := testModel(false)
	net.gate = make(chan struct{})
	s := newTestServer(t, m, Options{MaxBatch: 4, MaxDelay: time.Hour})
	url := s.url + "/v2/models/fake/infer"
	v, _ := inputs(12)
	var wg sync.WaitGroup
	results := make([]string, 12)
	send := func(i int) {
		wg.Go(func() {
			var data []string
			for _, x := range v[i*16 : (i+1)*16] {
				data = append(data, fmt.Sprint(x))
			}
			code, _, body := post(t, url, []byte(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":[`+strings.Join(data, ",")+`]}],"outputs":[{"name":"output"}]}`), nil)
			if code != 200 {
				t.Errorf("request %d: %d %s", i, code, body)
				return
			}
			results[i] = string(decodeResponse(t, body).Outputs[0].Data)
		})
	}
	for i := range 12 {
		send(i)
	}
	waitFor(t, "12 admitted", func() bool { return s.met.inflight.Load() == 12 })
	for range 3 {
		net.gate <- struct{}{}
	}
	wg.Wait()
	if sizes := net.sizes(); !slices.Equal(sizes, []int{4, 4, 4}) {
		t.Errorf("batch sizes %v, want [4 4 4]", sizes)
	}
	for i := range 12 {
		exp := fmt.Sprintf("[%s]", strings.Join(strs(want(v[i*16:(i+1)*16], 3, 1)), ","))
		if results[i] != exp {
			t.Errorf("request %d: %s, want %s", i, results[i], exp)
		}
	}
}

func strs(v []float32) []string {
	var s []string
	for _, x := range v {
		s = append(s, strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	return s
}

// TestQueueFull: with the network held and the queue full, a request is
// refused at once: 503 with Retry-After, RESOURCE_EXHAUSTED over gRPC.
// Abandoned requests (clients gone, timeouts) leave the queue without a
// place in a batch.
func TestQueueFull(t *testing.T) {
	m, net := testModel(false)
	net.gate = make(chan struct{})
	s := newTestServer(t, m, Options{MaxBatch: 1, Queue: 3, Timeout: time.Hour})
	url := s.url + "/v2/models/fake/infer"
	var wg sync.WaitGroup
	codes200 := 0
	var mu sync.Mutex
	for range 2 {
		wg.Go(func() {
			code, _, _ := post(t, url, oneImage(), nil)
			mu.Lock()
			if code == 200 {
				codes200++
			}
			mu.Unlock()
		})
	}
	// One runs (held), one waits; a third client waits behind it and gives up.
	waitFor(t, "one running, one queued", func() bool { return s.met.inflight.Load() == 2 && s.met.queued.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(string(oneImage())))
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	waitFor(t, "3 admitted", func() bool { return s.met.inflight.Load() == 3 })

	code, hdr, body := post(t, url, oneImage(), nil)
	checkError(t, "a 4th request", code, body, 503, "the request queue is full")
	if hdr.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", hdr.Get("Retry-After"))
	}
	_, err := inference.NewGRPCInferenceServiceClient(s.grpc).ModelInfer(context.Background(), &inference.ModelInferRequest{ModelName: "fake"})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("gRPC with the queue full: %v", err)
	}

	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled request succeeded")
	}
	waitFor(t, "the cancelled request released", func() bool { return s.met.inflight.Load() == 2 })
	for range 2 {
		net.gate <- struct{}{}
	}
	wg.Wait()
	if codes200 != 2 {
		t.Errorf("%d of the 2 waiting requests answered 200", codes200)
	}
	// The abandoned request took no place in a batch: 1 + 1 images run.
	waitFor(t, "the abandoned task dropped", func() bool { return s.met.dropped.Load() == 1 })
	if sizes := net.sizes(); !slices.Equal(sizes, []int{1, 1}) {
		t.Errorf("batches %v, want [1 1]", sizes)
	}
	if s.met.rejected.Load() != 2 {
		t.Errorf("rejected %d, want 2", s.met.rejected.Load())
	}
}

// TestTimeout: a request that waits longer than Timeout gets 503, and
// DEADLINE_EXCEEDED over gRPC.
func TestTimeout(t *testing.T) {
	m, net := testModel(false)
	net.gate = make(chan struct{})
	s := newTestServer(t, m, Options{MaxBatch: 1, Timeout: 100 * time.Millisecond})
	code, _, body := post(t, s.url+"/v2/models/fake/infer", oneImage(), nil)
	checkError(t, "held network", code, body, 503, "the request timed out waiting for the model")
	v, _ := inputs(1)
	_, err := inference.NewGRPCInferenceServiceClient(s.grpc).ModelInfer(context.Background(), &inference.ModelInferRequest{ModelName: "fake",
		Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP32", Shape: []int64{1, 1, 4, 4},
			Contents: &inference.InferTensorContents{Fp32Contents: v}}}})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("gRPC: %v", err)
	}
	close(net.gate) // let the batch that was taken finish
}

// TestMetrics checks the exposition after known traffic.
func TestMetrics(t *testing.T) {
	m, _ := testModel(false)
	s := newTestServer(t, m, Options{MaxBatch: 8})
	for range 3 {
		post(t, s.url+"/v2/models/fake/infer", oneImage(), nil)
	}
	post(t, s.url+"/v2/models/fake/infer", []byte("{"), nil)
	code, text := get(t, s.url+"/metrics")
	if code != 200 {
		t.Fatal(code)
	}
	for _, re := range []string{
		`(?m)^incc_requests_total\{protocol="http",code="200"\} 3$`,
		`(?m)^incc_requests_total\{protocol="http",code="400"\} 1$`,
		`(?m)^incc_inferences_total\{model="fake"\} 3$`,
		`(?m)^incc_batch_size_bucket\{le="1"\} 3$`,
		`(?m)^incc_batch_size_bucket\{le="\+Inf"\} 3$`,
		`(?m)^incc_batch_size_count 3$`,
		`(?m)^incc_inference_request_duration_seconds_count\{protocol="http"\} 4$`,
		`(?m)^incc_queue_depth 0$`,
		`(?m)^incc_inflight_requests 0$`,
		`(?m)^# TYPE incc_batch_size histogram$`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("metrics lack %s:\n%s", re, text)
		}
	}
}

// TestDrain: when Run's context ends, readiness goes false, the queued
// requests are answered, and Run returns nil.
func TestDrain(t *testing.T) {
	m, net := testModel(false)
	net.gate = make(chan struct{})
	var logBuf syncBuffer
	addrs := make(chan string, 1)
	s, err := New(m, Options{HTTP: "127.0.0.1:0", GRPC: "127.0.0.1:0", MaxBatch: 1, Log: slogJSON(&logBuf),
		Ready: func(h, g netAddr) { addrs <- h.String() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- s.Run(ctx) }()
	url := "http://" + <-addrs
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if code, _, body := post(t, url+"/v2/models/fake/infer", oneImage(), nil); code != 200 {
				t.Errorf("in-flight request: %d %s", code, body)
			}
		})
	}
	waitFor(t, "3 admitted", func() bool { return s.met.inflight.Load() == 3 })
	cancel()
	waitFor(t, "draining", func() bool { return !s.ready() })
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, mustRequest("GET", "/v2/health/ready"))
	if rec.Code != 503 || strings.TrimSpace(rec.Body.String()) != `{"ready":false}` {
		t.Errorf("ready while draining: %d %s", rec.Code, rec.Body)
	}
	// A request read while draining is still answered.
	late := newRecorder()
	wg.Go(func() { s.Handler().ServeHTTP(late, mustRequest("POST", "/v2/models/fake/infer")) })
	waitFor(t, "4 admitted", func() bool { return s.met.inflight.Load() == 4 })
	close(net.gate)
	wg.Wait()
	if late.Code != 200 {
		t.Errorf("request read while draining: %d %s", late.Code, late.Body)
	}
	// Once drained, the batcher refuses.
	<-s.batch.exited
	rec = newRecorder()
	s.Handler().ServeHTTP(rec, mustRequest("POST", "/v2/models/fake/infer"))
	checkError(t, "infer after the drain", rec.Code, rec.Body.Bytes(), 503, "shutting down")
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	if !strings.Contains(logBuf.String(), `"msg":"stopped"`) || !strings.Contains(logBuf.String(), `"images":4`) {
		t.Errorf("log:\n%s", logBuf.String())
	}
	http.DefaultClient.CloseIdleConnections()
	checkGoroutines(t)
}
