package runtime

// Pad is padding on each side of an image, in cells.
type Pad struct{ Top, Left, Bottom, Right int }

// ConvOut is the output size of a convolution along one axis:
//
//	out = floor((in + padBefore + padAfter - k) / stride) + 1
//
// It returns 0 if k or stride is not positive or the kernel does not fit the
// padded input (in + padBefore + padAfter < k).
func ConvOut(in, k, stride, padBefore, padAfter int) int {
	span := in + padBefore + padAfter - k
	if k <= 0 || stride <= 0 || span < 0 {
		return 0
	}
	return span/stride + 1
}

// PoolOut is the output size of max or average pooling along one axis.
// With floor rounding it is [ConvOut]. With ceil rounding (Caffe's default,
// PyTorch's ceil_mode=True):
//
//	out = ceil((in + padBefore + padAfter - k) / stride) + 1
//	if (out - 1) * stride >= in + padBefore { out-- }
//
// The correction keeps the last window starting inside the image or its
// top/left padding; the part of that window beyond the bottom/right padding
// is clipped. PyTorch applies it always; Caffe only when padding is non-zero,
// which differs only when stride > k. It returns 0 if k or stride is not
// positive or the kernel does not fit the padded input.
func PoolOut(in, k, stride, padBefore, padAfter int, ceil bool) int {
	span := in + padBefore + padAfter - k
	if k <= 0 || stride <= 0 || span < 0 {
		return 0
	}
	if !ceil {
		return span/stride + 1
	}
	out := (span+stride-1)/stride + 1
	if (out-1)*stride >= in+padBefore {
		out--
	}
	return out
}

// Conv2DParams is the geometry of a 2-D convolution of one image.
type Conv2DParams struct {
	C, H, W int // input channels, height, width
	OutC    int // output channels
	KH, KW  int // kernel height, width
	SH, SW  int // stride along height, width
	Pad     Pad
}

// OutH is the output height, [ConvOut] along H.
func (p Conv2DParams) OutH() int { return ConvOut(p.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom) }

// OutW is the output width, [ConvOut] along W.
func (p Conv2DParams) OutW() int { return ConvOut(p.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right) }

// Pool2DParams is the geometry of max or average pooling of one image.
type Pool2DParams struct {
	C, H, W int // channels, input height, width
	KH, KW  int // window height, width
	SH, SW  int // stride along height, width
	Pad     Pad
	Ceil    bool // ceil rounding of the output size, see [PoolOut]
}

// OutH is the output height, [PoolOut] along H.
func (p Pool2DParams) OutH() int { return PoolOut(p.H, p.KH, p.SH, p.Pad.Top, p.Pad.Bottom, p.Ceil) }

// OutW is the output width, [PoolOut] along W.
func (p Pool2DParams) OutW() int { return PoolOut(p.W, p.KW, p.SW, p.Pad.Left, p.Pad.Right, p.Ceil) }

// validRange returns the outputs o in [lo, hi) whose tap at kernel offset k
// lands inside the input: 0 <= o*stride - pad + k < in, with 0 <= o < out.
func validRange(k, pad, stride, in, out int) (lo, hi int) {
	if d := pad - k; d > 0 {
		lo = (d + stride - 1) / stride
	}
	last := in - 1 + pad - k // o*stride <= last
	if last < 0 {
		return 0, 0
	}
	hi = min(last/stride+1, out)
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}
