package numfmt

import (
	"math"
	"testing"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 123456: "123,456", 1582671872: "1,582,671,872",
		-1: "-1", -1000: "-1,000", -123456789: "-123,456,789",
		math.MaxInt64: "9,223,372,036,854,775,807", math.MinInt64: "-9,223,372,036,854,775,808",
	} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Thousands(int(-4096)); got != "-4,096" {
		t.Errorf("Thousands(int) = %q", got)
	}
	if got := Group("1237940039285380274899124224"); got != "1,237,940,039,285,380,274,899,124,224" {
		t.Errorf("Group = %q", got)
	}
}
