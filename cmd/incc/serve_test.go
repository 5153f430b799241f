package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/inccdev/incc/internal/testspec"
	"github.com/inccdev/incc/runtime/preproc"
)

// mnistConfig is the digits spec's preprocessing.
var mnistConfig = preproc.Config{Channels: 1, Height: 28, Width: 28, Mean: []float64{0.1307}, Std: []float64{0.3081}}

// server is a model binary's serve command running in the test.
type server struct {
	cmd        *exec.Cmd
	http, grpc string // host:port
	stderr     *lockedBuffer
	exited     chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs bin serve on loopback ports chosen by the system and
// waits for its "serving" log record. The test's cleanup stops it.
func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	s := &server{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.Write([]byte(line + "\n"))
			var rec struct{ Msg, HTTP, GRPC string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
				s.http, s.grpc = rec.HTTP, rec.GRPC
				close(started)
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		s.exited <- err
	}()
	select {
	case <-started:
	case err := <-s.exited:
		t.Fatalf("serve exited: %v\n%s", err, s.stderr)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not start:\n%s", s.stderr)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(40 * time.Second):
			cmd.Process.Kill()
			t.Errorf("serve did not stop on SIGTERM")
		}
	})
	return s
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	return -1
}

// digitsBinary builds the digits model binary (one go build).
func digitsBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mnist")
	var out, errw bytes.Buffer
	spec := testspec.Path("specs/examples/mnist_inception.inc")
	if code := run([]string{"build", spec, "--weights", testspec.Path("specs/examples/mnist_inception.safetensors"), "-o", bin}, &out, &errw); code != 0 {
		t.Fatalf("incc build: exit %d\n%s", code, errw.String())
	}
	return bin
}

