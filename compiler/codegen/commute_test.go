package codegen_test

import (
	"fmt"
	"testing"

	"github.com/inccdev/incc/compiler/codegen"
)

// TestCommutePools: an average pool moves after the 1×1 convolution it
// alone feeds only when that is exact and cheaper: stride 1, output the
// input's size, a convolution 1×1, stride 1, one group, without bias, with
// fewer output channels, and nothing else reading the pool's output. (The
// numbers are checked by TestDifferential and TestParityNetworks.)
func TestCommutePools(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{"avgpool 3x3 stride 1 pad 1; conv 1x1 4 nobias", 1},
		{"avgpool 3x3 stride 1 pad 1 excludepad; conv 1x1 4 nobias; batchnorm relu", 1},
		{"concat { { avgpool 3x3 stride 1 pad 1; conv 1x1 4 nobias relu }; conv 1x1 2 }", 1},
		{"avgpool 3x3 stride 1 pad 1; conv 1x1 4", 0},                       // bias
		{"avgpool 3x3 stride 1 pad 1; conv 1x1 8 nobias", 0},                // as many channels
		{"avgpool 3x3 stride 2 pad 1; conv 1x1 4 nobias", 0},                // stride 2
		{"avgpool 3x3 stride 1; conv 1x1 4 nobias", 0},                      // smaller output
		{"avgpool 3x3 stride 1 pad 1; conv 3x3 4 pad 1 nobias", 0},          // not 1×1
		{"avgpool 3x3 stride 1 pad 1; conv 1x1 4 nobias groups 4", 0},       // groups
		{"maxpool 3x3 stride 1 pad 1; conv 1x1 4 nobias", 0},                // not linear
		{"avgpool 3x3 stride 1 pad 1; concat { conv 1x1 4 nobias; {} }", 0}, // read twice
	} {
		src := fmt.Sprintf("network t {\n    input 8x9x9\n    %s\n}\n", tc.body)
		net, err := check("t.inc", src)
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		f, err := codegen.PlanFeatures(net)
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		if got := f["average pool after its 1x1 convolution"]; got != tc.want {
			t.Errorf("%s: %d pools moved, want %d", tc.body, got, tc.want)
		}
	}
}
