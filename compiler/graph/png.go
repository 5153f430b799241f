package graph

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"strings"

	"github.com/fogleman/gg"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
)

// pngDPI is the resolution of PNG output (Graphviz's default for PNG).
const pngDPI = 96

// drawPNG paints the drawing operations of an xdot layout (Graphviz's
// _draw_ attributes: https://graphviz.org/docs/outputs/canon/#xdot) into a
// PNG, with the Go fonts: the same bytes on every machine. (go-graphviz's
// own PNG renderer draws no lines in v0.2.10.)
func drawPNG(xdot []byte) ([]byte, error) {
	src := strings.ReplaceAll(string(xdot), "\\\n", "")
	m := bbRx.FindStringSubmatch(src)
	if m == nil {
		return nil, fmt.Errorf("graph: xdot layout without a bounding box")
	}
	var bb [4]float64
	for i, f := range strings.Split(m[1], ",") {
		if i < 4 {
			bb[i], _ = strconv.ParseFloat(f, 64)
		}
	}
	const pad = 4 // points
	scale := float64(pngDPI) / 72
	w := int((bb[2]-bb[0]+2*pad)*scale + 0.5)
	h := int((bb[3]-bb[1]+2*pad)*scale + 0.5)
	if w < 1 || h < 1 || w*h > 1<<26 {
		return nil, fmt.Errorf("graph: a %dx%d picture is too large for PNG (use SVG)", w, h)
	}
	p := &painter{
		dc:    gg.NewContext(w, h),
		x:     func(x float64) float64 { return (x - bb[0] + pad) * scale },
		y:     func(y float64) float64 { return (bb[3] - y + pad) * scale },
		scale: scale,
		faces: map[float64]font.Face{},
	}
	p.dc.SetColor(color.White)
	p.dc.Clear()
	for _, m := range drawRx.FindAllStringSubmatch(src, -1) {
		ops := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
		if err := p.run(ops); err != nil {
			return nil, fmt.Errorf("graph: %s: %v", m[1], err)
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, p.dc.Image()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var (
	bbRx   = regexp.MustCompile(`bb="([^"]*)"`)
	drawRx = regexp.MustCompile(`\b(_draw_|_ldraw_|_hdraw_|_tdraw_|_hldraw_|_tldraw_)="((?:[^"\\]|\\.)*)"`)
)

// painter runs xdot operations on a gg context.
type painter struct {
	dc        *gg.Context
	x, y      func(float64) float64 // layout points to pixels
	scale     float64
	pen, fill color.Color
	width     float64 // line width, points
	dashed    bool
	fontSize  float64
	faces     map[float64]font.Face
	ops       string
	pos       int
	err       error
}

func (p *painter) run(ops string) error {
	p.ops, p.pos, p.err = ops, 0, nil
	p.pen, p.fill, p.width, p.dashed, p.fontSize = color.Black, color.Black, 1, false, 14
	for {
		p.space()
		if p.pos >= len(p.ops) || p.err != nil {
			return p.err
		}
		op := p.ops[p.pos]
		p.pos++
		switch op {
		case 'E', 'e':
			x, y, rx, ry := p.num(), p.num(), p.num(), p.num()
			p.dc.DrawEllipse(p.x(x), p.y(y), rx*p.scale, ry*p.scale)
			p.paint(op == 'E')
		case 'P', 'p', 'L', 'B', 'b':
			pts := p.points()
			if len(pts) == 0 {
				continue
			}
			p.dc.MoveTo(pts[0][0], pts[0][1])
			if op == 'B' || op == 'b' {
				for i := 1; i+2 < len(pts); i += 3 {
					p.dc.CubicTo(pts[i][0], pts[i][1], pts[i+1][0], pts[i+1][1], pts[i+2][0], pts[i+2][1])
				}
			} else {
				for _, q := range pts[1:] {
					p.dc.LineTo(q[0], q[1])
				}
			}
			if op == 'P' || op == 'p' {
				p.dc.ClosePath()
			}
			p.paint(op == 'P' || op == 'b')
		case 'T':
			x, y, just := p.num(), p.num(), p.num()
			p.num() // Graphviz's estimate of the width
			text := p.text()
			p.dc.SetFontFace(p.face())
			p.dc.SetColor(p.pen)
			p.dc.DrawStringAnchored(text, p.x(x), p.y(y), (just+1)/2, 0)
		case 'c', 'C':
			c, err := parseColor(p.text())
			if err != nil {
				return err
			}
			if op == 'c' {
				p.pen = c
			} else {
				p.fill = c
			}
		case 'F':
			p.fontSize = p.num()
			p.text()
		case 'S':
			style := p.text()
			switch {
			case style == "dashed" || style == "dotted":
				p.dashed = true
			case style == "solid":
				p.dashed = false
			case strings.HasPrefix(style, "setlinewidth("):
				if v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(style, "setlinewidth("), ")"), 64); err == nil {
					p.width = v
				}
			}
		case 't':
			p.num() // font characteristics (bold, italic, …): one face here
		case 'I':
			p.num()
			p.num()
			p.num()
			p.num()
			p.text() // images: none in incc's graphs
		default:
			return fmt.Errorf("unknown xdot operation %q at %d", op, p.pos-1)
		}
	}
}

// paint fills (if filled) and outlines the current path.
func (p *painter) paint(filled bool) {
	if filled {
		p.dc.SetColor(p.fill)
		p.dc.FillPreserve()
	}
	p.dc.SetColor(p.pen)
	p.dc.SetLineWidth(p.width * p.scale)
	if p.dashed {
		p.dc.SetDash(4*p.scale, 4*p.scale)
	} else {
		p.dc.SetDash()
	}
	p.dc.Stroke()
}

func (p *painter) face() font.Face {
	size := p.fontSize * p.scale
	if f, ok := p.faces[size]; ok {
		return f
	}
	ft, err := truetype.Parse(goregular.TTF)
	if err != nil {
		panic(err) // the embedded Go font always parses
	}
	f := truetype.NewFace(ft, &truetype.Options{Size: size, DPI: 72, Hinting: font.HintingFull})
	p.faces[size] = f
	return f
}

func (p *painter) space() {
	for p.pos < len(p.ops) && (p.ops[p.pos] == ' ' || p.ops[p.pos] == '\n' || p.ops[p.pos] == '\t') {
		p.pos++
	}
}

func (p *painter) word() string {
	p.space()
	start := p.pos
	for p.pos < len(p.ops) && p.ops[p.pos] != ' ' {
		p.pos++
	}
	return p.ops[start:p.pos]
}

func (p *painter) num() float64 {
	w := p.word()
	v, err := strconv.ParseFloat(w, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("want a number at %d, got %q", p.pos, w)
	}
	return v
}

// points reads n, then n points, in pixels.
func (p *painter) points() [][2]float64 {
	n := int(p.num())
	if n < 0 || n > len(p.ops) {
		p.err = fmt.Errorf("bad point count %d", n)
		return nil
	}
	pts := make([][2]float64, n)
	for i := range pts {
		pts[i] = [2]float64{p.x(p.num()), p.y(p.num())}
	}
	return pts
}

// text reads "n -bytes": a string of n bytes.
func (p *painter) text() string {
	n := int(p.num())
	p.space()
	if p.pos >= len(p.ops) || p.ops[p.pos] != '-' || n < 0 || p.pos+1+n > len(p.ops) {
		if p.err == nil {
			p.err = fmt.Errorf("bad string at %d", p.pos)
		}
		return ""
	}
	s := p.ops[p.pos+1 : p.pos+1+n]
	p.pos += 1 + n
	return s
}

// parseColor reads a Graphviz color: #rrggbb, #rrggbbaa or one of the few
// names Graphviz writes for incc's graphs.
func parseColor(s string) (color.Color, error) {
	switch s {
	case "black":
		return color.Black, nil
	case "white":
		return color.White, nil
	case "transparent":
		return color.Transparent, nil
	}
	if !strings.HasPrefix(s, "#") || len(s) != 7 && len(s) != 9 {
		return nil, fmt.Errorf("unknown color %q", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return nil, fmt.Errorf("unknown color %q", s)
	}
	if len(s) == 7 {
		v = v<<8 | 0xff
	}
	// Straight alpha to premultiplied.
	r, g, b, a := uint32(v>>24), uint32(v>>16&0xff), uint32(v>>8&0xff), uint32(v&0xff)
	return color.RGBA{R: uint8(r * a / 255), G: uint8(g * a / 255), B: uint8(b * a / 255), A: uint8(a)}, nil
}
