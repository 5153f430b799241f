package googlenet_torchvision_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/inccdev/incc/generated/googlenet_torchvision"
	rt "github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/labels"
)

// ExampleNew loads torchvision's GoogLeNet weights (converted to
// safetensors by tools/convert_torchvision.py) and classifies one image,
// already resized, cropped and normalised to 3×224×224.
func ExampleNew() {
	net, err := googlenet_torchvision.Load("googlenet.safetensors", googlenet_torchvision.Options{Threads: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	img := make([]float32, googlenet_torchvision.InputLen) // one image, C×H×W
	logits := make([]float32, googlenet_torchvision.OutputLen)
	if err := net.Infer(logits, img, 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println("class", slices.Index(logits, slices.Max(logits)))
}

// ExampleNewSeeded runs the network with the deterministic seeded weights
// (the ones the parity tests check against PyTorch) on the seeded input.
func ExampleNewSeeded() {
	net, err := googlenet_torchvision.NewSeeded(1, googlenet_torchvision.Options{Threads: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	img := rt.SeededInput(1, 1, 3, 224, 224)
	logits := make([]float32, googlenet_torchvision.OutputLen)
	if err := net.Infer(logits, img.Data, 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println("top-3 classes:", labels.TopK(logits, 3))
	// Output: top-3 classes: [986 251 692]
}
