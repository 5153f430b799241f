package tensor_test

import (
	"fmt"

	"github.com/inccdev/incc/runtime/tensor"
)

func ExampleCheck() {
	w := tensor.Weights{
		"conv1.weight":                 tensor.New(64, 3, 3, 3),
		"conv1.bn.num_batches_tracked": tensor.New(),
	}
	want := []tensor.Spec{
		{Name: "conv1.weight", Shape: []int{64, 3, 7, 7}},
		{Name: "conv1.bn.weight", Shape: []int{64}},
	}
	fmt.Println(tensor.Check(w, want, tensor.IsBatchesTracked))
	// Output:
	// runtime: weights: conv1.weight: shape [64 3 3 3], want [64 3 7 7]
	// runtime: weights: conv1.bn.weight: missing, want shape [64]
}
