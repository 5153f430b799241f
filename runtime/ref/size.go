package ref

import "github.com/inccdev/incc/internal/geom"

// Pad is padding on each side of an image, in cells.
type Pad struct{ Top, Left, Bottom, Right int }

// Conv2DParams is the geometry of a 2-D convolution of one image.
type Conv2DParams struct {
	C, H, W int // input channels, height, width
	OutC    int // output channels
	KH, KW  int // kernel height, width
	SH, SW  int // stride along height, width
	Pad     Pad
	// Groups cuts the channels into groups (0 or 1: one group): output
	// group g reads input group g only.
	Groups int
}

// groups is the number of groups, at least 1.
func (p Conv2DParams) groups() int { return max(p.Groups, 1) }

// OutH is the output height (floor rounding; see package internal/geom).
func (p Conv2DParams) OutH() int { return geom.Out(p.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom, false) }

// OutW is the output width (floor rounding).
func (p Conv2DParams) OutW() int { return geom.Out(p.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right, false) }

// Pool2DParams is the geometry of max or average pooling of one image.
type Pool2DParams struct {
	C, H, W int // channels, input height, width
	KH, KW  int // window height, width
	SH, SW  int // stride along height, width
	Pad     Pad
	Ceil    bool // ceil rounding of the output size (see package internal/geom)
	// ExcludePad leaves the padding out of an average's divisor.
	ExcludePad bool
}

// OutH is the output height, with the rounding of p.Ceil.
func (p Pool2DParams) OutH() int { return geom.Out(p.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom, p.Ceil) }

// OutW is the output width, with the rounding of p.Ceil.
func (p Pool2DParams) OutW() int { return geom.Out(p.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right, p.Ceil) }
