package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inccdev/incc/runtime"
)

// TestBench runs incc bench on the tiny network, with seeded and with
// given weights, and checks its JSON report.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	dir := t.TempDir()
	spec, weights, net, _ := writeTiny(t, dir)
	for _, args := range [][]string{
		{"bench", spec, "--iters", "3", "--batch", "3", "--threads", "2", "--json"},
		{"bench", spec, "--weights", weights, "--iters", "2", "--json"},
	} {
		var out, errw bytes.Buffer
		if code := run(args, &out, &errw); code != 0 {
			t.Fatalf("incc %v: exit %d\n%s", args, code, errw.String())
		}
		var r runtime.BenchResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("incc %v: %v\n%s", args, err, out.String())
		}
		if r.Model != net.Name || r.Iters < 2 || r.P50 <= 0 || len(r.Layers) < 5 || r.Layers[0].Name != "conv1" || r.GFLOPs <= 0 {
			t.Errorf("incc %v: %+v", args, r)
		}
	}
	var out, errw bytes.Buffer
	if code := run([]string{"bench", spec, "--iters", "2", "--top", "3"}, &out, &errw); code != 0 ||
		!strings.Contains(out.String(), "p50") || !strings.Contains(out.String(), "the 3 slowest layers") {
		t.Errorf("incc bench --top 3: exit %d\n%s%s", code, out.String(), errw.String())
	}
	if code := run([]string{"bench", spec, "--batch", "0"}, &out, &errw); code == 0 {
		t.Error("--batch 0: exit 0")
	}
	if d := buildDirs(t); len(d) > 0 {
		t.Errorf("build directories left behind: %v", d)
	}
}
