package serve

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// fuzzServer is a server for the decoders; it is never started.
func fuzzServer(f *testing.F) *Server {
	m, _ := testModel(true)
	s, err := New(m, Options{MaxBatch: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	return s
}

// FuzzDecodeREST feeds arbitrary bodies, with and without the binary
// tensor extension's header length, to the REST request decoder: it must
// return a request that fits the model or a 400 error, never panic.
func FuzzDecodeREST(f *testing.F) {
	s := fuzzServer(f)
	_, data := inputs(1)
	f.Add([]byte(`{"id":"a","inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":`+data+`}],"outputs":[{"name":"output","parameters":{"classification":2}}]}`), int64(-1))
	f.Add([]byte(`{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["aGVsbG8="]}]}`), int64(-1))
	f.Add([]byte(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":[[[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]]}]}`), int64(-1))
	hdr := `{"inputs":[{"name":"image","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":14}}],"parameters":{"binary_data_output":true}}`
	bin := binary.LittleEndian.AppendUint32(nil, 2)
	bin = append(bin, "ab"...)
	bin = binary.LittleEndian.AppendUint32(bin, 4)
	bin = append(bin, "cdef"...)
	f.Add(append([]byte(hdr), bin...), int64(len(hdr)))
	hdr = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"parameters":{"binary_data_size":64}}]}`
	f.Add(append([]byte(hdr), make([]byte, 64)...), int64(len(hdr)))
	f.Fuzz(func(t *testing.T, body []byte, headerLen int64) {
		req, err := s.decodeREST(body, headerLen)
		if err != nil {
			var br *badRequest
			if !errors.As(err, &br) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		checkDecoded(t, s, req)
	})
}

// checkDecoded checks that a decoded request fits the model.
func checkDecoded(t *testing.T, s *Server, req *inferRequest) {
	if req.n < 1 || req.n > s.opts.MaxBatch {
		t.Fatalf("batch %d", req.n)
	}
	if (req.input == nil) == (req.images == nil) {
		t.Fatalf("input %v, images %v", req.input != nil, req.images != nil)
	}
	if req.input != nil {
		if len(req.input) != req.n*s.model.inLen() {
			t.Fatalf("%d input values for %d images", len(req.input), req.n)
		}
		for _, v := range req.input {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite input %v", v)
			}
		}
	}
	if req.images != nil && len(req.images) != req.n {
		t.Fatalf("%d images for a batch of %d", len(req.images), req.n)
	}
	for _, o := range req.outputs {
		if !s.hasOutput(o.name) || o.classes < 0 {
			t.Fatalf("output %+v", o)
		}
	}
}

// FuzzRawBytes: the BYTES framing (a 4-byte length, then the bytes)
// either splits the data into exactly n elements that cover it, or fails.
func FuzzRawBytes(f *testing.F) {
	f.Add([]byte("\x02\x00\x00\x00ab\x00\x00\x00\x00"), 2)
	f.Add([]byte("\xff\xff\xff\xffab"), 1)
	f.Add([]byte("\x01\x00\x00"), 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		elems, err := rawBytes(b, n)
		if err != nil {
			return
		}
		total := 0
		for _, e := range elems {
			total += 4 + len(e)
		}
		if len(elems) != n || total != len(b) {
			t.Fatalf("%d elements covering %d of %d bytes, want %d", len(elems), total, len(b), n)
		}
	})
}

// FuzzJSONData: the data array reader agrees with encoding/json on what
// is an array of numbers, flat or nested, and on their values.
func FuzzJSONData(f *testing.F) {
	f.Add([]byte(`[1, 2.5, -3e2, [4]]`), 4)
	f.Add([]byte(`[[1,2],[3,4]]`), 4)
	f.Add([]byte(`[1,,2]`), 2)
	f.Add([]byte(`[01]`), 1)
	f.Add([]byte(`["a"]`), 1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 || n > 1<<12 {
			return
		}
		got, err := jsonFP32(data, n)
		if err != nil {
			return
		}
		want, ok := flattenJSON(data)
		if !ok || len(want) != len(got) {
			t.Fatalf("%s read as %v; encoding/json: %v (ok %v)", data, got, want, ok)
		}
		for i := range got {
			if float32(want[i]) != got[i] {
				t.Fatalf("%s: element %d %v, encoding/json %v", data, i, got[i], want[i])
			}
		}
	})
}
