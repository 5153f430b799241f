package tensor

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/inccdev/incc/internal/atomicfile"
	"github.com/inccdev/incc/internal/regular"
)

// Safetensors format (https://github.com/huggingface/safetensors):
//
//	8 bytes    N, the header length, little-endian uint64
//	N bytes    JSON object: {"name": {"dtype": "F32", "shape": [..],
//	           "data_offsets": [begin, end]}, …, "__metadata__": {string: string}}
//	rest       the byte buffer; offsets are relative to its start
//
// Tensors must tile the buffer exactly: sorted by offset, each starts where
// the previous one ends, the first at 0, the last at the end of the file.

// maxHeader bounds the header length, as the reference implementation does.
const maxHeader = 100_000_000

// dtype describes a safetensors element type this package can read.
type dtype struct {
	size   int
	decode func(b []byte) float32 // one little-endian element
}

var dtypes = map[string]dtype{
	"F64":  {8, func(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }},
	"F32":  {4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }},
	"F16":  {2, func(b []byte) float32 { return halfToFloat32(binary.LittleEndian.Uint16(b)) }},
	"BF16": {2, func(b []byte) float32 { return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16) }},
	"I64":  {8, func(b []byte) float32 { return float32(int64(binary.LittleEndian.Uint64(b))) }},
	"I32":  {4, func(b []byte) float32 { return float32(int32(binary.LittleEndian.Uint32(b))) }},
	"I16":  {2, func(b []byte) float32 { return float32(int16(binary.LittleEndian.Uint16(b))) }},
	"I8":   {1, func(b []byte) float32 { return float32(int8(b[0])) }},
	"U64":  {8, func(b []byte) float32 { return float32(binary.LittleEndian.Uint64(b)) }},
	"U32":  {4, func(b []byte) float32 { return float32(binary.LittleEndian.Uint32(b)) }},
	"U16":  {2, func(b []byte) float32 { return float32(binary.LittleEndian.Uint16(b)) }},
	"U8":   {1, func(b []byte) float32 { return float32(b[0]) }},
	"BOOL": {1, func(b []byte) float32 { return float32(b[0]) }},
}

// unsupportedDtypes are valid safetensors dtypes this package does not read.
var unsupportedDtypes = []string{"F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64"}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal half: frac · 2^-24, exact in float32.
	v := float32(frac) / (1 << 24)
	if sign != 0 {
		v = -v
	}
	return v
}

// stEntry is one tensor of a safetensors header.
type stEntry struct {
	name       string
	dtype      string
	shape      []int
	begin, end int64
}

// stError formats an error about the file, or about one of its tensors.
func stError(file, tensor, format string, args ...any) error {
	if tensor != "" {
		file += ": tensor " + tensor
	}
	return fmt.Errorf("runtime: safetensors: %s: "+format, append([]any{file}, args...)...)
}

// LoadSafetensors reads the safetensors file at path; see [ReadSafetensors].
func LoadSafetensors(path string) (Weights, map[string]string, error) {
	f, fi, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime: safetensors: %w", err)
	}
	defer f.Close()
	return readSafetensors(path, bufio.NewReaderSize(f, 1<<16), f, fi.Size(), nil, nil)
}

// DecodeSafetensors reads a safetensors file held in memory; name is used
// in errors. See [ReadSafetensors].
func DecodeSafetensors(name string, data []byte) (Weights, map[string]string, error) {
	return readSafetensors(name, bytes.NewReader(data), bytes.NewReader(data), int64(len(data)), nil, nil)
}

