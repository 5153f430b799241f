package serve

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// routes is the REST API (paths as the protocol specifies them; the
// /versions/V segment is optional), the page and /metrics.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	get := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				methodNotAllowed(w, "GET, HEAD")
				return
			}
			h(w, r)
		})
	}
	get("/{$}", s.page)
	get("/metrics", s.metrics)
	get("/v2", s.serverMetadata)
	get("/v2/health/live", s.live)
	get("/v2/health/ready", s.readyHandler)
	for _, v := range []string{"", "/versions/{version}"} {
		get("/v2/models/{name}"+v, s.modelMetadata)
		get("/v2/models/{name}"+v+"/ready", s.modelReady)
		mux.HandleFunc("/v2/models/{name}"+v+"/infer", s.inferHandler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.accessLog(mux)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method not allowed; allowed: "+allow)
}

// writeJSON writes v with a status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// writeError writes the protocol's error object, {"error": msg}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

// model checks the model name and version of a request's path.
func (s *Server) checkModel(name, version string) error {
	if name != s.model.Name {
		return &notFound{fmt.Sprintf("unknown model %q: this server serves %q", name, s.model.Name)}
	}
	if version != "" && version != modelVersion {
		return &notFound{fmt.Sprintf("unknown version %q of model %q: its only version is %q", version, name, modelVersion)}
	}
	return nil
}

// modelVersion is the model's only version.
const modelVersion = "1"

// extensions are the protocol extensions the server supports.
var extensions = []string{"binary_tensor_data", "classification"}

func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"name": "incc", "version": s.version, "extensions": extensions})
}

func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"live": true})
}

func (s *Server) readyHandler(w http.ResponseWriter, r *http.Request) {
	code := http.StatusOK
	if !s.ready() {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]bool{"ready": s.ready()})
}

func (s *Server) modelReady(w http.ResponseWriter, r *http.Request) {
	if err := s.checkModel(r.PathValue("name"), r.PathValue("version")); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	code := http.StatusOK
	if !s.ready() {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"name": s.model.Name, "ready": s.ready()})
}

// tensorMeta is a tensor of the model metadata.
type tensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type modelMeta struct {
	Name     string       `json:"name"`
	Versions []string     `json:"versions"`
	Platform string       `json:"platform"`
	Inputs   []tensorMeta `json:"inputs"`
	Outputs  []tensorMeta `json:"outputs"`
}

// metadata is the model metadata of both protocols: the FP32 input
// [-1, C, H, W], the BYTES input of encoded images [-1], and the outputs
// [-1, K].
func (s *Server) metadata() modelMeta {
	in := s.model.Input
	m := modelMeta{
		Name: s.model.Name, Versions: []string{modelVersion}, Platform: "incc",
		Inputs: []tensorMeta{
			{inputName, typeFP32, []int64{-1, int64(in[0]), int64(in[1]), int64(in[2])}},
			{imageName, typeBytes, []int64{-1}},
		},
	}
	for _, o := range s.outs {
		m.Outputs = append(m.Outputs, tensorMeta{o.name, typeFP32, []int64{-1, int64(o.len)}})
	}
	return m
}

func (s *Server) modelMetadata(w http.ResponseWriter, r *http.Request) {
	if err := s.checkModel(r.PathValue("name"), r.PathValue("version")); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.metadata())
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	s.met.write(&b, s.model.Name)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(b.Bytes())
}

// statusOf maps an inference error to its HTTP status.
func statusOf(err error) int {
	var br *badRequest
	var nf *notFound
	switch {
	case errors.As(err, &br):
		return http.StatusBadRequest
	case errors.As(err, &nf):
		return http.StatusNotFound
	case errors.Is(err, errFull), errors.Is(err, errClosed), errors.Is(err, errTimeout):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads this
	}
	return http.StatusInternalServerError
}

