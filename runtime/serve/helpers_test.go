package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func slogJSON(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

type netAddr = net.Addr

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, strings.NewReader(string(oneImage())))
}

// flattenJSON reads a nested JSON array of numbers with encoding/json.
func flattenJSON(data []byte) ([]float64, bool) {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil, false
	}
	var out []float64
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case float64:
			out = append(out, x)
			return true
		case []any:
			for _, e := range x {
				if !walk(e) {
					return false
				}
			}
			return true
		}
		return false
	}
	if _, isArr := v.([]any); !isArr || !walk(v) {
		return nil, false
	}
	return out, true
}
