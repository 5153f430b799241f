package ir

import (
	"errors"
	"fmt"
	"slices"
)

// MaxReported bounds the problems [Validate] lists; the rest are counted.
const MaxReported = 20

// Validate checks that n is well formed: every value is produced once,
// before it is read, by the op that says so; trunk ops read no head
// values; names are unique; every op is of a known kind, has its kind's
// attributes with allowed values ([CheckAttrs]) and its number of inputs,
// its output has the shape its kind gives ([Infer]) and its weights are
// the ones its kind needs ([Weights]: roles, shapes, fan-in); the outputs
// and heads exist. A network from the checker always passes; a failure is
// a checker bug or a hand-built network's mistake. Problems are reported
// joined, each on one line naming the op and its spec position, at most
// [MaxReported] of them and then how many more there are.
func Validate(n *Network) error {
	if n == nil {
		return errors.New("ir: nil network")
	}
	nv := len(n.Values)
	if nv == 0 {
		return errors.New("ir: network has no values")
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("ir: "+format, args...)) }
	positive := func(s Shape) bool { return s.C > 0 && s.H > 0 && s.W > 0 }
	for id, v := range n.Values {
		if v.ID != id {
			add("value %d has ID %d", id, v.ID)
		}
		if id > 0 && (v.Producer < 0 || v.Producer >= len(n.Ops) || n.Ops[v.Producer].Out != id) {
			add("value %d: producer %d does not produce it", id, v.Producer)
		}
		if !positive(v.Shape) {
			add("value %d has shape %v, want positive dimensions", id, v.Shape)
		}
	}
	if v := n.Values[0]; v.Shape != n.Input || v.Producer != -1 {
		add("value 0 is %v from op %d, want the input %v", v.Shape, v.Producer, n.Input)
	}
	names := map[string]int{}
	for i := range n.Ops {
		op := &n.Ops[i]
		bad := func(format string, args ...any) {
			where := op.Name
			if op.Src.Line > 0 {
				where += " (" + op.Src.String() + ")"
			}
			add("op %s: "+format, append([]any{where}, args...)...)
		}
		if j, dup := names[op.Name]; dup {
			bad("name used by op %d too", j)
		}
		names[op.Name] = i
		if op.Out <= 0 || op.Out >= nv || n.Values[op.Out].Producer != i {
			bad("output value %d is not produced by this op", op.Out)
			continue
		}
		ok := true
		for _, in := range op.In {
			switch {
			case in < 0 || in >= nv:
				bad("input value %d does not exist", in)
				ok = false
			case in != 0 && n.Values[in].Producer < 0:
				bad("input value %d has no producer", in)
				ok = false
			case n.Values[in].Producer >= i:
				bad("input value %d is produced by a later op", in)
				ok = false
			case op.Head == "" && in != 0 && n.Ops[n.Values[in].Producer].Head != "":
				bad("trunk op reads value %d of head %s", in, n.Ops[n.Values[in].Producer].Head)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if aerrs := CheckAttrs(op); len(aerrs) > 0 {
			for _, e := range aerrs {
				bad("%v", e)
			}
			continue
		}
		in := n.InputShapes(op)
		want, err := Infer(op, in)
		if err != nil {
			bad("%v", err)
			continue
		}
		if got := n.Shape(op.Out); got != want {
			bad("output shape %v, want %v", got, want)
		}
		if err := checkParams(op, Weights(op, in)); err != nil {
			bad("%v", err)
		}
	}
	if n.Output <= 0 && len(n.Ops) > 0 || n.Output < 0 || n.Output >= nv {
		add("output value %d does not exist", n.Output)
	} else if p := n.Values[n.Output].Producer; p >= 0 && n.Ops[p].Head != "" {
		add("output value %d is produced by head %s", n.Output, n.Ops[p].Head)
	}
	heads := map[string]bool{}
	for _, h := range n.Heads {
		if heads[h.Name] {
			add("head %s declared twice", h.Name)
		}
		heads[h.Name] = true
		if h.At < 0 || h.At >= nv {
			add("head %s: attachment value %d does not exist", h.Name, h.At)
		}
		if h.Output <= 0 || h.Output >= nv || n.Values[h.Output].Producer < 0 || n.Ops[n.Values[h.Output].Producer].Head != h.Name {
			add("head %s: output value %d is not produced by the head", h.Name, h.Output)
		}
	}
	if len(errs) > MaxReported {
		more := len(errs) - MaxReported
		errs = append(errs[:MaxReported], fmt.Errorf("ir: and %d more problems", more))
	}
	return errors.Join(errs...)
}

// checkParams compares an op's weights with what its kind needs. The fan-in
// is compared where the initializer uses it.
func checkParams(op *Op, want []WeightSpec) error {
	if len(op.Params) != len(want) {
		return fmt.Errorf("%d weight tensors, want %d", len(op.Params), len(want))
	}
	for i, p := range op.Params {
		w := want[i]
		if p.Role != w.Role || !slices.Equal(p.Shape, w.Shape) {
			return fmt.Errorf("weight %s: role %d shape %v, want role %d shape %v", p.Name, p.Role, p.Shape, w.Role, w.Shape)
		}
		if w.Init == InitWeight && p.FanIn != w.FanIn {
			return fmt.Errorf("weight %s: fan-in %d, want %d", p.Name, p.FanIn, w.FanIn)
		}
	}
	return nil
}
