// Package output remembers whether a program's output could be written:
// a program whose standard output is a full disk (/dev/full) must not
// report success. It imports only the standard library: model binaries
// link it.
package output

import "io"

// Writer passes writes to an io.Writer until one fails, then fails them
// all with that error, which Err returns.
type Writer struct {
	w   io.Writer
	err error
}

// New returns a Writer writing to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

func (o *Writer) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Err is the error of the first write that failed, or nil.
func (o *Writer) Err() error { return o.err }
