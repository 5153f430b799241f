package onnx

import (
	"sort"

	"github.com/inccdev/incc/compiler/onnx/onnxpb"
)

// attrs are a node's attributes by name.
type attrs map[string]*onnxpb.AttributeProto

func attrsOf(np *onnxpb.NodeProto) attrs {
	a := attrs{}
	for _, at := range np.Attribute {
		a[at.GetName()] = at
	}
	return a
}

func (a attrs) has(name string) bool { _, ok := a[name]; return ok }

func (a attrs) int(name string, def int64) int64 {
	if at, ok := a[name]; ok {
		return at.GetI()
	}
	return def
}

func (a attrs) ints(name string) []int64 {
	if at, ok := a[name]; ok {
		return at.Ints
	}
	return nil
}

func (a attrs) float(name string, def float32) float32 {
	if at, ok := a[name]; ok {
		return at.GetF()
	}
	return def
}

func (a attrs) floats(name string) []float32 {
	if at, ok := a[name]; ok {
		return at.Floats
	}
	return nil
}

func (a attrs) str(name, def string) string {
	if at, ok := a[name]; ok {
		return string(at.GetS())
	}
	return def
}

// names lists the attributes present, for messages.
func (a attrs) names() []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// intAttr makes an INT attribute.
func intAttr(name string, v int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INT
	return &onnxpb.AttributeProto{Name: &name, Type: &t, I: &v}
}
