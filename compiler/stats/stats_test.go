package stats_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/stats"
	"github.com/inccdev/incc/internal/testspec"
)

// overflowSpec adds 2048 convolutions of 2^52 multiply-accumulates each:
// 2^63 in all, one more than an int64 holds. Each reads 4096x64x64 with a
// 256x256 kernel (2^28 weights, the most a layer may have) into
// 1x4096x4096 (2^24 values, the most a tensor may have).
var overflowSpec = "network macs {\n    input 4096x64x64\n    all: add {\n" +
	strings.Repeat("        conv 256x256 1 pad (2144, 2144, 2143, 2143) nobias\n", 2048) + "    }\n}\n"

// TestOverflow: a spec that checks can cost more multiply-accumulates than
// an int64 holds. Every format prints the exact total, never a wrapped
// negative one.
func TestOverflow(t *testing.T) {
	net := testspec.Check(t, "overflow.inc", []byte(overflowSpec))
	r := stats.Compute(net, false)
	want := new(big.Int).Lsh(big.NewInt(1), 63) // 2048 · 2^52
	if r.Totals.MACs.Cmp(want) != 0 {
		t.Errorf("total MACs %v, want %v", r.Totals.MACs, want)
	}
	for format, text := range map[string]string{
		"table":    "9,223,372,036,854,775,808",
		"markdown": "**9,223,372,036,854,775,808**",
		"csv":      ",9223372036854775808,",
	} {
		var b bytes.Buffer
		if err := stats.Write(&b, r, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), text) || strings.Contains(b.String(), "-9") {
			t.Errorf("%s: want the total %s, got\n%s", format, text, b.String())
		}
	}
	var b bytes.Buffer
	if err := stats.Write(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Totals struct{ MACs json.Number }
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil || got.Totals.MACs.String() != want.String() {
		t.Errorf("json: total %s (%v), want %v", got.Totals.MACs, err, want)
	}
}
