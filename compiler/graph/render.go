package graph

import (
	"bytes"
	"context"
	"fmt"

	"github.com/goccy/go-graphviz"
)

// Render lays out a DOT graph with Graphviz's dot and renders it as "svg",
// "png", "dot" (DOT with the layout's coordinates) or "xdot" (also with
// the drawing operations). Graphviz runs as WebAssembly inside the process
// (github.com/goccy/go-graphviz on the wazero runtime): nothing needs to be
// installed and no cgo is involved. PNG is painted here from the xdot
// layout, with the Go fonts.
func Render(ctx context.Context, dot []byte, format string) ([]byte, error) {
	var f graphviz.Format
	switch format {
	case "svg", "dot", "xdot":
		f = graphviz.Format(format)
	case "png":
		out, err := Render(ctx, dot, "xdot")
		if err != nil {
			return nil, err
		}
		return drawPNG(out)
	default:
		return nil, fmt.Errorf("graph: unknown format %q (want svg, png, dot or xdot)", format)
	}
	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("graph: starting Graphviz: %v", err)
	}
	defer gv.Close()
	g, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("graph: Graphviz cannot read the graph: %v", err)
	}
	defer g.Close()
	var out bytes.Buffer
	if err := gv.Render(ctx, g, f, &out); err != nil {
		return nil, fmt.Errorf("graph: rendering %s: %v", format, err)
	}
	return out.Bytes(), nil
}
