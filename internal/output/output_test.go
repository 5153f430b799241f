package output

import (
	"errors"
	"strings"
	"testing"
)

type failAfter struct{ n int }

var errFull = errors.New("no space left on device")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errFull
	}
	return len(p), nil
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := New(&b)
	if _, err := w.Write([]byte("ok")); err != nil || w.Err() != nil || b.String() != "ok" {
		t.Fatalf("%v %v %q", err, w.Err(), b.String())
	}
	f := New(&failAfter{1})
	f.Write([]byte("a"))
	if _, err := f.Write([]byte("b")); err != errFull || f.Err() != errFull {
		t.Errorf("second write: %v, Err %v", err, f.Err())
	}
	if n, err := f.Write([]byte("c")); n != 0 || err != errFull {
		t.Errorf("after a failure: %d, %v", n, err)
	}
}
