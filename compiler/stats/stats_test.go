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

// TestOverflow: a spec that checks can cost more multiply-accumulates than
// an int64 holds (testdata/overflow.inc: 2048 layers of 2^52, 2^63 in all).
// Every format prints the exact total, never a wrapped negative one.
func TestOverflow(t *testing.T) {
	net := testspec.Load(t, "compiler/stats/testdata/overflow.inc")
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
