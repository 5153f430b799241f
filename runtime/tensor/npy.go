package tensor

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inccdev/incc/internal/atomicfile"
	"github.com/inccdev/incc/internal/regular"
)

// The .npy format (numpy.lib.format):
//
//	"\x93NUMPY" major minor
//	header length: uint16 LE (version 1.0) or uint32 LE (2.0, 3.0)
//	header: a Python dict literal {'descr': '<f4', 'fortran_order': False,
//	        'shape': (2, 3), } padded with spaces and a newline so the data
//	        starts at a multiple of 64 bytes; ASCII (UTF-8 in 3.0)
//	data:   the elements in C order

const npyMagic = "\x93NUMPY"

// npyError formats an error about an .npy file.
func npyError(file, format string, args ...any) error {
	return fmt.Errorf("runtime: npy: %s: "+format, append([]any{file}, args...)...)
}

// LoadNpy reads the .npy file at path; see [ReadNpy].
func LoadNpy(path string) (Tensor, error) {
	f, fi, err := regular.Open(path)
	if err != nil {
		return Tensor{}, fmt.Errorf("runtime: npy: %w", err)
	}
	defer f.Close()
	return ReadNpy(path, bufio.NewReaderSize(f, 1<<16), fi.Size())
}

// DecodeNpy reads an .npy file held in memory; name is used in errors.
func DecodeNpy(name string, data []byte) (Tensor, error) {
	return ReadNpy(name, bytes.NewReader(data), int64(len(data)))
}

// ReadNpy reads an .npy file of size bytes from r; name (the file name) is
// used in errors. Versions 1.0, 2.0 and 3.0 are read. The data must be
// little-endian float32 ('<f4') or float64 ('<f8', converted to float32) in
// C order, and exactly fill the rest of the file; the shape may have any
// number of dimensions (a 0-d array is a scalar of one value).
func ReadNpy(name string, r io.Reader, size int64) (Tensor, error) {
	var pre [10]byte
	if size < int64(len(pre)) {
		return Tensor{}, npyError(name, "file is %d bytes, too short for an .npy header", size)
	}
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return Tensor{}, npyError(name, "reading header: %v", err)
	}
	if string(pre[:6]) != npyMagic {
		return Tensor{}, npyError(name, "not an .npy file (bad magic %q)", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen, prefix int64
	switch {
	case major == 1 && minor == 0:
		hlen, prefix = int64(binary.LittleEndian.Uint16(pre[8:])), 10
	case (major == 2 || major == 3) && minor == 0:
		var more [2]byte
		if size < 12 {
			return Tensor{}, npyError(name, "file is %d bytes, too short for a version %d.0 header", size, major)
		}
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return Tensor{}, npyError(name, "reading header: %v", err)
		}
		hlen = int64(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...)))
		prefix = 12
	default:
		return Tensor{}, npyError(name, "unsupported format version %d.%d (want 1.0, 2.0 or 3.0)", major, minor)
	}
	if hlen > size-prefix {
		return Tensor{}, npyError(name, "header length %d runs past the end of the file (%d bytes)", hlen, size)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return Tensor{}, npyError(name, "reading header: %v", err)
	}
	if major < 3 {
		for _, c := range hdr {
			if c >= 0x80 {
				return Tensor{}, npyError(name, "header is not ASCII")
			}
		}
	} else if !utf8.Valid(hdr) {
		return Tensor{}, npyError(name, "header is not valid UTF-8")
	}
	h, err := parseNpyHeader(string(hdr))
	if err != nil {
		return Tensor{}, npyError(name, "header %q: %v", strings.TrimSpace(string(hdr)), err)
	}
	var esize int64
	switch h.descr {
	case "<f4":
		esize = 4
	case "<f8":
		esize = 8
	case ">f4", ">f8":
		return Tensor{}, npyError(name, "big-endian data (%s) is not supported, want '<f4' or '<f8'", h.descr)
	default:
		return Tensor{}, npyError(name, "unsupported dtype %q, want '<f4' or '<f8'", h.descr)
	}
	if h.fortran {
		return Tensor{}, npyError(name, "fortran_order is True, want C order")
	}
	data := size - prefix - hlen
	n, limit := int64(1), data/esize
	if slices.Contains(h.shape, 0) {
		n = 0 // whatever the other dimensions, however large
	}
	for _, d := range h.shape {
		if n == 0 {
			break
		}
		if n > limit/int64(d) {
			n = -1 // more than the file holds
			break
		}
		n *= int64(d)
	}
	if n < 0 || n*esize != data {
		return Tensor{}, npyError(name, "shape %v (%s) needs %s bytes of data, file has %d", h.shape, h.descr, bytesNeeded(h.shape, esize), data)
	}
	if n > maxLen {
		return Tensor{}, npyError(name, "shape %v is too large", h.shape)
	}
	t := Tensor{Shape: h.shape, Data: make([]float32, n)}
	buf := make([]byte, 1<<16)
	out := t.Data
	for len(out) > 0 {
		k := min(len(out), len(buf)/int(esize))
		b := buf[:k*int(esize)]
		if _, err := io.ReadFull(r, b); err != nil {
			return Tensor{}, npyError(name, "reading data: %v", err)
		}
		for i := range k {
			if esize == 4 {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			} else {
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
			}
		}
		out = out[k:]
	}
	return t, nil
}

