package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// The REST request body, as the protocol specifies it.
type jsonRequest struct {
	ID         string                     `json:"id"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Inputs     []jsonInput                `json:"inputs"`
	Outputs    []jsonOutput               `json:"outputs"`
}

type jsonInput struct {
	Name       string                     `json:"name"`
	Shape      []int64                    `json:"shape"`
	Datatype   string                     `json:"datatype"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Data       json.RawMessage            `json:"data"`
}

type jsonOutput struct {
	Name       string                     `json:"name"`
	Parameters map[string]json.RawMessage `json:"parameters"`
}

// decodeREST decodes a REST inference request body. headerLen is the
// Inference-Header-Content-Length header (the binary tensor extension):
// the JSON is the body's first headerLen bytes and the binary tensor data
// follows; headerLen < 0 means the whole body is JSON.
func (s *Server) decodeREST(body []byte, headerLen int64) (*inferRequest, error) {
	jsonPart, bin := body, []byte(nil)
	if headerLen >= 0 {
		if headerLen > int64(len(body)) {
			return nil, badf("Inference-Header-Content-Length is %d, but the body has only %d bytes", headerLen, len(body))
		}
		jsonPart, bin = body[:headerLen], body[headerLen:]
	}
	var jr jsonRequest
	dec := json.NewDecoder(bytes.NewReader(jsonPart))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		return nil, badf("malformed inference request: %s", jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badf("malformed inference request: more after the JSON object")
	}
	if len(jr.Inputs) != 1 {
		return nil, badf("the request has %d inputs, want 1: %q (FP32) or %q (BYTES)", len(jr.Inputs), inputName, imageName)
	}
	in := jr.Inputs[0]
	n, err := s.checkInput(in.Name, in.Datatype, in.Shape)
	if err != nil {
		return nil, err
	}
	req := &inferRequest{id: jr.ID, n: n}
	binSize, hasBin, err := intParam(in.Parameters, "binary_data_size")
	if err != nil {
		return nil, badf("input %q: %v", in.Name, err)
	}
	switch {
	case hasBin && headerLen < 0:
		return nil, badf("input %q has binary_data_size but the request has no Inference-Header-Content-Length header", in.Name)
	case hasBin && len(in.Data) > 0:
		return nil, badf("input %q has both data and binary_data_size", in.Name)
	case hasBin && binSize != int64(len(bin)):
		return nil, badf("input %q: binary_data_size is %d, but %d bytes of binary data follow the JSON", in.Name, binSize, len(bin))
	case !hasBin && len(bin) > 0:
		return nil, badf("%d bytes of binary data follow the JSON, but no input has binary_data_size", len(bin))
	case !hasBin && len(in.Data) == 0:
		return nil, badf("input %q has no data", in.Name)
	}
	switch {
	case in.Name == inputName && hasBin:
		req.input, err = rawFP32(bin, n*s.model.inLen())
	case in.Name == inputName:
		req.input, err = jsonFP32(in.Data, n*s.model.inLen())
	case hasBin:
		req.images, err = rawBytes(bin, n)
	default:
		req.images, err = jsonBytes(in.Data, n)
	}
	if err != nil {
		return nil, badf("input %q: %v", in.Name, err)
	}

	binOut, _, err := boolParam(jr.Parameters, "binary_data_output")
	if err != nil {
		return nil, badf("parameters: %v", err)
	}
	for _, o := range jr.Outputs {
		or := outputRequest{name: o.Name, binary: binOut}
		k, has, err := intParam(o.Parameters, "classification")
		if err != nil {
			return nil, badf("output %q: %v", o.Name, err)
		}
		if has {
			if k < 1 || k > math.MaxInt32 {
				return nil, badf("output %q: classification %d, want at least 1", o.Name, k)
			}
			or.classes = int(k)
		}
		if b, has, err := boolParam(o.Parameters, "binary_data"); err != nil {
			return nil, badf("output %q: %v", o.Name, err)
		} else if has {
			or.binary = b
		}
		req.outputs = append(req.outputs, or)
	}
	if len(jr.Outputs) == 0 && binOut {
		for _, o := range s.outs {
			req.outputs = append(req.outputs, outputRequest{name: o.name, binary: true})
		}
	}
	return req, s.checkOutputs(req.outputs)
}

// jsonError shortens encoding/json's messages.
func jsonError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %s: JSON %s where %s is expected (at byte %d)", te.Field, te.Value, te.Type, te.Offset)
		}
		return fmt.Sprintf("JSON %s where %s is expected (at byte %d)", te.Value, te.Type, te.Offset)
	}
	return err.Error()
}

// intParam reads an integer parameter.
func intParam(p map[string]json.RawMessage, key string) (int64, bool, error) {
	raw, ok := p[key]
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("parameter %s is %s, want an integer", key, raw)
	}
	return v, true, nil
}

// boolParam reads a boolean parameter.
func boolParam(p map[string]json.RawMessage, key string) (bool, bool, error) {
	raw, ok := p[key]
	if !ok {
		return false, false, nil
	}
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, fmt.Errorf("parameter %s is %s, want true or false", key, raw)
}

