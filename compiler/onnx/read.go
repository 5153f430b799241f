package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/inccdev/incc/compiler/onnx/onnxpb"
)

// Limits on what a model may make the reader allocate. A tensor's size is
// checked against the bytes actually present (in the file, or in the
// external file) before anything is allocated, so a lying header costs
// nothing; these bound the honest cases.
const (
	// MaxTensorElems bounds one tensor: 2^28 elements, 1 GiB of float32
	// (the checker's bound on one layer's weights).
	MaxTensorElems = 1 << 28
	// maxConstElems bounds what folding constants may add to the size of
	// its inputs (ConstantOfShape, Range, Expand, broadcasting).
	maxConstElems = 1 << 16
	// maxRank bounds a tensor's number of dimensions.
	maxRank = 8
)

// Decode parses the bytes of an .onnx file. It checks the structure a model
// must have (a graph, a default-domain opset) but reads no tensor data.
func Decode(data []byte) (*onnxpb.ModelProto, error) {
	m := &onnxpb.ModelProto{}
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("not a valid ONNX model (protobuf: %v)", trimProtoErr(err))
	}
	if m.Graph == nil {
		if len(data) == 0 {
			return nil, errors.New("empty file: not an ONNX model")
		}
		return nil, errors.New("not an ONNX model: no graph (is the file truncated, or of another format?)")
	}
	return m, nil
}

func trimProtoErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "proto: ")
	s = strings.TrimPrefix(s, "cannot parse invalid wire-format data")
	if s == "" {
		return "invalid wire-format data, e.g. a truncated file"
	}
	return strings.TrimPrefix(s, ": ")
}

// dtype is the element type of a tensor as ONNX numbers them.
type dtype int32

const (
	dtUndefined dtype = 0
	dtFloat     dtype = 1
	dtUint8     dtype = 2
	dtInt8      dtype = 3
	dtUint16    dtype = 4
	dtInt16     dtype = 5
	dtInt32     dtype = 6
	dtInt64     dtype = 7
	dtString    dtype = 8
	dtBool      dtype = 9
	dtFloat16   dtype = 10
	dtDouble    dtype = 11
	dtUint32    dtype = 12
	dtUint64    dtype = 13
	dtBFloat16  dtype = 16
)

func (d dtype) String() string {
	if s, ok := onnxpb.TensorProto_DataType_name[int32(d)]; ok {
		return s
	}
	return "type " + strconv.Itoa(int(d))
}

// size is the number of bytes of one element in raw_data, 0 if the type is
// not a fixed-width number.
func (d dtype) size() int {
	switch d {
	case dtUint8, dtInt8, dtBool:
		return 1
	case dtUint16, dtInt16, dtFloat16, dtBFloat16:
		return 2
	case dtFloat, dtInt32, dtUint32:
		return 4
	case dtInt64, dtDouble, dtUint64:
		return 8
	}
	return 0
}

func (d dtype) isFloat() bool {
	return d == dtFloat || d == dtDouble || d == dtFloat16 || d == dtBFloat16
}

// tensor is a constant: float elements in f (float32 for every
// floating-point type) or integer and boolean elements in i.
type tensor struct {
	shape []int
	float bool
	f     []float32
	i     []int64
}

func (t *tensor) len() int {
	if t.float {
		return len(t.f)
	}
	return len(t.i)
}

// numel is the product of dims, or an error if a dimension is negative or
// the product is more than limit.
func numel(dims []int64, limit int) (int, error) {
	if len(dims) > maxRank {
		return 0, fmt.Errorf("rank %d is more than %d", len(dims), maxRank)
	}
	n := 1
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d > int64(limit) {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, limit)
		}
		n *= int(d) // both factors are at most 2^28: no overflow
		if n > limit {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, limit)
		}
	}
	return n, nil
}

// tensorFromProto decodes a TensorProto. External data is read from files
// in dir (nil: external data is an error); their locations must stay
// inside dir.
func tensorFromProto(tp *onnxpb.TensorProto, dir fs.FS) (*tensor, error) {
	dt := dtype(tp.GetDataType())
	n, err := numel(tp.Dims, MaxTensorElems)
	if err != nil {
		return nil, err
	}
	if tp.Segment != nil {
		return nil, errors.New("segmented tensors are not supported")
	}
	shape := make([]int, len(tp.Dims))
	for i, d := range tp.Dims {
		shape[i] = int(d)
	}
	t := &tensor{shape: shape, float: dt.isFloat()}
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL || len(tp.ExternalData) > 0 {
		raw, err := readExternal(tp, dir, n*dt.size(), dt)
		if err != nil {
			return nil, err
		}
		return t, fillRaw(t, dt, raw, n)
	}
	if tp.RawData != nil {
		return t, fillRaw(t, dt, tp.RawData, n)
	}
	count := func(got int) error {
		if got != n {
			return fmt.Errorf("%d values for shape %v (%d elements)", got, tp.Dims, n)
		}
		return nil
	}
	switch dt {
	case dtFloat:
		if err := count(len(tp.FloatData)); err != nil {
			return nil, err
		}
		t.f = append([]float32(nil), tp.FloatData...)
	case dtDouble:
		if err := count(len(tp.DoubleData)); err != nil {
			return nil, err
		}
		t.f = make([]float32, n)
		for i, v := range tp.DoubleData {
			t.f[i] = float32(v)
		}
	case dtFloat16, dtBFloat16:
		if err := count(len(tp.Int32Data)); err != nil {
			return nil, err
		}
		t.f = make([]float32, n)
		for i, v := range tp.Int32Data {
			t.f[i] = halfToFloat(uint16(v), dt)
		}
	case dtInt64:
		if err := count(len(tp.Int64Data)); err != nil {
			return nil, err
		}
		t.i = append([]int64(nil), tp.Int64Data...)
	case dtInt32, dtInt16, dtInt8, dtUint16, dtUint8, dtBool:
		if err := count(len(tp.Int32Data)); err != nil {
			return nil, err
		}
		t.i = make([]int64, n)
		for i, v := range tp.Int32Data {
			t.i[i] = int64(v)
		}
	case dtUint32, dtUint64:
		if err := count(len(tp.Uint64Data)); err != nil {
			return nil, err
		}
		t.i = make([]int64, n)
		for i, v := range tp.Uint64Data {
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("value %d out of range", v)
			}
			t.i[i] = int64(v)
		}
	default:
		return nil, fmt.Errorf("element type %v is not supported", dt)
	}
	return t, nil
}

