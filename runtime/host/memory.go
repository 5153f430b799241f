package host

import (
	"fmt"
	"math"
	"runtime/debug"

	"github.com/inccdev/incc/internal/numfmt"
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
	case f < 1e15:
		return fmt.Sprintf("%.1f TB", f/1e12)
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

// MemoryLimitSource says in words where [MemoryLimit] comes from, for
// messages.
const MemoryLimitSource = "the machine's memory or the memory cgroup's limit, or GOMEMLIMIT if lower"

// MaxThreads bounds the threads a command line accepts: more threads than
// CPUs only slow a run down (each is a goroutine that the others wait
// for), and far more make it crawl.
const MaxThreads = 1024

// MemoryClaim is memory that a setting asks for: N units (images,
// threads) of Bytes each. Flag names the setting in errors ("--batch").
type MemoryClaim struct {
	Flag  string
	N     int64
	Bytes int64
	Unit  string // what one unit is, "an image"
}

// FitMemory returns nil if fixed bytes and the claims fit [MemoryLimit];
// otherwise an error naming the claim that asks for the most memory, what
// it needs, and the most its setting can be with the others as they are,
// such as "--batch 100000000 needs about 60.2 TB of memory (602.1 kB an
// image); at most 41,970 fit the 25.3 GB this process can use".
func FitMemory(fixed int64, claims ...MemoryClaim) error {
	limit := MemoryLimit()
	total, big := fixed, -1
	for i, c := range claims {
		b := MulBytes(c.N, c.Bytes)
		total = AddBytes(total, b)
		if big < 0 || b > MulBytes(claims[big].N, claims[big].Bytes) {
			big = i
		}
	}
	if total <= limit {
		return nil
	}
	if big < 0 || claims[big].Bytes == 0 {
		return fmt.Errorf("needs about %s of memory, more than the %s this process can use", FormatBytes(total), FormatBytes(limit))
	}
	c := claims[big]
	others := fixed
	for i, o := range claims {
		if i != big {
			others = AddBytes(others, MulBytes(o.N, o.Bytes))
		}
	}
	most := int64(0)
	if others < limit {
		most = (limit - others) / c.Bytes
	}
	return fmt.Errorf("%s %d needs about %s of memory (%s %s); at most %s fit the %s this process can use",
		c.Flag, c.N, FormatBytes(total), FormatBytes(c.Bytes), c.Unit, numfmt.Thousands(most), FormatBytes(limit))
}