// rawFP32 reads want little-endian float32 values.
func rawFP32(b []byte, want int) ([]float32, error) {
	if len(b) != 4*want {
		return nil, fmt.Errorf("%d bytes of binary data, want %d (%d FP32 values)", len(b), 4*want, want)
	}
	v := make([]float32, want)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, checkFinite(v)
}

func checkFinite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("element %d is %v", i, x)
		}
	}
	return nil
}

// rawBytes reads want BYTES elements, each a 4-byte little-endian length
// and that many bytes, that fill b exactly.
func rawBytes(b []byte, want int) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(out) == want {
			return nil, fmt.Errorf("%d bytes follow the %d elements of the shape", len(b), want)
		}
		if len(b) < 4 {
			return nil, fmt.Errorf("element %d: %d bytes where a 4-byte length is expected", len(out), len(b))
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, fmt.Errorf("element %d: length %d, but %d bytes follow", len(out), n, len(b)-4)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	if len(out) != want {
		return nil, fmt.Errorf("%d elements, want %d", len(out), want)
	}
	return out, nil
}

// walkJSON calls f on each scalar of a JSON array, flat or nested, in
// order. It accepts only arrays of scalars (numbers, strings, true, false,
// null) and arrays of them, and stops at the first error of f.
func walkJSON(data []byte, f func(tok []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return errors.New("data must be an array")
	}
	depth := 0
	expectValue := true // after '[' or ','
	afterComma := false
	for i < len(data) {
		c := data[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[':
			if !expectValue {
				return fmt.Errorf("data: unexpected '[' at byte %d", i)
			}
			depth++
			afterComma = false
			if depth > 32 {
				return errors.New("data: nested more than 32 deep")
			}
			i++
		case c == ']':
			if depth == 0 || afterComma {
				return fmt.Errorf("data: unexpected ']' at byte %d", i)
			}
			depth--
			i++
			expectValue = false
			if depth == 0 {
				if j := skipSpace(data, i); j != len(data) {
					return fmt.Errorf("data: unexpected %q at byte %d", data[j], j)
				}
				return nil
			}
		case c == ',':
			if expectValue || depth == 0 {
				return fmt.Errorf("data: unexpected ',' at byte %d", i)
			}
			expectValue, afterComma = true, true
			i++
		default:
			if !expectValue || depth == 0 {
				return fmt.Errorf("data: unexpected %q at byte %d", c, i)
			}
			j := scalarEnd(data, i)
			if j == i {
				return fmt.Errorf("data: unexpected %q at byte %d", c, i)
			}
			if err := f(data[i:j]); err != nil {
				return err
			}
			i, expectValue, afterComma = j, false, false
		}
	}
	return errors.New("data: unterminated array")
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scalarEnd returns the end of the scalar token at b[i].
func scalarEnd(b []byte, i int) int {
	if b[i] == '"' {
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return i
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != ']' && b[j] != '[' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// jsonElems reads exactly want elements of a flat or nested JSON array,
// each scalar converted by conv.
func jsonElems[T any](data []byte, want int, conv func(i int, tok []byte) (T, error)) ([]T, error) {
	v := make([]T, 0, want)
	err := walkJSON(data, func(tok []byte) error {
		if len(v) == want {
			return fmt.Errorf("data holds more than the shape's %d elements", want)
		}
		x, err := conv(len(v), tok)
		v = append(v, x)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(v) != want {
		return nil, fmt.Errorf("data holds %d elements, the shape %d", len(v), want)
	}
	return v, nil
}

// jsonFP32 reads want numbers from a flat or nested JSON array.
func jsonFP32(data []byte, want int) ([]float32, error) {
	return jsonElems(data, want, func(i int, tok []byte) (float32, error) {
		if !isJSONNumber(tok) {
			return 0, fmt.Errorf("data element %d is %s, want a number", i, tok)
		}
		x, err := strconv.ParseFloat(string(tok), 32)
		if err != nil {
			return 0, fmt.Errorf("data element %d: %s does not fit FP32", i, tok)
		}
		return float32(x), nil
	})
}

// isJSONNumber reports whether tok is a number in JSON's grammar.
func isJSONNumber(tok []byte) bool {
	i := 0
	if i < len(tok) && tok[i] == '-' {
		i++
	}
	switch {
	case i < len(tok) && tok[i] == '0':
		i++
	case i < len(tok) && tok[i] >= '1' && tok[i] <= '9':
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(tok) && tok[i] == '.' {
		i++
		d := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(tok) && (tok[i] == 'e' || tok[i] == 'E') {
		i++
		if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
			i++
		}
		d := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(tok)
}

// jsonBytes reads want BYTES elements from a JSON array of strings, each
// the base64 (standard encoding) of an encoded image.
func jsonBytes(data []byte, want int) ([][]byte, error) {
	return jsonElems(data, want, func(i int, tok []byte) ([]byte, error) {
		var s string
		if tok[0] != '"' || json.Unmarshal(tok, &s) != nil {
			return nil, fmt.Errorf("data element %d is %.40s, want a string (the image in base64)", i, tok)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("data element %d is not base64: %v", i, err)
		}
		return b, nil
	})
}
