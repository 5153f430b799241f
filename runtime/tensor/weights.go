package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Weights maps a weight tensor's full name ("inception3a.branch1.conv.weight")
// to its values.
type Weights map[string]Tensor

// Names returns the tensor names in sorted order.
func (w Weights) Names() []string {
	names := make([]string, 0, len(w))
	for n := range w {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Spec is a weight tensor a network expects: its name and shape, and
// whether its values must not be negative (a batch norm's running
// variance, whose square root the network takes).
type Spec struct {
	Name        string
	Shape       []int
	NonNegative bool
}

// IsBatchesTracked reports whether name is a PyTorch batch norm
// "num_batches_tracked" counter, which inference ignores. Pass it (or a
// function that calls it) as Check's optional argument.
func IsBatchesTracked(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// Check validates w against the tensors a network expects. Every tensor in
// want must be present with that shape and the matching number of values,
// every value finite (no NaN or ±Inf: the network's outputs would be NaN
// or meaningless) and, for a NonNegative spec, not negative; a tensor of w
// that is not in want is an error unless optional reports true for its
// name (optional may be nil). Optional tensors are not checked further:
// they belong to parts that do not run.
//
// All problems are reported, joined with [errors.Join], each naming the
// tensor: "runtime: weights: conv1.weight: shape [64 3 3 3], want [64 3 7 7]".
func Check(w Weights, want []Spec, optional func(name string) bool) error {
	var p problems
	wanted := make(map[string]bool, len(want))
	for _, s := range want {
		wanted[s.Name] = true
		t, ok := w[s.Name]
		switch {
		case !ok:
			p.add(errMissingTensor(s))
		case !SameShape(t.Shape, s.Shape):
			p.add(errTensorShape(s, t.Shape))
		case len(t.Data) != t.Len():
			p.add(fmt.Errorf("runtime: weights: %s: got %d values, want %d for shape %v", s.Name, len(t.Data), t.Len(), t.Shape))
		default:
			p.add(checkValues(s, t.Data)...)
		}
	}
	for _, name := range w.Names() {
		switch {
		case wanted[name] || optional != nil && optional(name):
		case p.full():
			p.more++
		default:
			p.add(errUnexpectedTensor(name, w[name].Shape))
		}
	}
	return p.err()
}

// CheckRequired validates w against a network's weight manifest: the
// tensors want[:required] must be present with their shapes; those of
// want[required:] (parts that do not run, such as side heads) and PyTorch's
// num_batches_tracked counters are optional and ignored; any other tensor
// is an error. See [Check].
func CheckRequired(w Weights, want []Spec, required int) error {
	if required < 0 || required > len(want) {
		return fmt.Errorf("runtime: weights: %d required of %d tensors", required, len(want))
	}
	optional := make(map[string]bool, len(want)-required)
	for _, s := range want[required:] {
		optional[s.Name] = true
	}
	return Check(w, want[:required], func(name string) bool { return optional[name] || IsBatchesTracked(name) })
}

// The problems Check and ReadWeights report.
func errMissingTensor(s Spec) error {
	return fmt.Errorf("runtime: weights: %s: missing, want shape %v", s.Name, s.Shape)
}

func errTensorShape(s Spec, got []int) error {
	return fmt.Errorf("runtime: weights: %s: shape %v, want %v", s.Name, got, s.Shape)
}

func errUnexpectedTensor(name string, shape []int) error {
	return fmt.Errorf("runtime: weights: %s: unexpected tensor (shape %v), the network has no such weight", name, shape)
}

// ErrWeights is what the errors of [Check], [CheckRequired] and
// [ReadWeights] about weights that do not fit a network (missing, of
// another shape, unexpected, not finite) match with errors.Is; their
// Unwrap() []error lists the problems, one per tensor.
var ErrWeights = errors.New("runtime: weights do not fit the network")

// weightErrors is a list of problems with weights.
type weightErrors []error

func (e weightErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "\n")
}

func (e weightErrors) Unwrap() []error      { return e }
func (e weightErrors) Is(target error) bool { return target == ErrWeights }

// maxProblems is how many problems an error about weights lists; the
// others are counted ("and 12 more"), so that a file of a million wrong
// tensors gives a short message, not a hundred megabytes of them.
const maxProblems = 20

// problems collects the problems found with weights.
type problems struct {
	list []error
	more int // found beyond maxProblems
}

// add records errs, listing up to maxProblems.
func (p *problems) add(errs ...error) {
	for _, err := range errs {
		if p.full() {
			p.more++
		} else {
			p.list = append(p.list, err)
		}
	}
}

// full reports whether no more problems are listed, only counted (a
// caller may count without making the error).
func (p *problems) full() bool { return len(p.list) >= maxProblems }

// err returns the problems as one error (nil if none), the last line
// counting those not listed.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	list := p.list
	if p.more > 0 {
		list = append(list, fmt.Errorf("runtime: weights: and %d more problems", p.more))
	}
	return weightErrors(list)
}

// checkValues checks that the values of the tensor of s are finite and,
// if s says so, not negative; each error names the tensor, counts the bad
// values and shows the first with its coordinates.
func checkValues(s Spec, data []float32) []error {
	if !s.NonNegative && allFinite(data) {
		return nil // the common case, at memory speed
	}
	var nonFinite, negative, firstNF, firstNeg int
	for i, v := range data {
		switch {
		case math.IsNaN(float64(v)) || math.IsInf(float64(v), 0):
			if nonFinite == 0 {
				firstNF = i
			}
			nonFinite++
		case s.NonNegative && v < 0:
			if negative == 0 {
				firstNeg = i
			}
			negative++
		}
	}
	var errs []error
	report := func(n, first int, what, why string) {
		v, at := data[first], index(s.Shape, first)
		if n == 1 {
			errs = append(errs, fmt.Errorf("runtime: weights: %s: value %v at %v is %s%s", s.Name, v, at, what, why))
		} else {
			errs = append(errs, fmt.Errorf("runtime: weights: %s: %d values are %s, the first %v at %v%s", s.Name, n, what, v, at, why))
		}
	}
	if nonFinite > 0 {
		report(nonFinite, firstNF, "not finite", "")
	}
	if negative > 0 {
		report(negative, firstNeg, "negative", " (a variance cannot be negative)")
	}
	return errs
}

// index renders the flat index i of a tensor of the given shape as
// coordinates, [2 0 1 1].
func index(shape []int, i int) []int {
	c := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			c[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return c
}

// allFinite reports whether no value of data is NaN or ±Inf (exponent bits
// all ones), 8 values a step.
func allFinite(data []float32) bool {
	const exp = 0x7f800000
	i := 0
	for ; i+8 <= len(data); i += 8 {
		d := (*[8]float32)(data[i:])
		if math.Float32bits(d[0])&exp == exp || math.Float32bits(d[1])&exp == exp ||
			math.Float32bits(d[2])&exp == exp || math.Float32bits(d[3])&exp == exp ||
			math.Float32bits(d[4])&exp == exp || math.Float32bits(d[5])&exp == exp ||
			math.Float32bits(d[6])&exp == exp || math.Float32bits(d[7])&exp == exp {
			return false
		}
	}
	for _, v := range data[i:] {
		if math.Float32bits(v)&exp == exp {
			return false
		}
	}
	return true
}
