package ref

import "math"

// MaxPool2D computes max pooling of a batch of n images. src is n×C×H×W,
// dst is n×C×OH×OW with OH, OW from [Pool2DParams.OutH] and
// [Pool2DParams.OutW]. Padded cells are -Inf, so the maximum runs over the
// window clipped to the image:
//
//	dst[b][c][y][x] = max { src[b][c][iy][ix] :
//	        y·SH - Pad.Top <= iy < y·SH - Pad.Top + KH, 0 <= iy < H,
//	        x·SW - Pad.Left <= ix < x·SW - Pad.Left + KW, 0 <= ix < W }
//
// A NaN in the window gives NaN (as PyTorch). A window with no cell inside
// the image, which no valid geometry has, gives -Inf.
func MaxPool2D(dst, src []float32, n int, p Pool2DParams) {
	oh, ow := checkPool("maxpool2d", dst, src, n, p)
	inPlane, outPlane := p.H*p.W, oh*ow
	for pl := range n * p.C {
		in := src[pl*inPlane : (pl+1)*inPlane]
		out := dst[pl*outPlane : (pl+1)*outPlane]
		for y := range oh {
			y0 := y*p.SH - p.Pad.Top
			y1 := min(y0+p.KH, p.H)
			y0 = max(y0, 0)
			for x := range ow {
				x0 := x*p.SW - p.Pad.Left
				x1 := min(x0+p.KW, p.W)
				x0 = max(x0, 0)
				out[y*ow+x] = MaxCell(in, p.W, y0, y1, x0, x1)
			}
		}
	}
}

// AvgPool2D computes average pooling of a batch of n images. src is
// n×C×H×W, dst is n×C×OH×OW with OH, OW from [Pool2DParams.OutH] and
// [Pool2DParams.OutW]. Padded cells are zero and count in the divisor, but
// the part of a ceil-mode window beyond the bottom/right padding does not
// (PyTorch count_include_pad=True, Caffe AVE):
//
//	y0 = y·SH - Pad.Top,  y1 = min(y0 + KH, H + Pad.Bottom)
//	x0 = x·SW - Pad.Left, x1 = min(x0 + KW, W + Pad.Right)
//	dst[b][c][y][x] = (Σ_{iy∈[y0,y1)∩[0,H), ix∈[x0,x1)∩[0,W)} src[b][c][iy][ix])
//	                  / ((y1 - y0)·(x1 - x0))
//
// With p.ExcludePad the divisor is the number of cells summed, the window
// clipped to the image (PyTorch count_include_pad=False):
// (min(y1, H) - max(y0, 0))·(min(x1, W) - max(x0, 0)).
// The sum is float32 in row-major window order, then divided once.
func AvgPool2D(dst, src []float32, n int, p Pool2DParams) {
	oh, ow := checkPool("avgpool2d", dst, src, n, p)
	inPlane, outPlane := p.H*p.W, oh*ow
	for pl := range n * p.C {
		in := src[pl*inPlane : (pl+1)*inPlane]
		out := dst[pl*outPlane : (pl+1)*outPlane]
		for y := range oh {
			y0 := y*p.SH - p.Pad.Top
			y1 := min(y0+p.KH, p.H+p.Pad.Bottom)
			dy := y1 - y0
			y0, y1 = max(y0, 0), min(y1, p.H)
			if p.ExcludePad {
				dy = y1 - y0
			}
			for x := range ow {
				x0 := x*p.SW - p.Pad.Left
				x1 := min(x0+p.KW, p.W+p.Pad.Right)
				dx := x1 - x0
				x0, x1 = max(x0, 0), min(x1, p.W)
				if p.ExcludePad {
					dx = x1 - x0
				}
				out[y*ow+x] = SumCell(in, p.W, y0, y1, x0, x1) / float32(dy*dx)
			}
		}
	}
}

// checkPool validates the slices against the geometry and returns OH, OW.
func checkPool(kernel string, dst, src []float32, n int, p Pool2DParams) (oh, ow int) {
	oh, ow = p.OutH(), p.OutW()
	if oh <= 0 || ow <= 0 || p.C <= 0 {
		shapePanic("%s: bad geometry %+v", kernel, p)
	}
	checkLen(kernel, "src", src, n*p.C*p.H*p.W)
	checkLen(kernel, "dst", dst, n*p.C*oh*ow)
	return oh, ow
}

// AdaptiveAvgPool2D averages each n×c plane of h×w cells to oh×ow cells
// (PyTorch AdaptiveAvgPool2d). Output cell (y, x) covers
//
//	rows    floor(y·h/oh) .. ceil((y+1)·h/oh) - 1
//	columns floor(x·w/ow) .. ceil((x+1)·w/ow) - 1
//
// and is the float32 sum of those cells in row-major order divided by the
// number of rows, then by the number of columns (as PyTorch's CPU kernel).
// Global average pooling is oh = ow = 1.
func AdaptiveAvgPool2D(dst, src []float32, n, c, h, w, oh, ow int) {
	if oh <= 0 || ow <= 0 || h <= 0 || w <= 0 {
		shapePanic("adaptiveavgpool2d: bad geometry %dx%d -> %dx%d", h, w, oh, ow)
	}
	checkLen("adaptiveavgpool2d", "src", src, n*c*h*w)
	checkLen("adaptiveavgpool2d", "dst", dst, n*c*oh*ow)
	for pl := range n * c {
		in := src[pl*h*w : (pl+1)*h*w]
		out := dst[pl*oh*ow : (pl+1)*oh*ow]
		for y := range oh {
			y0, y1 := y*h/oh, ((y+1)*h+oh-1)/oh
			for x := range ow {
				x0, x1 := x*w/ow, ((x+1)*w+ow-1)/ow
				out[y*ow+x] = SumCell(in, w, y0, y1, x0, x1) / float32(y1-y0) / float32(x1-x0)
			}
		}
	}
}

// MaxNaN returns v if v > m or v is NaN, else m: one step of max pooling
// as [MaxPool2D] takes it (a NaN in the window wins).
func MaxNaN(m, v float32) float32 {
	if v > m || v != v {
		return v
	}
	return m
}

// MaxCell is the maximum of the cells [y0, y1) × [x0, x1) of a plane of
// width w, as [MaxPool2D] computes it (-Inf if the range is empty).
func MaxCell(plane []float32, w, y0, y1, x0, x1 int) float32 {
	m := float32(math.Inf(-1))
	for y := y0; y < y1; y++ {
		for _, v := range plane[y*w+x0 : y*w+x1] {
			m = MaxNaN(m, v)
		}
	}
	return m
}

// SumCell is the float32 sum of the cells [y0, y1) × [x0, x1) of a plane
// of width w, in row-major order from zero, as [AvgPool2D] and
// [AdaptiveAvgPool2D] compute it.
func SumCell(plane []float32, w, y0, y1, x0, x1 int) float32 {
	var s float32
	for y := y0; y < y1; y++ {
		for _, v := range plane[y*w+x0 : y*w+x1] {
			s += v
		}
	}
	return s
}
