package main

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/inccdev/incc/runtime/bench"
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
		var r bench.Result
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

// TestBenchFlagBounds: --batch, --threads and --iters that cannot fit
// memory are usage errors (exit 2) naming the flag and its limit: those
// that cannot fit even the least the network needs before the build, the
// others in the benchmark before it makes the network (here its
// GOMEMLIMIT is 1 MiB).
func TestBenchFlagBounds(t *testing.T) {
	spec, _, _, _ := writeTiny(t, t.TempDir())
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1e9))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch", "100000000"}, "incc bench: --batch 100000000 needs about"},
		{[]string{"--threads", "100000"}, "incc bench: --threads 100000: at most 1024"},
		{[]string{"--iters", "1000000000", "--threads", "1"}, "incc bench: --iters 1000000000 needs about 8.0 GB of memory (8 bytes a latency); at most"},
		{[]string{"--batch", "0"}, "incc bench: --batch must be at least 1, got 0"},
	} {
		var out, errw bytes.Buffer
		code := run(append([]string{"bench", spec}, tt.args...), &out, &errw)
		if code != 2 || !strings.Contains(errw.String(), tt.want) || len(buildDirs(t)) > 0 {
			t.Errorf("incc bench %v: exit %d, stderr:\n%s", tt.args, code, errw.String())
		}
	}
	if testing.Short() {
		t.Skip("short: runs go build")
	}
	t.Setenv("GOMEMLIMIT", "1MiB") // the benchmark's, not this process's
	var out, errw bytes.Buffer
	code := run([]string{"bench", spec, "--iters", "1000000", "--threads", "1"}, &out, &errw)
	if code != 2 || !strings.Contains(errw.String(), "incc bench: --iters 1000000 needs about 8.1 MB of memory (8 bytes a latency); at most 114,047 fit the 1.0 MB this process can use") {
		t.Errorf("exit %d, stderr:\n%s", code, errw.String())
	}
}

// TestBuildThreadsBound: the default thread count built into a model
// binary is bounded as the binary's --threads is.
func TestBuildThreadsBound(t *testing.T) {
	spec, weights, _, _ := writeTiny(t, t.TempDir())
	for _, n := range []string{"100000", "-1"} {
		var out, errw bytes.Buffer
		code := run([]string{"build", spec, "--weights", weights, "--threads=" + n}, &out, &errw)
		if code != 2 || !strings.Contains(errw.String(), "incc build: --threads must be 0 (all CPUs) to 1024, got "+n) {
			t.Errorf("--threads %s: exit %d, stderr:\n%s", n, code, errw.String())
		}
	}
}
