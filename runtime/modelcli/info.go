package modelcli

import (
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/inccdev/incc/internal/numfmt"
	"github.com/inccdev/incc/internal/safetext"
	"github.com/inccdev/incc/runtime/preproc"
)

func (c *cli) info(args []string) error {
	fs := c.flags("info", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return c.usageErr(fs, "takes no arguments, got %q", pos[0])
	}
	m, w := c.m, c.stdout
	fmt.Fprintf(w, "network     %s (%s)\n", m.Name, safetext.Quote(m.Spec))
	fmt.Fprintf(w, "input       %s\n", shapeString(m.Input))
	out := "scores; probabilities are their softmax"
	if m.Softmax {
		out = "probabilities (softmax)"
	}
	fmt.Fprintf(w, "output      %s (%s)\n", shapeString(m.Output), out)
	sum, verdict := m.checksum(), "verified"
	if sum != m.WeightsSHA256 {
		verdict = "MISMATCH: built with " + m.WeightsSHA256
	}
	fmt.Fprintf(w, "weights     %s bytes, sha256 %s (%s)\n", numfmt.Thousands(int64(len(m.Weights))), sum, verdict)
	if len(m.Heads) > 0 {
		var hs []string
		for _, h := range m.Heads {
			hs = append(hs, h.Name+" "+shapeString(h.Shape))
		}
		fmt.Fprintf(w, "heads       %s\n", strings.Join(hs, ", "))
	}
	fmt.Fprintf(w, "preprocess  %s\n", describe(m.Preprocess))
	switch {
	case m.Labels == "":
		fmt.Fprintf(w, "labels      none\n")
	case c.labels == nil:
		fmt.Fprintf(w, "labels      %s (unknown to this runtime)\n", m.Labels)
	default:
		shown := c.labels[:min(len(c.labels), 10)]
		more := ""
		if len(c.labels) > len(shown) {
			more = ", …"
		}
		fmt.Fprintf(w, "labels      %s, %d classes: %s%s\n", m.Labels, len(c.labels), strings.Join(shown, ", "), more)
	}
	threads := "all CPUs"
	if m.Threads > 0 {
		threads = strconv.Itoa(m.Threads)
	}
	fmt.Fprintf(w, "threads     %s by default (%d here)\n", threads, c.threads(0))
	fmt.Fprintf(w, "built with  %s for %s/%s\n", goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
	if m.Stats != "" {
		fmt.Fprintf(w, "\n%s", safetext.Escape(ensureNewline(m.Stats), "\n\t"))
	}
	if m.Source != "" {
		fmt.Fprintf(w, "\nspec %s:\n\n%s", safetext.Quote(m.Spec), safetext.Escape(ensureNewline(m.Source), "\n\t"))
	}
	if sum != m.WeightsSHA256 {
		return fmt.Errorf("embedded weights: sha256 %s, built with %s", sum, m.WeightsSHA256)
	}
	return nil
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// describe renders a preprocessing config in words.
func describe(p preproc.Config) string {
	var steps []string
	if p.Channels == 1 {
		steps = append(steps, "grayscale (luminance)")
	} else {
		order := "RGB"
		if p.Order == "bgr" {
			order = "BGR"
		}
		steps = append(steps, order)
	}
	resize := fmt.Sprintf("resize the shorter side to %d", p.Resize)
	if p.Interpolation == "bicubic" {
		resize += " (bicubic)"
	}
	switch {
	case p.Resize > 0 && p.CropH > 0:
		steps = append(steps, resize, fmt.Sprintf("center crop %dx%d", p.CropH, p.CropW))
	case p.Resize > 0:
		steps = append(steps, resize, fmt.Sprintf("center crop to %dx%d if needed", p.Height, p.Width))
	case p.CropH > 0:
		steps = append(steps, fmt.Sprintf("center crop %dx%d", p.CropH, p.CropW))
	default:
		steps = append(steps, fmt.Sprintf("resized to %dx%d if not that size", p.Height, p.Width))
	}
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	steps = append(steps, "values in [0, "+strconv.FormatFloat(scale, 'g', -1, 64)+"]")
	if len(p.Mean) > 0 {
		steps = append(steps, "mean "+floats(p.Mean))
	}
	if len(p.Std) > 0 {
		steps = append(steps, "std "+floats(p.Std))
	}
	return strings.Join(steps, ", ")
}

func floats(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	if len(s) == 1 {
		return s[0]
	}
	return "(" + strings.Join(s, ", ") + ")"
}
