//go:build !linux

package gemm

import "time"

var t0 = time.Now()

// threadCPU falls back to wall time.
func threadCPU() float64 { return time.Since(t0).Seconds() }