// ReadSafetensors reads a safetensors file of size bytes from r; name (the
// file name) is used in errors. It returns the tensors, converted to
// float32 (F32, F16, BF16 and F64 are the float types read; integer and
// BOOL tensors, such as PyTorch's num_batches_tracked, are converted too),
// and the optional "__metadata__" string map.
//
// The header is validated before anything is allocated from it: its length
// against size, the JSON (an object of tensor entries, no duplicate names,
// known dtypes, non-negative dimensions), and the data offsets (each range
// holds exactly dtype size × elements bytes; the ranges tile the buffer
// without gaps or overlaps up to the end of the file). Errors name the file
// and the tensor.
//
// It reads every tensor: to load a network's weights, [ReadWeights]
// checks the header against what the network expects first and reads
// only that.
func ReadSafetensors(name string, r io.Reader, size int64) (Weights, map[string]string, error) {
	return readSafetensors(name, r, nil, size, nil, nil)
}

// LoadWeights reads a network's weights from the safetensors file at path;
// see [ReadWeights].
func LoadWeights(path string, want []Spec, required int) (Weights, error) {
	f, fi, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("runtime: safetensors: %w", err)
	}
	defer f.Close()
	w, _, err := readSafetensors(path, bufio.NewReaderSize(f, 1<<16), f, fi.Size(), &selection{want, required}, nil)
	return w, err
}

// DecodeWeights reads a network's weights from a safetensors file held in
// memory (e.g. one embedded with go:embed); see [ReadWeights].
func DecodeWeights(name string, data []byte, want []Spec, required int) (Weights, error) {
	w, _, err := readSafetensors(name, bytes.NewReader(data), bytes.NewReader(data), int64(len(data)), &selection{want, required}, nil)
	return w, err
}

// ViewWeights is [DecodeWeights] for data that does not change while the
// weights are used and is never written through them, such as a file
// embedded with go:embed: F32 tensors stored 4-byte aligned in data are not
// copied, their Data slices are data itself (on a little-endian machine);
// other tensors are converted as DecodeWeights converts them. So the
// weights take no memory beyond data. A generated network's Decode uses it:
// New reads the weights into their packed form and keeps no reference to
// them.
func ViewWeights(name string, data []byte, want []Spec, required int) (Weights, error) {
	w, _, err := readSafetensors(name, bytes.NewReader(data), bytes.NewReader(data), int64(len(data)), &selection{want, required}, data)
	return w, err
}

// nativeLittleEndian reports whether float32 values are stored
// little-endian in memory, as safetensors stores them.
var nativeLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// ReadWeights reads from a safetensors file of size bytes the weights of a
// network whose manifest is want, of which want[:required] are required
// and the rest (the side heads', when they do not run) optional, as
// [CheckRequired] takes them. The file is validated as [ReadSafetensors]
// does; then, before any tensor data is read, its header is checked
// against want: a required tensor that is missing or of another shape, and
// a tensor the network does not have (other than num_batches_tracked
// counters), are errors naming the tensor. Only the required tensors are
// read: the data of optional ones is skipped (sought past, if r is an
// io.ReaderAt and io.Seeker). The result is then checked as CheckRequired
// checks it (values that are not finite, negative running variances).
//
// So the memory it takes is bounded by the network's weights, whatever the
// file holds.
func ReadWeights(name string, r io.Reader, size int64, want []Spec, required int) (Weights, error) {
	var at io.ReaderAt
	if ras, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if base, err := ras.Seek(0, io.SeekCurrent); err == nil {
			at = io.NewSectionReader(ras, base, size)
		}
	}
	w, _, err := readSafetensors(name, r, at, size, &selection{want, required}, nil)
	return w, err
}

// selection is what ReadWeights reads: want[:required] required, the rest
// optional.
type selection struct {
	want     []Spec
	required int
}