// bytesNeeded renders the byte size of shape, which may overflow int64.
func bytesNeeded(shape []int, esize int64) string {
	f := float64(esize)
	for _, d := range shape {
		f *= float64(d)
	}
	if f < 1<<62 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// npyHeader is the parsed header dict.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNpyHeader parses the header dict literal. It accepts exactly the
// keys descr (a string), fortran_order (True or False) and shape (a tuple
// of non-negative integers), as numpy does.
func parseNpyHeader(s string) (npyHeader, error) {
	p := &pyLit{s: s}
	var h npyHeader
	seen := map[string]bool{}
	if !p.eat('{') {
		return h, fmt.Errorf("not a dict")
	}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok {
			return h, fmt.Errorf("want a string key at offset %d", p.i)
		}
		if seen[key] {
			return h, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return h, fmt.Errorf("want ':' after %q", key)
		}
		switch key {
		case "descr":
			if h.descr, ok = p.str(); !ok {
				return h, fmt.Errorf("descr is not a string")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return h, fmt.Errorf("fortran_order is not True or False")
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return h, fmt.Errorf("shape: %v", err)
			}
			h.shape = shape
		default:
			return h, fmt.Errorf("unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return h, fmt.Errorf("want ',' or '}' at offset %d", p.i)
			}
			break
		}
	}
	p.space()
	if p.i != len(p.s) {
		return h, fmt.Errorf("trailing data after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

// pyLit scans the small subset of Python literals found in .npy headers.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat consumes c after optional space.
func (p *pyLit) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// word consumes the identifier w.
func (p *pyLit) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		end := p.i + len(w)
		if end == len(p.s) || !isIdent(p.s[end]) {
			p.i = end
			return true
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// str consumes a quoted string without escapes.
func (p *pyLit) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", false
	}
	p.i += end + 2
	return v, true
}

// tuple consumes a tuple of non-negative integers: (), (3,), (2, 3).
func (p *pyLit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("not a tuple")
	}
	shape := []int{}
	for !p.eat(')') {
		p.space()
		start := p.i
		for p.i < len(p.s) && (p.s[p.i] == '-' || '0' <= p.s[p.i] && p.s[p.i] <= '9') {
			p.i++
		}
		d, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil || d > maxLen {
			return nil, fmt.Errorf("bad dimension %q", p.s[start:p.i])
		}
		if d < 0 {
			return nil, fmt.Errorf("negative dimension %d", d)
		}
		shape = append(shape, int(d))
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, fmt.Errorf("want ',' or ')' at offset %d", p.i)
			}
			break
		}
	}
	return shape, nil
}

// EncodeNpy returns t as a version 1.0 .npy file of '<f4' in C order
// (version 2.0 if the header does not fit 1.0).
func EncodeNpy(t Tensor) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteNpy(&b, t); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SaveNpy writes t to the file at path (see [WriteNpy]), replacing it only
// once the whole file is written.
func SaveNpy(path string, t Tensor) error {
	data, err := EncodeNpy(t)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data, 0o666); err != nil {
		return fmt.Errorf("runtime: npy: %w", err)
	}
	return nil
}

// WriteNpy writes t as a .npy file of '<f4' in C order, version 1.0 (2.0 if
// the header does not fit), with the header padded so the data starts at a
// multiple of 64 bytes, as numpy does.
func WriteNpy(w io.Writer, t Tensor) error {
	if n, err := shapeLen(t.Shape); err != nil || n != len(t.Data) {
		return fmt.Errorf("runtime: npy: %d values for shape %v", len(t.Data), t.Shape)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := "(" + strings.Join(dims, ", ") + ")"
	if len(dims) == 1 {
		shape = "(" + dims[0] + ",)"
	}
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
	prefix, major := 10, byte(1)
	if len(hdr)+1+prefix+63 > math.MaxUint16 {
		prefix, major = 12, 2
	}
	pad := (64 - (prefix+len(hdr)+1)%64) % 64
	hdr += strings.Repeat(" ", pad) + "\n"
	b := make([]byte, 0, prefix+len(hdr)+4*len(t.Data))
	b = append(b, npyMagic...)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	b = append(b, hdr...)
	for _, v := range t.Data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	_, err := w.Write(b)
	return err
}
