package geom_test

import (
	"fmt"

	"github.com/inccdev/incc/internal/geom"
)

// GoogLeNet's stem: pooling with ceil rounding keeps 112 → 56 → 28 → 14 → 7,
// where floor rounding would give 55 after the first pool.
func ExampleOut() {
	for _, h := range []int{112, 56, 28, 14} {
		fmt.Print(geom.Out(h, 3, 2, 0, 0, true), " ")
	}
	fmt.Println(geom.Out(112, 3, 2, 0, 0, false))
	// Output: 56 28 14 7 55
}
