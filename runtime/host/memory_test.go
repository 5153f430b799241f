package host

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestMemoryLimit: the limit is positive, no more than GOMEMLIMIT when one
// is set, and on Linux no more than the physical memory.
func TestMemoryLimit(t *testing.T) {
	m := MemoryLimit()
	if m <= 0 {
		t.Fatalf("MemoryLimit() = %d", m)
	}
	old := debug.SetMemoryLimit(m / 2)
	defer debug.SetMemoryLimit(old)
	if got := MemoryLimit(); got != m/2 {
		t.Errorf("with GOMEMLIMIT %d: MemoryLimit() = %d", m/2, got)
	}
	t.Logf("memory limit %s", FormatBytes(m))
}

func TestBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 bytes"}, {999, "999 bytes"}, {1500, "1.5 kB"}, {2_500_000, "2.5 MB"}, {9_400_000_000, "9.4 GB"}, {math.MaxInt64, "9.22e+06 TB"}} {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if MulBytes(1<<40, 1<<40) != math.MaxInt64 || MulBytes(3, 4) != 12 || MulBytes(0, math.MaxInt64) != 0 {
		t.Error("MulBytes")
	}
	if AddBytes(math.MaxInt64, 1) != math.MaxInt64 || AddBytes(2, 3) != 5 {
		t.Error("AddBytes")
	}
}

func TestFitMemory(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1_000_000_000))
	if err := FitMemory(100, MemoryClaim{"--batch", 10, 1000, "an image"}); err != nil {
		t.Errorf("fits: %v", err)
	}
	for _, tt := range []struct {
		fixed  int64
		claims []MemoryClaim
		want   string
	}{
		{100_000_000, []MemoryClaim{{"--batch", 1e8, 600_000, "an image"}, {"--threads", 4, 1e6, "a thread"}},
			"--batch 100000000 needs about 60.0 TB of memory (600.0 kB an image); at most 1,493 fit the 1.0 GB this process can use"},
		{0, []MemoryClaim{{"--batch", 1, 600_000, "an image"}, {"--threads", 1e5, 1e6, "a thread"}},
			"--threads 100000 needs about 100.0 GB of memory (1.0 MB a thread); at most 999 fit the 1.0 GB this process can use"},
		{2e9, []MemoryClaim{{"--batch", 1, 600, "an image"}},
			"--batch 1 needs about 2.0 GB of memory (600 bytes an image); at most 0 fit the 1.0 GB this process can use"},
		{0, []MemoryClaim{{"--iters", math.MaxInt64, 8, "a latency"}},
			"--iters 9223372036854775807 needs about 9.22e+06 TB of memory (8 bytes a latency); at most 125,000,000 fit the 1.0 GB this process can use"},
	} {
		if err := FitMemory(tt.fixed, tt.claims...); err == nil || err.Error() != tt.want {
			t.Errorf("%v: %v\nwant %s", tt.claims, err, tt.want)
		}
	}
}
