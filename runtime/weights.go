package runtime

import (
	"errors"
	"fmt"
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

// Spec is a weight tensor a network expects: its name and shape.
type Spec struct {
	Name  string
	Shape []int
}

// IsBatchesTracked reports whether name is a PyTorch batch norm
// "num_batches_tracked" counter, which inference ignores. Pass it (or a
// function that calls it) as Check's optional argument.
func IsBatchesTracked(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// Check validates w against the tensors a network expects. Every tensor in
// want must be present with that shape and the matching number of values;
// a tensor of w that is not in want is an error unless optional reports
// true for its name (optional may be nil). Optional tensors are not checked
// further: they belong to parts that do not run.
//
// All problems are reported, joined with [errors.Join], each naming the
// tensor: "runtime: weights: conv1.weight: shape [64 3 3 3], want [64 3 7 7]".
func Check(w Weights, want []Spec, optional func(name string) bool) error {
	var errs []error
	wanted := make(map[string]bool, len(want))
	for _, s := range want {
		wanted[s.Name] = true
		t, ok := w[s.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("runtime: weights: %s: missing, want shape %v", s.Name, s.Shape))
		case !SameShape(t.Shape, s.Shape):
			errs = append(errs, fmt.Errorf("runtime: weights: %s: shape %v, want %v", s.Name, t.Shape, s.Shape))
		case len(t.Data) != t.Len():
			errs = append(errs, fmt.Errorf("runtime: weights: %s: got %d values, want %d for shape %v", s.Name, len(t.Data), t.Len(), t.Shape))
		}
	}
	for _, name := range w.Names() {
		if wanted[name] || optional != nil && optional(name) {
			continue
		}
		errs = append(errs, fmt.Errorf("runtime: weights: %s: unexpected tensor (shape %v), the network has no such weight", name, w[name].Shape))
	}
	return errors.Join(errs...)
}
