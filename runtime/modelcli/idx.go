package modelcli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/inccdev/incc/internal/regular"
)

// idx is an IDX file of unsigned bytes (the MNIST format): dims, then the
// data, row-major.
type idx struct {
	dims  []int // of the data read: dims[0] is less than count with a limit
	count int   // the records the file holds, by its header
	data  []byte
}

// maxIDXBytes bounds the data an IDX file may hold (the whole of MNIST's
// test images is 7.8 MB).
const maxIDXBytes = 4 << 30

// idxRead says what readIDX reads of an IDX file.
type idxRead struct {
	ndims int
	// limit > 0 reads only the first limit records (entries along the
	// first dimension): the rest of the file is not read, nor, if it is
	// gzipped, its checksum verified.
	limit int
	// fits, if not nil, is called with the dimensions and the bytes of
	// data to be read, before they are read or allocated; an error stops
	// the read.
	fits func(dims []int, bytes int64) error
}

// readIDX reads an IDX file of unsigned bytes, gzipped or not (by the gzip
// magic bytes). The header is checked before the data is read, and the
// data is read as it comes: a header that claims more than the file holds
// is an error, never a large allocation. A file that is not a regular file
// is an error, found without blocking.
func readIDX(path string, how idxRead) (*idx, error) {
	f, fi, err := regular.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := decodeIDX(bufio.NewReader(f), fi.Size(), how)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// decodeIDX reads IDX data from r; size is the file's size (for a file
// that is not gzipped, the exact size the header must account for).
func decodeIDX(r *bufio.Reader, size int64, how idxRead) (*idx, error) {
	ndims := how.ndims
	what := map[int]string{1: "labels (idx1)", 3: "images (idx3)"}[ndims]
	if what == "" {
		what = fmt.Sprintf("idx%d", ndims)
	}
	gz := false
	if b, err := r.Peek(2); err == nil && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %v", err)
		}
		zr.Multistream(false)
		r, gz = bufio.NewReader(zr), true
	}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("not an IDX file: %s", short(err, "the 4-byte magic number"))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: magic number %#08x, want %#08x for %s", binary.BigEndian.Uint32(magic[:]), 0x800|ndims, what)
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("IDX data type %#02x (%s), want 0x08 (unsigned byte)", magic[2], idxType(magic[2]))
	}
	if int(magic[3]) != ndims {
		return nil, fmt.Errorf("IDX file of %d dimensions, want %d for %s", magic[3], ndims, what)
	}
	dims := make([]int, ndims)
	n := int64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("truncated IDX header: %s", short(err, fmt.Sprintf("dimension %d", i+1)))
		}
		d := binary.BigEndian.Uint32(b[:])
		if d == 0 {
			return nil, fmt.Errorf("IDX dimension %d is 0", i+1)
		}
		// d > max/n, not n·d > max: three dimensions of up to 2³² - 1
		// overflow an int64.
		if int64(d) > maxIDXBytes/n {
			return nil, fmt.Errorf("IDX dimensions %s: more than %d bytes of data", dimString(dims[:i], d), int64(maxIDXBytes))
		}
		n *= int64(d)
		dims[i] = int(d)
	}
	header := int64(4 + 4*ndims)
	if !gz && size != header+n {
		return nil, fmt.Errorf("IDX header says %s = %d bytes of data, the file holds %d", dimString(dims, 0), n, size-header)
	}
	// With a limit, read only the first records.
	want, all := n, true
	if how.limit > 0 && how.limit < dims[0] {
		want, all = n/int64(dims[0])*int64(how.limit), false
	}
	if how.fits != nil {
		if err := how.fits(dims, want); err != nil {
			return nil, err
		}
	}
	data, err := readData(r, want)
	switch {
	case err == io.EOF:
		return nil, fmt.Errorf("IDX header says %s = %d bytes of data, the file holds %d", dimString(dims, 0), n, len(data))
	case gz && errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("truncated gzip data after %d bytes of the %d the IDX header announces (%s)", len(data), n, dimString(dims, 0))
	case err != nil:
		return nil, fmt.Errorf("reading the data: %v", err)
	}
	if all {
		// Reach the end (for a gzipped file, its trailer, so that the
		// checksum is verified): there must be nothing more.
		if _, err := r.ReadByte(); err != io.EOF {
			if err == nil {
				return nil, fmt.Errorf("IDX file holds more data than its header says (%s = %d bytes)", dimString(dims, 0), n)
			}
			return nil, fmt.Errorf("gzip: %v", err)
		}
	}
	count := dims[0]
	if !all {
		dims[0] = how.limit
	}
	return &idx{dims: dims, count: count, data: data}, nil
}

// readData reads n > 0 bytes from r into a buffer that grows with what
// arrives (doubling, up to n), so that a header's claim alone allocates
// little, and what is allocated never exceeds n. If r ends early, it
// returns the bytes read and io.EOF; another error of r is returned as is.
func readData(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, min(n, 1<<20))
	got := 0
	for int64(got) < n {
		if got == len(buf) {
			next := make([]byte, min(n, 2*int64(len(buf))))
			copy(next, buf)
			buf = next
		}
		k, err := r.Read(buf[got:])
		got += k
		if err != nil && !(err == io.EOF && int64(got) == n) {
			return buf[:got], err
		}
	}
	return buf, nil
}

// short describes a short read of a header field.
func short(err error, field string) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the file ends before " + field
	}
	return err.Error()
}

func dimString(dims []int, next uint32) string {
	var b bytes.Buffer
	for i, d := range dims {
		if i > 0 {
			b.WriteByte('x')
		}
		fmt.Fprint(&b, d)
	}
	if next != 0 {
		if len(dims) > 0 {
			b.WriteByte('x')
		}
		fmt.Fprint(&b, next)
	}
	return b.String()
}

func idxType(t byte) string {
	switch t {
	case 0x09:
		return "signed byte"
	case 0x0B:
		return "short"
	case 0x0C:
		return "int"
	case 0x0D:
		return "float"
	case 0x0E:
		return "double"
	}
	return "unknown"
}
