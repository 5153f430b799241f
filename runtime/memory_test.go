package runtime

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
