package googlenet_torchvision_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/inccdev/incc/generated/googlenet_torchvision"
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
