package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/inccdev/incc/runtime/preproc"
	"github.com/inccdev/incc/runtime/serve/inference"
)

// fakeNet computes, for each image, output k = (k+1)·sum(input) and the
// head "aux" = −output. It records the batch sizes it ran, and when gate
// is set it waits for a value on it before each batch.
type fakeNet struct {
	inLen   int
	mu      sync.Mutex
	batches []int
	gate    chan struct{}
	closed  bool
}

func (f *fakeNet) run(dst, src []float32, n int, heads [][]float32) error {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.batches = append(f.batches, n)
	f.mu.Unlock()
	if len(src) != n*f.inLen {
		return fmt.Errorf("src holds %d values for %d images", len(src), n)
	}
	k := len(dst) / n
	for b := range n {
		sum := float32(0)
		for _, x := range src[b*f.inLen : (b+1)*f.inLen] {
			sum += x
		}
		for j := range k {
			dst[b*k+j] = float32(j+1) * sum
			if len(heads) > 0 {
				heads[0][b*k+j] = -float32(j+1) * sum
			}
		}
	}
	return nil
}

func (f *fakeNet) Infer(dst, src []float32, n int) error { return f.run(dst, src, n, nil) }
func (f *fakeNet) InferHeads(dst, src []float32, n int, heads [][]float32) error {
	return f.run(dst, src, n, heads)
}
func (f *fakeNet) Close() { f.closed = true }

func (f *fakeNet) sizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

// want computes fakeNet's output for one image.
func want(src []float32, k int, sign float32) []float32 {
	sum := float32(0)
	for _, x := range src {
		sum += x
	}
	out := make([]float32, k)
	for j := range out {
		out[j] = sign * float32(j+1) * sum
	}
	return out
}

var testConfig = preproc.Config{Channels: 1, Height: 4, Width: 4, Mean: []float64{0.5}, Std: []float64{0.25}}

func testModel(heads bool) (*Model, *fakeNet) {
	net := &fakeNet{inLen: 16}
	m := &Model{Name: "fake", Input: [3]int{1, 4, 4}, Output: [3]int{3, 1, 1}, Preprocess: testConfig,
		Labels: []string{"zero", "one", "two"}, Net: net}
	if heads {
		m.Heads = []Head{{Name: "aux", Shape: [3]int{3, 1, 1}}}
	}
	return m, net
}

// testServer serves m on loopback listeners (REST and gRPC) until the test
// ends, then closes it and checks that no goroutine of the server is left.
type testServer struct {
	*Server
	url  string
	grpc *grpc.ClientConn
	log  *syncBuffer
}

func newTestServer(t *testing.T, m *Model, opts Options) *testServer {
	t.Helper()
	var logBuf syncBuffer
	opts.Log = slogJSON(&logBuf)
	opts.AccessLog = true
	s, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.GRPC().Serve(gl)
	cc, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		hs.Close()
		s.GRPC().Stop()
		s.Close()
		http.DefaultClient.CloseIdleConnections()
		checkGoroutines(t)
	})
	return &testServer{Server: s, url: hs.URL, grpc: cc, log: &logBuf}
}

// checkGoroutines fails if goroutines of this package or gRPC's are still
// running shortly after a server closed.
func checkGoroutines(t *testing.T) {
	t.Helper()
	var left string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "runtime/serve.") && !strings.Contains(g, "checkGoroutines") && !strings.Contains(g, "testing.tRunner") ||
				strings.Contains(g, "google.golang.org/grpc") {
				left += g + "\n\n"
			}
		}
		if left == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("goroutines left after the server closed:\n%s", left)
}

