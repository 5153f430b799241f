package serve

import (
	"errors"
	"fmt"

	"github.com/inccdev/incc/runtime/preproc"
)

// Net is what the server uses of a generated network: the methods of a
// generated package's Net (runtime/modelcli's Net is this type). One Net runs
// one batch at a time.
type Net interface {
	Infer(dst, src []float32, n int) error
	InferHeads(dst, src []float32, n int, heads [][]float32) error
	Close()
}

// Head is a side head the network runs (a binary built with --heads).
type Head struct {
	Name  string
	Shape [3]int // one image's output, C×H×W
}

// Model describes the network the server serves.
type Model struct {
	// Name is the model's name in the protocol's paths and messages.
	Name string
	// Input and Output are the shapes of one image's input and output.
	Input, Output [3]int
	// Heads are the side heads the network runs, if any; each is an output
	// named after the head.
	Heads []Head
	// Preprocess turns an encoded image (the BYTES input "image") into
	// the input, exactly as the model binary's classify does; its Memory
	// budget, if set, bounds the images being decoded at once.
	Preprocess preproc.Config
	// Labels names the classes, for the classification extension and the
	// page; nil if none.
	Labels []string
	// Softmax says the output already is a probability distribution; the
	// page otherwise shows the softmax of the scores.
	Softmax bool
	// Net runs the network.
	Net Net
}

// Tensor names of the protocol's model metadata.
const (
	inputName  = "input" // FP32 [-1, C, H, W]
	imageName  = "image" // BYTES [-1]: encoded images
	outputName = "output"
)

// The protocol's datatypes the server uses.
const (
	typeFP32  = "FP32"
	typeBytes = "BYTES"
)

// output is one of the model's outputs: the network's, or a side head's.
type output struct {
	name string
	len  int // values per image
}

func (m *Model) inLen() int { return m.Input[0] * m.Input[1] * m.Input[2] }

// outputs lists the model's outputs: "output", then the heads in order.
func (m *Model) outputs() []output {
	outs := []output{{outputName, m.Output[0] * m.Output[1] * m.Output[2]}}
	for _, h := range m.Heads {
		outs = append(outs, output{h.Name, h.Shape[0] * h.Shape[1] * h.Shape[2]})
	}
	return outs
}

// label returns the name of class i, "" if there is none.
func (m *Model) label(i int) string {
	if i < len(m.Labels) {
		return m.Labels[i]
	}
	return ""
}

func (m *Model) validate() error {
	switch {
	case m.Name == "":
		return errors.New("serve: the model has no name")
	case m.Net == nil:
		return errors.New("serve: the model has no network")
	case m.inLen() <= 0 || m.Output[0]*m.Output[1]*m.Output[2] <= 0:
		return fmt.Errorf("serve: bad shapes: input %v, output %v", m.Input, m.Output)
	}
	seen := map[string]bool{inputName: true, imageName: true, outputName: true}
	for _, h := range m.Heads {
		if seen[h.Name] || h.Shape[0]*h.Shape[1]*h.Shape[2] <= 0 {
			return fmt.Errorf("serve: bad head %q %v", h.Name, h.Shape)
		}
		seen[h.Name] = true
	}
	return nil
}