// classified is classify --json's answer for one file: the scores of all
// ten classes.
func classifyAll(t *testing.T, bin string, files []string) map[string][]float32 {
	t.Helper()
	stdout, stderr, code := runBin(t, bin, append([]string{"classify", "--json", "--top", "10"}, files...)...)
	if code != 0 {
		t.Fatalf("classify: exit %d\n%s", code, stderr)
	}
	var doc struct {
		Results []struct {
			File string
			Top  []struct {
				Class int
				Score float32
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{}
	for _, r := range doc.Results {
		s := make([]float32, 10)
		for _, c := range r.Top {
			s[c.Class] = c.Score
		}
		want[r.File] = s
	}
	return want
}

// TestServe builds the digits model binary and serves it: REST through
// curl and gRPC through Node's @grpc/grpc-js answer what classify --json
// answers for the same images; malformed, oversized, slow and broken
// requests are refused while the server stays up; SIGTERM under load
// loses nothing accepted; and a loopback load test with dozens of clients
// gets every answer right (its figures are logged with -v).
func TestServe(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	bin := digitsBinary(t)
	dir := t.TempDir()
	var files []string
	for i, size := range []int{28, 28, 40, 17, 100} {
		p := filepath.Join(dir, fmt.Sprintf("img%d.png", i))
		writeNoise(t, p, size, size+i, uint64(10+i))
		files = append(files, p)
	}
	want := classifyAll(t, bin, files)
	s := startServer(t, bin, "--read-header-timeout", "1s")
	url := "http://" + s.http + "/v2/models/mnist_inception/infer"

	t.Run("curl", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("no curl")
		}
		for _, f := range files {
			img := mustRead(t, f)
			// JSON with the image in base64.
			req := fmt.Sprintf(`{"id":%q,"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":[%q]}]}`, f, base64.StdEncoding.EncodeToString(img))
			body := curl(t, url, []byte(req), nil)
			r := decodeInfer(t, body)
			checkScores(t, "curl JSON image "+f, r.Outputs[0].Data, want[f])
			// Binary tensor extension, classification.
			hdr := fmt.Sprintf(`{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":%d}}],"outputs":[{"name":"output","parameters":{"classification":3}}]}`, 4+len(img))
			bin := append(binary.LittleEndian.AppendUint32([]byte(hdr), uint32(len(img))), img...)
			body = curl(t, url, bin, []string{"Inference-Header-Content-Length: " + fmt.Sprint(len(hdr))})
			var cls []string
			json.Unmarshal(decodeInfer(t, body).Outputs[0].Data, &cls)
			if len(cls) != 3 || cls[0] != topString(want[f]) {
				t.Errorf("curl classification of %s: %v, want %s first", f, cls, topString(want[f]))
			}
			// The FP32 input, preprocessed here.
			x := make([]float32, 784)
			if err := mnistConfig.Load(f, x); err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(x)
			body = curl(t, url, []byte(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,28,28],"data":`+string(data)+`}]}`), nil)
			checkScores(t, "curl FP32 "+f, decodeInfer(t, body).Outputs[0].Data, want[f])
		}
		// Errors: the protocol's shape and status.
		out, err := exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "{", url).Output()
		if err != nil || string(out) != "400" {
			t.Errorf("malformed JSON: %s %v", out, err)
		}
	})

	t.Run("node", func(t *testing.T) {
		client := testspec.Path("tools/grpcclient/client.js")
		if _, err := os.Stat(filepath.Join(filepath.Dir(client), "node_modules")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("tools/grpcclient has no node_modules: run npm ci there")
			}
			t.Skip("tools/grpcclient has no node_modules (npm ci)")
		}
		for _, mode := range [][]string{nil, {"--raw"}} {
			args := append(append([]string{client, s.grpc, "mnist_inception"}, mode...), files...)
			out, err := exec.Command("node", args...).Output()
			if err != nil {
				t.Fatalf("node %v: %v", mode, err)
			}
			var doc struct {
				Live, Ready  bool
				UnknownModel string `json:"unknown_model"`
				Server       struct {
					Name       string
					Extensions []string
				}
				Model struct {
					Inputs []struct {
						Name  string
						Shape []int64
					}
				}
				Results []struct {
					File    string
					Shape   []int64
					Scores  []float32
					Classes []string
				}
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("node %v: %v\n%s", mode, err, out)
			}
			if !doc.Live || !doc.Ready || doc.UnknownModel != "NOT_FOUND" || doc.Server.Name != "incc" ||
				!slices.Contains(doc.Server.Extensions, "classification") || !slices.Equal(doc.Model.Inputs[0].Shape, []int64{-1, 1, 28, 28}) ||
				len(doc.Results) != len(files) {
				t.Errorf("node %v: %s", mode, out)
				continue
			}
			for _, r := range doc.Results {
				checkScores(t, fmt.Sprintf("node %v %s", mode, r.File), mustJSON(r.Scores), want[r.File])
				if !slices.Equal(r.Shape, []int64{1, 10}) || len(r.Classes) != 3 || r.Classes[0] != topString(want[r.File]) {
					t.Errorf("node %v %s: shape %v, classes %v, want %s first", mode, r.File, r.Shape, r.Classes, topString(want[r.File]))
				}
			}
		}
	})

	t.Run("faults", func(t *testing.T) {
		addr := s.http
		// A body over the limit, announced by Content-Length: 413 without
		// the server waiting for it.
		c := dial(t, addr)
		fmt.Fprintf(c, "POST /v2/models/mnist_inception/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 413 {
			t.Errorf("10 GB body: %v %v", res, err)
		}
		c.Close()
		// A client that never finishes its headers is dropped after the
		// read-header timeout (1s here).
		c = dial(t, addr)
		fmt.Fprintf(c, "POST /v2/models/mnist_inception/infer HTTP/1.1\r\nHost: x\r\n")
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		io.Copy(io.Discard, c) // returns when the server closes the connection
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("slow headers: connection open for %v", d)
		}
		c.Close()
		// Clients that hang up in the middle of a body.
		for range 5 {
			c = dial(t, addr)
			fmt.Fprintf(c, "POST /v2/models/mnist_inception/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"inputs\":[")
			c.Close()
		}
		// The server is up, and nothing is left in flight.
		img := mustRead(t, files[0])
		req := fmt.Sprintf(`{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":[%q]}]}`, base64.StdEncoding.EncodeToString(img))
		code, body := httpPost(t, http.DefaultClient, url, []byte(req))
		if code != 200 {
			t.Fatalf("after the faults: %d %s", code, body)
		}
		checkScores(t, "after the faults", decodeInfer(t, body).Outputs[0].Data, want[files[0]])
		for i := 0; ; i++ {
			res, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			m, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(m), "\nincc_inflight_requests 0\n") {
				break
			}
			if i == 100 {
				t.Fatalf("requests still in flight:\n%s", m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("load", func(t *testing.T) {
		bodies, wants := loadInputs(t, files, want)
		one := loadTest(t, url, bodies, wants, 1, 300)
		many := loadTest(t, url, bodies, wants, 32, 3000)
		nb := startServer(t, bin, "--max-batch", "1", "--access-log=false")
		nobatch := loadTest(t, "http://"+nb.http+"/v2/models/mnist_inception/infer", bodies, wants, 32, 3000)
		batches := metric(t, s.http, "incc_batches_total")
		images := metric(t, s.http, `incc_inferences_total{model="mnist_inception"}`)
		t.Logf("1 client:                        %s", one)
		t.Logf("32 clients, dynamic batching:    %s", many)
		t.Logf("32 clients, --max-batch 1:       %s", nobatch)
		t.Logf("gain of batching: %.2fx over one client, %.2fx over 32 clients unbatched; %.0f images in %.0f batches (mean %.1f)",
			many.rps/one.rps, many.rps/nobatch.rps, images, batches, images/batches)
	})

	t.Run("sigterm", func(t *testing.T) {
		ts := startServer(t, bin, "--access-log=false")
		turl := "http://" + ts.http + "/v2/models/mnist_inception/infer"
		bodies, wants := loadInputs(t, files, want)
		// One connection a request. A request the server accepted (read)
		// must be answered: the server's count of handled requests must
		// equal the client's count of answers. Connections still in the
		// listen backlog when the listener closes are reset by the kernel
		// before the server reads them, and new ones are refused: the
		// client sees a reset, EOF or refusal without an answer.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 60 * time.Second}
		var ok, refused, lost atomic.Int64
		var wg sync.WaitGroup
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for c := range 16 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil && i < 2000; i++ {
					k := (c + i) % len(bodies)
					req, _ := http.NewRequestWithContext(ctx, "POST", turl, bytes.NewReader(bodies[k]))
					res, err := client.Do(req)
					if err != nil {
						if notAccepted(err) {
							refused.Add(1)
							return
						}
						lost.Add(1)
						t.Errorf("request lost: %v", err)
						return
					}
					b, err := io.ReadAll(res.Body)
					res.Body.Close()
					if err != nil || res.StatusCode != 200 {
						lost.Add(1)
						t.Errorf("accepted request: %d %s %v", res.StatusCode, b, err)
						return
					}
					checkScores(t, "under SIGTERM", decodeInfer(t, b).Outputs[0].Data, wants[k])
					ok.Add(1)
				}
			})
		}
		for ok.Load() < 300 {
			time.Sleep(5 * time.Millisecond)
		}
		code := ts.stop(t)
		wg.Wait()
		var stopped struct {
			Msg              string
			Requests, Images int64
		}
		for _, line := range strings.Split(ts.stderr.String(), "\n") {
			if json.Unmarshal([]byte(line), &stopped) == nil && stopped.Msg == "stopped" {
				break
			}
		}
		t.Logf("SIGTERM under load: %d answered, %d not accepted (refused or reset in the backlog), %d lost; exit %d; the server handled %d requests and ran %d images",
			ok.Load(), refused.Load(), lost.Load(), code, stopped.Requests, stopped.Images)
		if code != 0 || lost.Load() != 0 || stopped.Msg != "stopped" || stopped.Requests != ok.Load() || stopped.Images != ok.Load() {
			t.Errorf("exit %d, %d lost, %d answered but %d requests handled and %d images run\n%s", code, lost.Load(), ok.Load(), stopped.Requests, stopped.Images, ts.stderr)
		}
	})
}

// notAccepted reports a request that got no answer because its connection
// was refused or reset, or closed before any response.
//
// A reset can also surface as the request's write failing with
// net.ErrClosed ("write tcp …: use of closed network connection"): the
// transport's reader saw the reset and closed the connection while its
// writer was still sending the request, which the server so never read.
// (A request the server did read and not answer still shows: its count of
// handled requests would exceed the answers.)
func notAccepted(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		strings.HasSuffix(err.Error(), ": EOF") || errors.Is(err, net.ErrClosed)
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c
}

func curl(t *testing.T, url string, body []byte, headers []string) []byte {
	t.Helper()
	args := []string{"-sS", "--fail-with-body", "-H", "Content-Type: application/json", "--data-binary", "@-"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	cmd := exec.Command("curl", append(args, url)...)
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	return out
}

func httpPost(t *testing.T, c *http.Client, url string, body []byte) (int, []byte) {
	t.Helper()
	res, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

type inferResponse struct {
	ID      string
	Outputs []struct {
		Name     string
		Datatype string
		Shape    []int64
		Data     json.RawMessage
	}
}

func decodeInfer(t *testing.T, b []byte) inferResponse {
	t.Helper()
	var r inferResponse
	if err := json.Unmarshal(b, &r); err != nil || len(r.Outputs) == 0 {
		t.Fatalf("response %s: %v", b, err)
	}
	return r
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// checkScores compares served scores with classify's: the same network on
// the same input; batches of other sizes may round differently, so within
// 1e-5 of the largest score, and the same top class.
func checkScores(t *testing.T, what string, data json.RawMessage, want []float32) {
	t.Helper()
	var got []float32
	if err := json.Unmarshal(data, &got); err != nil || len(got) != len(want) {
		t.Errorf("%s: data %s: %v", what, data, err)
		return
	}
	var maxRef, maxDiff float64
	for i := range want {
		maxRef = math.Max(maxRef, math.Abs(float64(want[i])))
		maxDiff = math.Max(maxDiff, math.Abs(float64(got[i]-want[i])))
	}
	if !(maxDiff <= 1e-5*maxRef) || argmax32(got) != argmax32(want) {
		t.Errorf("%s: max |served - classify| = %.3g (max |score| %.3g)\n got %v\nwant %v", what, maxDiff, maxRef, got, want)
	}
}

func argmax32(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// topString is the classification extension's string of the top class.
func topString(scores []float32) string {
	i := argmax32(scores)
	return fmt.Sprintf("%v:%d:%d", scores[i], i, i)
}

// loadInputs makes a JSON request (the image in base64) for each file.
func loadInputs(t *testing.T, files []string, want map[string][]float32) ([][]byte, [][]float32) {
	var bodies [][]byte
	var wants [][]float32
	for _, f := range files {
		img := mustRead(t, f)
		bodies = append(bodies, fmt.Appendf(nil, `{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":[%q]}]}`, base64.StdEncoding.EncodeToString(img)))
		wants = append(wants, want[f])
	}
	return bodies, wants
}

type loadResult struct {
	n        int
	seconds  float64
	rps      float64
	p50, p99 time.Duration
}

func (r loadResult) String() string {
	return fmt.Sprintf("%5d requests in %5.2f s: %7.1f requests/s, p50 %6.2f ms, p99 %6.2f ms", r.n, r.seconds, r.rps,
		float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000)
}

// loadTest sends n requests from c concurrent clients (keep-alive
// connections) and checks every answer. It is bounded: n requests, each
// with a 60 s timeout.
func loadTest(t *testing.T, url string, bodies [][]byte, wants [][]float32, c, n int) loadResult {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || errs.Load() > 10 {
					return
				}
				k := i % len(bodies)
				t0 := time.Now()
				res, err := client.Post(url, "application/json", bytes.NewReader(bodies[k]))
				if err != nil {
					errs.Add(1)
					t.Errorf("request %d: %v", i, err)
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if err != nil || res.StatusCode != 200 {
					errs.Add(1)
					t.Errorf("request %d: %d %s %v", i, res.StatusCode, b, err)
					continue
				}
				checkScores(t, fmt.Sprintf("load request %d", i), decodeInfer(t, b).Outputs[0].Data, wants[k])
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if errs.Load() > 0 {
		t.Fatalf("%d errors", errs.Load())
	}
	slices.Sort(lat)
	return loadResult{n: n, seconds: d.Seconds(), rps: float64(n) / d.Seconds(), p50: lat[n/2], p99: lat[n*99/100]}
}

// metric reads one value from /metrics.
func metric(t *testing.T, addr, name string) float64 {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