func post(t *testing.T, url string, body []byte, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// inputs returns n images of seeded values and their JSON data array.
func inputs(n int) ([]float32, string) {
	v := make([]float32, n*16)
	var s []string
	for i := range v {
		v[i] = float32((i*7)%13)/4 - 1.25
		s = append(s, fmt.Sprint(v[i]))
	}
	return v, "[" + strings.Join(s, ",") + "]"
}

type response struct {
	ModelName    string `json:"model_name"`
	ModelVersion string `json:"model_version"`
	ID           string `json:"id"`
	Outputs      []struct {
		Name       string
		Datatype   string
		Shape      []int64
		Parameters map[string]any
		Data       json.RawMessage
	}
}

func decodeResponse(t *testing.T, b []byte) response {
	t.Helper()
	var r response
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("response %s: %v", b, err)
	}
	return r
}

func floats(t *testing.T, raw json.RawMessage) []float32 {
	t.Helper()
	var v []float32
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	return v
}

func TestMetadataREST(t *testing.T) {
	m, _ := testModel(true)
	s := newTestServer(t, m, Options{})
	for _, c := range []struct{ path, want string }{
		{"/v2", `{"extensions":["binary_tensor_data","classification"],"name":"incc","version":"devel"}`},
		{"/v2/health/live", `{"live":true}`},
		{"/v2/health/ready", `{"ready":true}`},
		{"/v2/models/fake/ready", `{"name":"fake","ready":true}`},
		{"/v2/models/fake/versions/1/ready", `{"name":"fake","ready":true}`},
		{"/v2/models/fake", `{"name":"fake","versions":["1"],"platform":"incc","inputs":[{"name":"input","datatype":"FP32","shape":[-1,1,4,4]},` +
			`{"name":"image","datatype":"BYTES","shape":[-1]}],"outputs":[{"name":"output","datatype":"FP32","shape":[-1,3]},{"name":"aux","datatype":"FP32","shape":[-1,3]}]}`},
	} {
		code, body := get(t, s.url+c.path)
		if code != 200 || strings.TrimSpace(body) != c.want {
			t.Errorf("GET %s: %d %s, want 200 %s", c.path, code, body, c.want)
		}
	}
	for _, c := range []struct {
		method, path string
		code         int
		err          string
	}{
		{"GET", "/v2/models/other", 404, `unknown model "other": this server serves "fake"`},
		{"GET", "/v2/models/other/ready", 404, `unknown model "other"`},
		{"GET", "/v2/models/fake/versions/2", 404, `unknown version "2" of model "fake": its only version is "1"`},
		{"POST", "/v2/models/other/infer", 404, `unknown model "other"`},
		{"GET", "/v2/models/fake/infer", 405, "method not allowed; allowed: POST"},
		{"POST", "/v2/health/live", 405, "method not allowed; allowed: GET, HEAD"},
		{"GET", "/v3", 404, "no such endpoint: GET /v3"},
	} {
		req, _ := http.NewRequest(c.method, s.url+c.path, strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		checkError(t, c.method+" "+c.path, res.StatusCode, body, c.code, c.err)
	}
}

// checkError checks the protocol's error shape: exactly {"error": msg}.
func checkError(t *testing.T, what string, code int, body []byte, wantCode int, wantMsg string) {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil || len(e) != 1 {
		t.Errorf("%s: body %s is not {\"error\": ...}", what, body)
		return
	}
	msg, ok := e["error"].(string)
	if code != wantCode || !ok || !strings.Contains(msg, wantMsg) {
		t.Errorf("%s: %d %s, want %d and an error containing %q", what, code, body, wantCode, wantMsg)
	}
}

func TestInferREST(t *testing.T) {
	m, _ := testModel(true)
	s := newTestServer(t, m, Options{})
	url := s.url + "/v2/models/fake/infer"
	v, data := inputs(2)

	// Flat data, all outputs.
	code, _, body := post(t, url, []byte(`{"id":"x1","inputs":[{"name":"input","datatype":"FP32","shape":[2,1,4,4],"data":`+data+`}]}`), nil)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	r := decodeResponse(t, body)
	if r.ModelName != "fake" || r.ModelVersion != "1" || r.ID != "x1" || len(r.Outputs) != 2 {
		t.Fatalf("response %s", body)
	}
	for i, o := range r.Outputs {
		sign := float32(1 - 2*i)
		got := floats(t, o.Data)
		exp := append(want(v[:16], 3, sign), want(v[16:], 3, sign)...)
		if o.Datatype != "FP32" || !slices.Equal(o.Shape, []int64{2, 3}) || !slices.Equal(got, exp) {
			t.Errorf("output %s: %s %v %v, want FP32 [2 3] %v", o.Name, o.Datatype, o.Shape, got, exp)
		}
	}

	// Nested data; one output, classification.
	var nested []string
	for b := range 2 {
		var rows []string
		for y := range 4 {
			rows = append(rows, fmt.Sprintf("[%v,%v,%v,%v]", v[b*16+y*4], v[b*16+y*4+1], v[b*16+y*4+2], v[b*16+y*4+3]))
		}
		nested = append(nested, "[["+strings.Join(rows, ",")+"]]")
	}
	req := `{"inputs":[{"name":"input","datatype":"FP32","shape":[2,1,4,4],"data":[` + strings.Join(nested, ",") +
		`]}],"outputs":[{"name":"output","parameters":{"classification":2}}]}`
	code, _, body = post(t, url, []byte(req), nil)
	r = decodeResponse(t, body)
	if code != 200 || len(r.Outputs) != 1 || r.Outputs[0].Datatype != "BYTES" || !slices.Equal(r.Outputs[0].Shape, []int64{2, 2}) {
		t.Fatalf("classification: %d %s", code, body)
	}
	var strs []string
	json.Unmarshal(r.Outputs[0].Data, &strs)
	w0, w1 := want(v[:16], 3, 1), want(v[16:], 3, 1)
	exp := []string{cls(w0, 2, "two"), cls(w0, 1, "one"), cls(w1, 2, "two"), cls(w1, 1, "one")}
	if w0[0] < 0 { // a negative sum reverses the order
		exp[0], exp[1] = cls(w0, 0, "zero"), cls(w0, 1, "one")
	}
	if w1[0] < 0 {
		exp[2], exp[3] = cls(w1, 0, "zero"), cls(w1, 1, "one")
	}
	if !slices.Equal(strs, exp) {
		t.Errorf("classification %v, want %v", strs, exp)
	}
}

func cls(out []float32, i int, label string) string {
	return fmt.Sprintf("%v:%d:%s", out[i], i, label)
}

// binaryBody builds a request of the binary tensor extension.
func binaryBody(header string, bin []byte) ([]byte, map[string]string) {
	return append([]byte(header), bin...), map[string]string{"Inference-Header-Content-Length": fmt.Sprint(len(header))}
}

func TestBinaryREST(t *testing.T) {
	m, _ := testModel(false)
	s := newTestServer(t, m, Options{})
	url := s.url + "/v2/models/fake/infer"
	v, _ := inputs(3)
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	body, h := binaryBody(fmt.Sprintf(`{"inputs":[{"name":"input","datatype":"FP32","shape":[3,1,4,4],"parameters":{"binary_data_size":%d}}],`+
		`"outputs":[{"name":"output","parameters":{"binary_data":true}}]}`, len(raw)), raw)
	code, hdr, res := post(t, url, body, h)
	if code != 200 {
		t.Fatalf("%d %s", code, res)
	}
	var jl int
	fmt.Sscan(hdr.Get("Inference-Header-Content-Length"), &jl)
	if jl <= 0 || jl > len(res) || hdr.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("headers %v", hdr)
	}
	r := decodeResponse(t, res[:jl])
	bin := res[jl:]
	if len(r.Outputs) != 1 || r.Outputs[0].Parameters["binary_data_size"] != float64(36) || len(bin) != 36 || r.Outputs[0].Data != nil {
		t.Fatalf("response %s + %d bytes", res[:jl], len(bin))
	}
	for b := range 3 {
		w := want(v[b*16:(b+1)*16], 3, 1)
		for k := range 3 {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(bin[4*(b*3+k):])); got != w[k] {
				t.Errorf("image %d output %d: %v, want %v", b, k, got, w[k])
			}
		}
	}

	// Images as BYTES: binary (length-prefixed) and JSON (base64); the
	// tensor is what preproc makes of them, as classify does.
	imgs := [][]byte{grayPNG(t, 3, 40), grayPNG(t, 8, 90)}
	var elems []byte
	for _, p := range imgs {
		elems = binary.LittleEndian.AppendUint32(elems, uint32(len(p)))
		elems = append(elems, p...)
	}
	body, h = binaryBody(fmt.Sprintf(`{"inputs":[{"name":"image","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":%d}}]}`, len(elems)), elems)
	code, _, res = post(t, url, body, h)
	b64 := fmt.Sprintf(`{"inputs":[{"name":"image","datatype":"BYTES","shape":[2,1],"data":[[%q],[%q]]}]}`,
		base64.StdEncoding.EncodeToString(imgs[0]), base64.StdEncoding.EncodeToString(imgs[1]))
	code2, _, res2 := post(t, url, []byte(b64), nil)
	if code != 200 || code2 != 200 {
		t.Fatalf("images: %d %s; %d %s", code, res, code2, res2)
	}
	got, got2 := floats(t, decodeResponse(t, res).Outputs[0].Data), floats(t, decodeResponse(t, res2).Outputs[0].Data)
	var exp []float32
	for _, p := range imgs {
		img, err := testConfig.Decode(bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 16)
		if err := testConfig.Tensor(x, img); err != nil {
			t.Fatal(err)
		}
		exp = append(exp, want(x, 3, 1)...)
	}
	if !slices.Equal(got, exp) || !slices.Equal(got2, exp) {
		t.Errorf("images: %v and %v, want %v", got, got2, exp)
	}
}

