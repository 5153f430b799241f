package modelcli

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzIDX: any input, read whole or only its first records (--limit),
// either fails with an error or yields data that matches the dimensions,
// with no more records than the header announces and, with a limit, no
// more than the limit. Seeds: testdata/fuzz/FuzzIDX and the files below.
func FuzzIDX(f *testing.F) {
	imgs, labels := digits(3)
	f.Add(idxFile([]uint32{3, 8, 8}, imgs), uint16(0))
	f.Add(gz(idxFile([]uint32{3, 8, 8}, imgs)), uint16(2))
	f.Add(idxFile([]uint32{3}, labels), uint16(1))
	f.Add(gz(idxFile([]uint32{3}, labels)), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		for _, ndims := range []int{1, 3} {
			x, err := decodeIDX(bufio.NewReader(bytes.NewReader(data)), int64(len(data)), idxRead{ndims: ndims, limit: int(limit)})
			if err != nil {
				continue
			}
			n := 1
			for _, d := range x.dims {
				if d < 1 {
					t.Fatalf("dimensions %v", x.dims)
				}
				n *= d
			}
			switch {
			case len(x.dims) != ndims || len(x.data) != n:
				t.Fatalf("%d bytes for dimensions %v (idx%d)", len(x.data), x.dims, ndims)
			case x.dims[0] > x.count:
				t.Fatalf("%d records read of the %d announced", x.dims[0], x.count)
			case limit > 0 && x.dims[0] != min(int(limit), x.count):
				t.Fatalf("limit %d: %d records read of %d", limit, x.dims[0], x.count)
			case limit == 0 && x.dims[0] != x.count:
				t.Fatalf("no limit: %d records read of %d", x.dims[0], x.count)
			}
		}
	})
}
