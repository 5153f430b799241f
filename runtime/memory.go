package runtime

import (
	"fmt"
	"math"
	"runtime/debug"
)

// defaultMemory is what [MemoryLimit] assumes where it cannot read the
// machine's memory (not Linux) and GOMEMLIMIT is not set.
const defaultMemory = 8 << 30

// MemoryLimit returns the memory this process can use at most, in bytes,
// for refusing work that cannot fit before allocating for it: on Linux the
// physical memory, or the memory cgroup's limit if smaller; elsewhere 8
// GiB; in any case no more than the Go runtime's soft limit if one is set
// (GOMEMLIMIT or debug.SetMemoryLimit). It is an upper bound, not what is
// free now: a run it allows may still find the memory taken by others.
func MemoryLimit() int64 {
	limit := systemMemory()
	if limit <= 0 {
		limit = defaultMemory
	}
	return min(limit, debug.SetMemoryLimit(-1))
}

// FormatBytes renders n bytes for people: "512 bytes", "1.5 MB", "3.2 GB"
// (powers of 1000).
func FormatBytes(n int64) string {
	switch f := float64(n); {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case f < 1e6:
		return fmt.Sprintf("%.1f kB", f/1e3)
	case f < 1e9:
		return fmt.Sprintf("%.1f MB", f/1e6)
	case f < 1e12:
		return fmt.Sprintf("%.1f GB", f/1e9)
	default:
		return fmt.Sprintf("%.3g TB", f/1e12)
	}
}

// MulBytes returns a·b, saturating at math.MaxInt64 instead of
// overflowing (a, b ≥ 0): for memory estimates of sizes a user chose.
func MulBytes(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// AddBytes returns a+b, saturating at math.MaxInt64 (a, b ≥ 0).
func AddBytes(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
