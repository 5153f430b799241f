package googlenet_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/inccdev/incc/generated/googlenet"
)

// ExampleNew loads Caffe GoogLeNet weights (converted to
// safetensors with the spec's names) and classifies one image,
// already resized, cropped and normalised to 3×224×224.
func ExampleNew() {
	net, err := googlenet.Load("googlenet.safetensors", googlenet.Options{Threads: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	img := make([]float32, googlenet.InputLen) // one image, C×H×W
	probs := make([]float32, googlenet.OutputLen)
	if err := net.Infer(probs, img, 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println("class", slices.Index(probs, slices.Max(probs)))
}
