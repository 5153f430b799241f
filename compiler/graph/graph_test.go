package graph

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/ir"
	"github.com/inccdev/incc/internal/testspec"
)

// TestNodes: graph draws every kind of op.
func TestNodes(t *testing.T) {
	for _, k := range ir.Kinds() {
		if nd, ok := nodes[k]; !ok || nd.what == nil {
			t.Errorf("graph: no row for kind %v (%s) in nodes", k, k.Info().Name)
		}
	}
}

// layout renders spec's graph with Graphviz (dot format: the layout's
// coordinates) and returns the DOT it drew and each node's x coordinate.
func layout(t *testing.T, spec string, heads bool) (string, map[string]float64) {
	t.Helper()
	var dot bytes.Buffer
	if err := WriteDOT(&dot, testspec.Load(t, spec), Options{Heads: heads}); err != nil {
		t.Fatal(err)
	}
	out, err := Render(context.Background(), dot.Bytes(), "dot")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.ReplaceAll(string(out), "\\\n", "")
	xs := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?s)\b(\w+)\s+\[[^\]]*?\bpos="([-\d.]+),([-\d.]+)"`).FindAllStringSubmatch(src, -1) {
		x, _ := strconv.ParseFloat(m[2], 64)
		xs[m[1]] = x
	}
	return dot.String(), xs
}

// TestBranchOrder: the branches of every Inception module are drawn left
// to right in spec order, as the GoogLeNet paper draws the module (1×1;
// 3×3 reduce, 3×3; 5×5 reduce, 5×5; pool, pool proj). Graphviz's layout is
// the judge: in each module, the x coordinates of the first nodes of
// branch1 … branch4 (by their labels) must increase.
func TestBranchOrder(t *testing.T) {
	clusterRx := regexp.MustCompile(`(?s)subgraph "cluster_([^"]*)" \{(.*?)\n\t\}`)
	nodeRx := regexp.MustCompile(`(n(\d+)) \[label="(branch\d)[.\\]`)
	for _, spec := range []string{"specs/googlenet.inc", "specs/googlenet_torchvision.inc", "specs/examples/inception_module.inc"} {
		t.Run(spec, func(t *testing.T) {
			dot, xs := layout(t, spec, true)
			modules := 0
			for _, c := range clusterRx.FindAllStringSubmatch(dot, -1) {
				first := map[string]string{} // branch -> its first node
				for _, m := range nodeRx.FindAllStringSubmatch(c[2], -1) {
					if _, seen := first[m[3]]; !seen {
						first[m[3]] = m[1]
					}
				}
				if len(first) != 4 {
					continue
				}
				modules++
				for i := 2; i <= 4; i++ {
					a, b := first[fmt.Sprintf("branch%d", i-1)], first[fmt.Sprintf("branch%d", i)]
					if xs[a] >= xs[b] {
						t.Errorf("%s: branch%d (%s at x=%v) is not left of branch%d (%s at x=%v)", c[1], i-1, a, xs[a], i, b, xs[b])
					}
				}
			}
			if modules == 0 {
				t.Fatal("no Inception module found")
			}
		})
	}
}

// TestRenderPNG draws the Inception module as PNG with the built-in
// Graphviz: the size follows the layout's bounding box at 96 dpi, and the
// picture shows the pool's fill colour, the edges' grey and text.
func TestRenderPNG(t *testing.T) {
	var dot bytes.Buffer
	if err := WriteDOT(&dot, testspec.Load(t, "specs/examples/inception_module.inc"), Options{}); err != nil {
		t.Fatal(err)
	}
	xdot, err := Render(context.Background(), dot.Bytes(), "xdot")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`bb="0,0,([\d.]+),([\d.]+)"`).FindSubmatch(xdot)
	if m == nil {
		t.Fatalf("no bounding box in\n%s", xdot)
	}
	bw, _ := strconv.ParseFloat(string(m[1]), 64)
	bh, _ := strconv.ParseFloat(string(m[2]), 64)
	out, err := Render(context.Background(), dot.Bytes(), "png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); math.Abs(float64(w)-(bw+8)*96/72) > 1 || math.Abs(float64(h)-(bh+8)*96/72) > 1 {
		t.Errorf("PNG %dx%d, want the layout's %gx%g points (and 4 of margin) at 96 dpi", w, h, bw, bh)
	}
	count := map[string]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			switch c := fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8); c {
			case "#e8f4e8", "#555555", "#000000", "#ffffff":
				count[c]++
			}
		}
	}
	for c, what := range map[string]string{"#e8f4e8": "the pool's fill", "#555555": "the edges", "#000000": "text and borders"} {
		if count[c] < 100 {
			t.Errorf("%d pixels of %s (%s), want many", count[c], what, c)
		}
	}
}
