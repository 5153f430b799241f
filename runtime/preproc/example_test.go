package preproc_test

import (
	"fmt"
	"image"
	"image/color"

	"github.com/inccdev/incc/runtime/preproc"
)

// The preprocessing of specs/googlenet_torchvision.inc, as generated code
// declares it.
func ExampleConfig_Load() {
	cfg := preproc.Config{
		Channels: 3, Height: 224, Width: 224,
		Resize: 256, CropH: 224, CropW: 224,
		Mean: []float64{0.485, 0.456, 0.406},
		Std:  []float64{0.229, 0.224, 0.225},
	}
	input := make([]float32, cfg.Len())
	err := cfg.Load("testdata/img/big_480x360.png", input)
	fmt.Println(err, len(input))
	err = cfg.Load("testdata/cases.json", input)
	fmt.Println(err)
	// Output:
	// <nil> 150528
	// preproc: testdata/cases.json: unsupported image format (want JPEG, PNG, GIF, BMP, TIFF or WebP)
}

// Caffe's GoogLeNet (specs/googlenet.inc): BGR pixels in 0..255 minus the
// per-channel mean. A pure red image of the input size needs no resize.
func ExampleConfig_Tensor() {
	cfg := preproc.Config{
		Channels: 3, Height: 2, Width: 2,
		Scale: 255, Order: "bgr",
		Mean: []float64{104, 117, 123},
	}
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		img.Set(i%2, i/2, color.RGBA{255, 0, 0, 255})
	}
	input := make([]float32, cfg.Len())
	if err := cfg.Tensor(input, img); err != nil {
		panic(err)
	}
	fmt.Println(input)
	// Output: [-104 -104 -104 -104 -117 -117 -117 -117 132 132 132 132]
}