// readSafetensors reads a safetensors file of size bytes from r (from its
// start). With at not nil (the same file from its start), tensor data is
// read from at, at the tensors' offsets; otherwise r is read in order,
// skipped data included. With sel nil, every tensor is read; otherwise
// the header is checked against sel and only the required tensors read.
func readSafetensors(name string, r io.Reader, at io.ReaderAt, size int64, sel *selection, view []byte) (Weights, map[string]string, error) {
	if size < 8 {
		return nil, nil, stError(name, "", "file is %d bytes, too short for the 8-byte header length", size)
	}
	if sel != nil && (sel.required < 0 || sel.required > len(sel.want)) {
		return nil, nil, fmt.Errorf("runtime: weights: %d required of %d tensors", sel.required, len(sel.want))
	}
	var lb [8]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return nil, nil, stError(name, "", "reading header length: %v", err)
	}
	hlen := binary.LittleEndian.Uint64(lb[:])
	if hlen > uint64(size-8) {
		return nil, nil, stError(name, "", "header length %d runs past the end of the file (%d bytes)", hlen, size)
	}
	if hlen > maxHeader {
		return nil, nil, stError(name, "", "header length %d exceeds the limit of %d bytes", hlen, maxHeader)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, nil, stError(name, "", "reading header: %v", err)
	}
	entries, meta, err := parseSafetensorsHeader(name, hdr)
	if err != nil {
		return nil, nil, err
	}
	bufLen := size - 8 - int64(hlen)
	if err := checkLayout(name, entries, bufLen); err != nil {
		return nil, nil, err
	}
	read := func(e stEntry) bool { return true }
	if sel != nil {
		if err := checkHeader(entries, sel); err != nil {
			return nil, nil, err
		}
		required := make(map[string]bool, sel.required)
		for _, s := range sel.want[:sel.required] {
			required[s.Name] = true
		}
		read = func(e stEntry) bool { return required[e.name] }
	}
	w := make(Weights, len(entries))
	chunk := make([]byte, 1<<16)
	// pos is where r is in the data buffer, when r is read in order.
	var pos int64
	for _, e := range entries { // sorted by offset
		if !read(e) {
			continue
		}
		src := r
		if at != nil {
			src = bufio.NewReaderSize(io.NewSectionReader(at, 8+int64(hlen)+e.begin, e.end-e.begin), len(chunk))
		} else if e.begin > pos {
			if _, err := io.CopyN(io.Discard, r, e.begin-pos); err != nil {
				return nil, nil, stError(name, "", "skipping to the data of %s: %v", e.name, err)
			}
		}
		dt := dtypes[e.dtype]
		if off := 8 + int64(hlen) + e.begin; view != nil && e.dtype == "F32" && nativeLittleEndian && e.end > e.begin &&
			uintptr(unsafe.Pointer(&view[off]))%4 == 0 {
			// ViewWeights: the tensor is data itself.
			w[e.name] = Tensor{Shape: e.shape, Data: unsafe.Slice((*float32)(unsafe.Pointer(&view[off])), (e.end-e.begin)/4)}
			pos = e.end
			continue
		}
		t := Tensor{Shape: e.shape, Data: make([]float32, (e.end-e.begin)/int64(dt.size))}
		out := t.Data
		for len(out) > 0 {
			k := min(len(out), len(chunk)/dt.size)
			b := chunk[:k*dt.size]
			if _, err := io.ReadFull(src, b); err != nil {
				return nil, nil, stError(name, e.name, "reading data: %v", err)
			}
			for i := range k {
				out[i] = dt.decode(b[i*dt.size:])
			}
			out = out[k:]
		}
		pos = e.end
		w[e.name] = t
	}
	if sel != nil {
		if err := CheckRequired(w, sel.want, sel.required); err != nil {
			return nil, nil, err
		}
	}
	return w, meta, nil
}