// grayPNG encodes a size×size PNG with a gradient from base.
func grayPNG(t *testing.T, base, size int) []byte {
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = uint8(base*20 + i%7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestErrorsREST(t *testing.T) {
	m, _ := testModel(false)
	s := newTestServer(t, m, Options{MaxBatch: 4})
	url := s.url + "/v2/models/fake/infer"
	_, data := inputs(1)
	in := func(extra string) string {
		return `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":` + data + `}]` + extra + `}`
	}
	for _, c := range []struct {
		body, header, err string
	}{
		{`{"inputs":`, "", "malformed inference request: unexpected EOF"},
		{`{"inputs":[]} x`, "", "more after the JSON object"},
		{`[1]`, "", "malformed inference request: JSON array where serve.jsonRequest is expected"},
		{`{"input":[]}`, "", `unknown field "input"`},
		{`{"inputs":[]}`, "", "the request has 0 inputs, want 1"},
		{`{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}`, "", `unknown input "x"`},
		{`{"inputs":[{"name":"input","datatype":"INT8","shape":[1,1,4,4],"data":[1]}]}`, "", `datatype INT8, want FP32`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,5],"data":[1]}]}`, "", `shape [1 1 4 5], want [N 1 4 4]`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[5,1,4,4],"data":[1]}]}`, "", `batch of 5, more than the server's maximum batch size 4`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":[1,2]}]}`, "", `data holds 2 elements, the shape 16`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":["a"]}]}`, "", `data element 0 is "a", want a number`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":[1e99]}]}`, "", `does not fit FP32`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4]}]}`, "", `has no data`},
		{`{"inputs":[{"name":"image","datatype":"FP32","shape":[1],"data":[1]}]}`, "", `datatype FP32, want BYTES`},
		{`{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["!!"]}]}`, "", `not base64`},
		{`{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["aGVsbG8="]}]}`, "", `image: unsupported image format`},
		{in(`,"outputs":[{"name":"nope"}]`), "", `unknown output "nope": the model's outputs are "output"`},
		{in(`,"outputs":[{"name":"output","parameters":{"classification":0}}]`), "", `classification 0, want at least 1`},
		{in(`,"outputs":[{"name":"output","parameters":{"classification":"x"}}]`), "", `parameter classification is "x", want an integer`},
		{in(`,"outputs":[{"name":"output"},{"name":"output"}]`), "", `output "output" requested twice`},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"parameters":{"binary_data_size":64}}]}`, "", "no Inference-Header-Content-Length"},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"parameters":{"binary_data_size":64}}]}`, "9999", "Inference-Header-Content-Length is 9999, but the body has only"},
		{`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"parameters":{"binary_data_size":64}}]}`, "x", `Inference-Header-Content-Length is "x"`},
	} {
		var h map[string]string
		if c.header != "" {
			h = map[string]string{"Inference-Header-Content-Length": c.header}
		}
		code, _, body := post(t, url, []byte(c.body), h)
		checkError(t, c.body, code, body, 400, c.err)
	}
}