// fillRaw decodes n little-endian elements of type dt from raw.
func fillRaw(t *tensor, dt dtype, raw []byte, n int) error {
	sz := dt.size()
	if sz == 0 {
		return fmt.Errorf("element type %v is not supported", dt)
	}
	if len(raw) != n*sz {
		return fmt.Errorf("%d bytes of data for %d elements of %v (want %d)", len(raw), n, dt, n*sz)
	}
	if t.float {
		t.f = make([]float32, n)
	} else {
		t.i = make([]int64, n)
	}
	le := binary.LittleEndian
	for k := 0; k < n; k++ {
		b := raw[k*sz : (k+1)*sz]
		switch dt {
		case dtFloat:
			t.f[k] = math.Float32frombits(le.Uint32(b))
		case dtDouble:
			t.f[k] = float32(math.Float64frombits(le.Uint64(b)))
		case dtFloat16, dtBFloat16:
			t.f[k] = halfToFloat(le.Uint16(b), dt)
		case dtInt64:
			t.i[k] = int64(le.Uint64(b))
		case dtUint64:
			v := le.Uint64(b)
			if v > math.MaxInt64 {
				return fmt.Errorf("value %d out of range", v)
			}
			t.i[k] = int64(v)
		case dtInt32:
			t.i[k] = int64(int32(le.Uint32(b)))
		case dtUint32:
			t.i[k] = int64(le.Uint32(b))
		case dtInt16:
			t.i[k] = int64(int16(le.Uint16(b)))
		case dtUint16:
			t.i[k] = int64(le.Uint16(b))
		case dtInt8:
			t.i[k] = int64(int8(b[0]))
		case dtUint8, dtBool:
			t.i[k] = int64(b[0])
		}
	}
	return nil
}

// halfToFloat converts IEEE half or bfloat16 bits to float32.
func halfToFloat(h uint16, dt dtype) float32 {
	if dt == dtBFloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: frac · 2^-24.
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// readExternal reads want bytes of a tensor stored beside the model.
func readExternal(tp *onnxpb.TensorProto, dir fs.FS, want int, dt dtype) ([]byte, error) {
	if dt.size() == 0 {
		return nil, fmt.Errorf("element type %v is not supported", dt)
	}
	var loc string
	var off, length int64 = 0, -1
	for _, kv := range tp.ExternalData {
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset", "length":
			v, err := strconv.ParseInt(kv.GetValue(), 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("external data: bad %s %q", kv.GetKey(), kv.GetValue())
			}
			if kv.GetKey() == "offset" {
				off = v
			} else {
				length = v
			}
		}
	}
	if loc == "" {
		return nil, errors.New("external data without a location")
	}
	if dir == nil {
		return nil, fmt.Errorf("external data in %q, but the model was not read from a file", loc)
	}
	// Locations are relative to the model's directory and must stay in it.
	clean := path.Clean(strings.ReplaceAll(loc, `\`, "/"))
	if path.IsAbs(clean) || !fs.ValidPath(clean) || strings.HasPrefix(loc, "/") {
		return nil, fmt.Errorf("external data location %q is outside the model's directory", loc)
	}
	if length >= 0 && length != int64(want) {
		return nil, fmt.Errorf("external data %q: length %d, want %d bytes", loc, length, want)
	}
	f, err := dir.Open(clean)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("external data file %q not found beside the model", loc)
		}
		return nil, fmt.Errorf("external data: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("external data %q: %v", loc, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("external data %q is a directory", loc)
	}
	if off > st.Size() || int64(want) > st.Size()-off {
		return nil, fmt.Errorf("external data %q: %d bytes at offset %d, but the file has %d", loc, want, off, st.Size())
	}
	buf := make([]byte, want)
	if ra, ok := f.(io.ReaderAt); ok {
		_, err = ra.ReadAt(buf, off)
	} else {
		if _, err = io.CopyN(io.Discard, f, off); err == nil {
			_, err = io.ReadFull(f, buf)
		}
	}
	if err != nil && !(errors.Is(err, io.EOF) && want == 0) {
		return nil, fmt.Errorf("external data %q: %v", loc, err)
	}
	return buf, nil
}