// checkHeader checks the tensors of a header against a selection, as
// [CheckRequired] checks weights, before their data is read.
func checkHeader(entries []stEntry, sel *selection) error {
	byName := make(map[string]*stEntry, len(entries))
	for i := range entries {
		byName[entries[i].name] = &entries[i]
	}
	known := make(map[string]bool, len(sel.want))
	var p problems
	for i, s := range sel.want {
		known[s.Name] = true
		if i >= sel.required {
			continue
		}
		switch e := byName[s.Name]; {
		case e == nil:
			p.add(errMissingTensor(s))
		case !SameShape(e.shape, s.Shape):
			p.add(errTensorShape(s, e.shape))
		}
	}
	for _, e := range sortedByName(entries) {
		switch {
		case known[e.name] || IsBatchesTracked(e.name):
		case p.full():
			p.more++
		default:
			p.add(errUnexpectedTensor(e.name, e.shape))
		}
	}
	return p.err()
}

// sortedByName returns the entries in name order (as Check reports
// unexpected tensors).
func sortedByName(entries []stEntry) []stEntry {
	s := slices.Clone(entries)
	slices.SortFunc(s, func(a, b stEntry) int { return strings.Compare(a.name, b.name) })
	return s
}

// parseSafetensorsHeader parses the JSON header into entries in file order.
func parseSafetensorsHeader(name string, hdr []byte) ([]stEntry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, stError(name, "", "header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, stError(name, "", "header is not a JSON object")
	}
	var (
		entries []stEntry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, stError(name, "", "header: %v", err)
		}
		key := tok.(string) // object keys are always strings
		if seen[key] {
			return nil, nil, stError(name, key, "duplicate name in header")
		}
		seen[key] = true
		if key == "__metadata__" {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, stError(name, "", "__metadata__ is not an object of strings: %v", err)
			}
			continue
		}
		var raw struct {
			Dtype       *string  `json:"dtype"`
			Shape       *[]int64 `json:"shape"`
			DataOffsets *[]int64 `json:"data_offsets"`
		}
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, stError(name, key, "bad header entry: %v", err)
		}
		e, err := checkEntry(name, key, raw.Dtype, raw.Shape, raw.DataOffsets)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, stError(name, "", "header: %v", err)
	}
	if rest := hdr[dec.InputOffset():]; len(bytes.TrimRight(rest, " \t\r\n")) > 0 {
		return nil, nil, stError(name, "", "header has %d bytes of trailing data after the JSON object", len(rest))
	}
	return entries, meta, nil
}

// checkEntry validates one header entry on its own.
func checkEntry(file, name string, dt *string, shape, offsets *[]int64) (stEntry, error) {
	switch {
	case dt == nil:
		return stEntry{}, stError(file, name, "missing dtype")
	case shape == nil:
		return stEntry{}, stError(file, name, "missing shape")
	case offsets == nil:
		return stEntry{}, stError(file, name, "missing data_offsets")
	}
	d, ok := dtypes[*dt]
	if !ok {
		if slices.Contains(unsupportedDtypes, *dt) {
			return stEntry{}, stError(file, name, "unsupported dtype %s (want F32, F16, BF16, F64 or an integer type)", *dt)
		}
		return stEntry{}, stError(file, name, "unknown dtype %q", *dt)
	}
	if len(*offsets) != 2 {
		return stEntry{}, stError(file, name, "data_offsets has %d numbers, want 2", len(*offsets))
	}
	begin, end := (*offsets)[0], (*offsets)[1]
	if begin < 0 || end < begin {
		return stEntry{}, stError(file, name, "bad data_offsets [%d %d]", begin, end)
	}
	dims := make([]int, len(*shape))
	for i, x := range *shape {
		if x < 0 {
			return stEntry{}, stError(file, name, "negative dimension in shape %v", *shape)
		}
		dims[i] = int(x)
	}
	// The element count must equal (end-begin)/size, so a product beyond it
	// is already wrong: stop before it can overflow.
	n, limit := int64(1), (end-begin)/int64(d.size)
	if !slices.Contains(*shape, 0) {
		for _, x := range *shape {
			if n > limit/x {
				return stEntry{}, stError(file, name, "shape %v (%s) needs more than the %d bytes of data_offsets [%d %d]", *shape, *dt, end-begin, begin, end)
			}
			n *= x
		}
	} else {
		n = 0
	}
	if want := n * int64(d.size); want != end-begin {
		return stEntry{}, stError(file, name, "data_offsets [%d %d] hold %d bytes, want %d for %s %v", begin, end, end-begin, want, *dt, *shape)
	}
	if n > maxLen {
		return stEntry{}, stError(file, name, "shape %v is too large", *shape)
	}
	return stEntry{name: name, dtype: *dt, shape: dims, begin: begin, end: end}, nil
}