// TestOversized: a body over the limit is refused with 413 from its
// Content-Length, before anything of it is read, and a chunked one as soon
// as it passes the limit.
func TestOversized(t *testing.T) {
	m, _ := testModel(false)
	s := newTestServer(t, m, Options{MaxBody: 1000})
	addr := strings.TrimPrefix(s.url, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers only: the server must answer without waiting for the body.
	fmt.Fprintf(conn, "POST /v2/models/fake/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	checkError(t, "Content-Length 1 GiB", res.StatusCode, body, 413, "the request body has 1073741824 bytes, more than the limit of 1000")

	// Chunked: no length known in advance.
	pr, pw := io.Pipe()
	go func() {
		pw.Write(bytes.Repeat([]byte(" "), 5000))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", s.url+"/v2/models/fake/infer", pr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	checkError(t, "chunked 5000 bytes", resp.StatusCode, body, 413, "larger than the limit of 1000 bytes")
}

func TestGRPC(t *testing.T) {
	m, _ := testModel(true)
	s := newTestServer(t, m, Options{MaxBatch: 4})
	c := inference.NewGRPCInferenceServiceClient(s.grpc)
	ctx := context.Background()
	if r, err := c.ServerLive(ctx, &inference.ServerLiveRequest{}); err != nil || !r.Live {
		t.Errorf("ServerLive: %v %v", r, err)
	}
	if r, err := c.ServerReady(ctx, &inference.ServerReadyRequest{}); err != nil || !r.Ready {
		t.Errorf("ServerReady: %v %v", r, err)
	}
	if r, err := c.ModelReady(ctx, &inference.ModelReadyRequest{Name: "fake"}); err != nil || !r.Ready {
		t.Errorf("ModelReady: %v %v", r, err)
	}
	if _, err := c.ModelReady(ctx, &inference.ModelReadyRequest{Name: "nope"}); status.Code(err) != codes.NotFound {
		t.Errorf("ModelReady of an unknown model: %v", err)
	}
	if r, err := c.ServerMetadata(ctx, &inference.ServerMetadataRequest{}); err != nil || r.Name != "incc" || !slices.Equal(r.Extensions, extensions) {
		t.Errorf("ServerMetadata: %v %v", r, err)
	}
	md, err := c.ModelMetadata(ctx, &inference.ModelMetadataRequest{Name: "fake"})
	if err != nil || len(md.Inputs) != 2 || !slices.Equal(md.Inputs[0].Shape, []int64{-1, 1, 4, 4}) || md.Outputs[1].Name != "aux" {
		t.Errorf("ModelMetadata: %v %v", md, err)
	}
	hc := healthpb.NewHealthClient(s.grpc)
	for _, svc := range []string{"", "inference.GRPCInferenceService"} {
		if r, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: svc}); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health %q: %v %v", svc, r, err)
		}
	}

	v, _ := inputs(2)
	// Typed contents.
	r, err := c.ModelInfer(ctx, &inference.ModelInferRequest{ModelName: "fake", Id: "g1",
		Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP32", Shape: []int64{2, 1, 4, 4},
			Contents: &inference.InferTensorContents{Fp32Contents: v}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Id != "g1" || len(r.Outputs) != 2 || len(r.RawOutputContents) != 0 {
		t.Fatalf("ModelInfer: %v", r)
	}
	exp := append(want(v[:16], 3, 1), want(v[16:], 3, 1)...)
	if got := r.Outputs[0].Contents.GetFp32Contents(); !slices.Equal(got, exp) || !slices.Equal(r.Outputs[0].Shape, []int64{2, 3}) {
		t.Errorf("typed: %v, want %v", got, exp)
	}
	// Raw contents, classification.
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	cl := map[string]*inference.InferParameter{"classification": {ParameterChoice: &inference.InferParameter_Int64Param{Int64Param: 1}}}
	r, err = c.ModelInfer(ctx, &inference.ModelInferRequest{ModelName: "fake",
		Inputs:           []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP32", Shape: []int64{2, 1, 4, 4}}},
		Outputs:          []*inference.ModelInferRequest_InferRequestedOutputTensor{{Name: "output"}, {Name: "aux", Parameters: cl}},
		RawInputContents: [][]byte{raw}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.RawOutputContents) != 2 || len(r.RawOutputContents[0]) != 24 || r.Outputs[1].Datatype != "BYTES" {
		t.Fatalf("raw: %v", r)
	}
	for i, x := range exp {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(r.RawOutputContents[0][4*i:])); got != x {
			t.Errorf("raw output %d: %v, want %v", i, got, x)
		}
	}
	elems, err := rawBytes(r.RawOutputContents[1], 2)
	if err != nil {
		t.Fatal(err)
	}
	// aux = −output: the top class is 0 when the sum is positive.
	for b, e := range elems {
		w := want(v[b*16:(b+1)*16], 3, -1)
		top := 0
		if w[2] > w[0] {
			top = 2
		}
		if exp := fmt.Sprintf("%v:%d:%s", w[top], top, m.Labels[top]); string(e) != exp {
			t.Errorf("aux classification of image %d: %q, want %q", b, e, exp)
		}
	}

	for _, c2 := range []struct {
		req  *inference.ModelInferRequest
		code codes.Code
		msg  string
	}{
		{&inference.ModelInferRequest{ModelName: "nope"}, codes.NotFound, `unknown model "nope"`},
		{&inference.ModelInferRequest{ModelName: "fake"}, codes.InvalidArgument, "the request has 0 inputs"},
		{&inference.ModelInferRequest{ModelName: "fake", Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP32", Shape: []int64{1, 1, 4, 4},
			Contents: &inference.InferTensorContents{Fp32Contents: v[:3]}}}}, codes.InvalidArgument, "fp32_contents holds 3 values, the shape 16"},
		{&inference.ModelInferRequest{ModelName: "fake", Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP32", Shape: []int64{1, 1, 4, 4}}},
			RawInputContents: [][]byte{raw[:8]}}, codes.InvalidArgument, "8 bytes of binary data, want 64"},
		{&inference.ModelInferRequest{ModelName: "fake", Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "image", Datatype: "BYTES", Shape: []int64{1},
			Contents: &inference.InferTensorContents{BytesContents: [][]byte{[]byte("GIF89a")}}}}}, codes.InvalidArgument, "image: "},
		{&inference.ModelInferRequest{ModelName: "fake", Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "input", Datatype: "FP64", Shape: []int64{1, 1, 4, 4}}}},
			codes.InvalidArgument, "datatype FP64, want FP32"},
	} {
		_, err := c.ModelInfer(ctx, c2.req)
		if st := status.Convert(err); st.Code() != c2.code || !strings.Contains(st.Message(), c2.msg) {
			t.Errorf("ModelInfer %v: %v, want %v %q", c2.req, err, c2.code, c2.msg)
		}
	}
}