func (s *Server) inferHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	start := time.Now()
	defer func() { s.met.infer("http", time.Since(start)) }()
	fail := func(err error) {
		code := statusOf(err)
		if errors.Is(err, errFull) {
			s.met.rejected.Add(1)
			w.Header().Set("Retry-After", "1")
		}
		if code == http.StatusInternalServerError {
			s.opts.Log.Error("inference failed", "error", err.Error())
		}
		writeError(w, code, err.Error())
	}
	if err := s.checkModel(r.PathValue("name"), r.PathValue("version")); err != nil {
		fail(err)
		return
	}
	// Refuse what is too large before reading it.
	if r.ContentLength > s.opts.MaxBody {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body has %d bytes, more than the limit of %d", r.ContentLength, s.opts.MaxBody))
		return
	}
	headerLen := int64(-1)
	if h := r.Header.Get("Inference-Header-Content-Length"); h != "" {
		v, err := strconv.ParseInt(h, 10, 64)
		if err != nil || v < 0 {
			fail(badf("Inference-Header-Content-Length is %q, want a byte count", h))
			return
		}
		headerLen = v
	}
	if err := s.admit(); err != nil {
		fail(err)
		return
	}
	defer s.batch.release()
	body, err := readBody(w, r, s.opts.MaxBody)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the limit of %d bytes", s.opts.MaxBody))
			return
		}
		// The client hung up or was too slow: nobody will read an answer.
		writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	req, err := s.decodeREST(body, headerLen)
	body = nil
	if err != nil {
		fail(err)
		return
	}
	outs, err := s.infer(r.Context(), req)
	if err != nil {
		fail(err)
		return
	}
	s.writeInferResponse(w, req, outs)
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, limit)
	if r.ContentLength >= 0 {
		b := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(rd)
}

// The REST response, as the protocol specifies it.
type jsonResponse struct {
	ModelName    string       `json:"model_name"`
	ModelVersion string       `json:"model_version"`
	ID           string       `json:"id,omitempty"`
	Outputs      []jsonTensor `json:"outputs"`
}

type jsonTensor struct {
	Name       string         `json:"name"`
	Datatype   string         `json:"datatype"`
	Shape      []int64        `json:"shape"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Data       any            `json:"data,omitempty"`
}

// fp32JSON writes float32 values as a JSON array, each in the shortest
// form that reads back as the same float32.
type fp32JSON []float32

func (v fp32JSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 12*len(v)+2)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("non-finite value %v", x)
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return append(b, ']'), nil
}

// writeInferResponse writes the outputs as JSON, with the binary ones
// after it (the binary tensor extension).
func (s *Server) writeInferResponse(w http.ResponseWriter, req *inferRequest, outs []tensorOut) {
	resp := jsonResponse{ModelName: s.model.Name, ModelVersion: modelVersion, ID: req.id}
	var bin []byte
	for _, t := range outs {
		jt := jsonTensor{Name: t.name, Datatype: t.datatype(), Shape: t.shape}
		if t.binary {
			n := len(bin)
			bin = appendRaw(bin, &t)
			jt.Parameters = map[string]any{"binary_data_size": len(bin) - n}
		} else if t.strs != nil {
			strs := make([]string, len(t.strs))
			for i, b := range t.strs {
				strs[i] = string(b)
			}
			jt.Data = strs
		} else {
			jt.Data = fp32JSON(t.fp32)
		}
		resp.Outputs = append(resp.Outputs, jt)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the response: "+err.Error())
		return
	}
	h := w.Header()
	if bin != nil {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Inference-Header-Content-Length", strconv.Itoa(len(b)))
		h.Set("Content-Length", strconv.Itoa(len(b)+len(bin)))
		w.WriteHeader(http.StatusOK)
		w.Write(b)
		w.Write(bin)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// appendRaw appends a tensor's raw form: little-endian float32 values, or
// BYTES elements as a 4-byte little-endian length and the bytes.
func appendRaw(b []byte, t *tensorOut) []byte {
	if t.strs != nil {
		for _, s := range t.strs {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
			b = append(b, s...)
		}
		return b
	}
	for _, x := range t.fp32 {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// statusWriter records what a handler wrote, for the access log.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog counts every request in the metrics and, if enabled, logs it.
func (s *Server) accessLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		if r.Context().Err() != nil && strings.HasSuffix(r.URL.Path, "/infer") && code != http.StatusOK {
			code = 499
		}
		s.met.request("http", strconv.Itoa(code))
		if s.opts.AccessLog {
			s.opts.Log.Info("request", "protocol", "http", "method", r.Method, "path", r.URL.Path,
				"status", code, "bytes", sw.bytes, "seconds", time.Since(start).Seconds(), "remote", r.RemoteAddr)
		}
	})
}