// checkLayout sorts entries by offset and checks that they tile a buffer of
// bufLen bytes exactly.
func checkLayout(file string, entries []stEntry, bufLen int64) error {
	slices.SortStableFunc(entries, func(a, b stEntry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var prev int64
	prevName := ""
	for _, e := range entries {
		switch {
		case e.end > bufLen:
			return stError(file, e.name, "data_offsets [%d %d] run past the end of the data (%d bytes)", e.begin, e.end, bufLen)
		case e.begin < prev:
			return stError(file, e.name, "data_offsets [%d %d] overlap tensor %s, which ends at %d", e.begin, e.end, prevName, prev)
		case e.begin > prev:
			return stError(file, e.name, "data_offsets [%d %d] leave bytes [%d %d] unused", e.begin, e.end, prev, e.begin)
		}
		prev, prevName = e.end, e.name
	}
	if prev != bufLen {
		return stError(file, "", "%d bytes of data after the last tensor", bufLen-prev)
	}
	return nil
}

// EncodeSafetensors returns w as a safetensors file; see [WriteSafetensors].
func EncodeSafetensors(w Weights, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteSafetensors(&b, w, meta); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SaveSafetensors writes w to the file at path (see [WriteSafetensors]),
// replacing it only once the whole file is written.
func SaveSafetensors(path string, w Weights, meta map[string]string) error {
	err := atomicfile.Write(path, 0o666, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<16)
		if err := WriteSafetensors(bw, w, meta); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("runtime: safetensors: %w", err)
	}
	return nil
}

// WriteSafetensors writes w in safetensors format as F32, like the
// reference implementation: compact JSON header with "__metadata__" first
// (if meta is not empty, keys sorted), tensors in name order with their data
// in the same order, the header padded with spaces to a multiple of 8 bytes.
func WriteSafetensors(out io.Writer, w Weights, meta map[string]string) error {
	names := w.Names()
	var h strings.Builder
	h.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		h.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			fmt.Fprintf(&h, "%s:%s", jsonString(k), jsonString(meta[k]))
		}
		h.WriteByte('}')
	}
	var off int64
	for i, n := range names {
		t := w[n]
		if n == "__metadata__" {
			return fmt.Errorf("runtime: safetensors: tensor name %q is reserved", n)
		}
		if l, err := shapeLen(t.Shape); err != nil || l != len(t.Data) {
			return fmt.Errorf("runtime: safetensors: tensor %s: %d values for shape %v", n, len(t.Data), t.Shape)
		}
		if i > 0 || len(meta) > 0 {
			h.WriteByte(',')
		}
		shape := make([]string, len(t.Shape))
		for j, d := range t.Shape {
			shape[j] = fmt.Sprint(d)
		}
		end := off + 4*int64(len(t.Data))
		fmt.Fprintf(&h, `%s:{"dtype":"F32","shape":[%s],"data_offsets":[%d,%d]}`, jsonString(n), strings.Join(shape, ","), off, end)
		off = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	var lb [8]byte
	binary.LittleEndian.PutUint64(lb[:], uint64(h.Len()))
	if _, err := out.Write(lb[:]); err != nil {
		return err
	}
	if _, err := io.WriteString(out, h.String()); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, n := range names {
		for _, v := range w[n].Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := out.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := out.Write(buf)
	return err
}

// jsonString quotes s as a JSON string without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(errors.New("runtime: cannot encode string")) // strings always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}
