package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/inccdev/incc/internal/numtest"
)

// naiveConv evaluates the convolution formula directly, one output at a
// time, in float64, reading padding as zero through a bounds test.
func naiveConv(src, weight, bias []float32, n int, p Conv2DParams) []float64 {
	oh, ow := p.OutH(), p.OutW()
	g := max(p.Groups, 1)
	cg := p.C / g // input channels per group
	out := make([]float64, 0, n*p.OutC*oh*ow)
	for b := 0; b < n; b++ {
		for o := 0; o < p.OutC; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for c := 0; c < cg; c++ {
						ic := o/(p.OutC/g)*cg + c // the input channel, in o's group
						for i := 0; i < p.KH; i++ {
							for j := 0; j < p.KW; j++ {
								iy, ix := y*p.SH-p.Pad.Top+i, x*p.SW-p.Pad.Left+j
								if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
									continue
								}
								s += float64(weight[((o*cg+c)*p.KH+i)*p.KW+j]) * float64(src[((b*p.C+ic)*p.H+iy)*p.W+ix])
							}
						}
					}
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// gemmConv computes the convolution as im2col followed by gonum's
// blas32.Gemm: out[o][pixel] = weight[o][c·kh·kw] · cols[c·kh·kw][pixel].
func gemmConv(src, weight, bias []float32, n int, p Conv2DParams) []float64 {
	oh, ow := p.OutH(), p.OutW()
	k := p.C * p.KH * p.KW
	var res []float64
	for b := 0; b < n; b++ {
		cols := make([]float32, k*oh*ow)
		for c := 0; c < p.C; c++ {
			for i := 0; i < p.KH; i++ {
				for j := 0; j < p.KW; j++ {
					row := (c*p.KH+i)*p.KW + j
					for y := 0; y < oh; y++ {
						for x := 0; x < ow; x++ {
							iy, ix := y*p.SH-p.Pad.Top+i, x*p.SW-p.Pad.Left+j
							if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
								cols[row*oh*ow+y*ow+x] = src[((b*p.C+c)*p.H+iy)*p.W+ix]
							}
						}
					}
				}
			}
		}
		out := make([]float32, p.OutC*oh*ow)
		for o := 0; o < p.OutC && bias != nil; o++ {
			for q := 0; q < oh*ow; q++ {
				out[o*oh*ow+q] = bias[o]
			}
		}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas32.General{Rows: p.OutC, Cols: k, Stride: k, Data: weight},
			blas32.General{Rows: k, Cols: oh * ow, Stride: oh * ow, Data: cols},
			1, blas32.General{Rows: p.OutC, Cols: oh * ow, Stride: oh * ow, Data: out})
		res = append(res, numtest.Float64s(out)...)
	}
	return res
}

var convCases = []struct {
	name string
	n    int
	p    Conv2DParams
	bias bool
}{
	{"1x1x1", 1, Conv2DParams{C: 1, H: 1, W: 1, OutC: 1, KH: 1, KW: 1, SH: 1, SW: 1}, true},
	{"1x1-bottleneck", 2, Conv2DParams{C: 8, H: 5, W: 6, OutC: 4, KH: 1, KW: 1, SH: 1, SW: 1}, true},
	{"3x3-pad1", 2, Conv2DParams{C: 3, H: 7, W: 7, OutC: 5, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}}, false},
	{"7x7-stride2-pad3", 1, Conv2DParams{C: 3, H: 15, W: 13, OutC: 4, KH: 7, KW: 7, SH: 2, SW: 2, Pad: Pad{3, 3, 3, 3}}, true},
	{"nonsquare-kernel", 1, Conv2DParams{C: 2, H: 6, W: 9, OutC: 3, KH: 1, KW: 3, SH: 1, SW: 2, Pad: Pad{0, 1, 0, 1}}, true},
	{"asymmetric-pad", 3, Conv2DParams{C: 2, H: 5, W: 4, OutC: 2, KH: 3, KW: 2, SH: 2, SW: 1, Pad: Pad{Top: 0, Left: 2, Bottom: 2, Right: 0}}, true},
	{"stride3-bigpad", 1, Conv2DParams{C: 1, H: 4, W: 4, OutC: 2, KH: 2, KW: 2, SH: 3, SW: 3, Pad: Pad{2, 2, 2, 2}}, false},
	{"kernel-equals-input", 2, Conv2DParams{C: 4, H: 3, W: 5, OutC: 3, KH: 3, KW: 5, SH: 1, SW: 1}, true},
}

// groupCases are grouped convolutions: depthwise (groups = channels, one or
// two filters per channel) and grouped.
var groupCases = []struct {
	name string
	n    int
	p    Conv2DParams
	bias bool
}{
	{"depthwise-3x3-pad1", 2, Conv2DParams{C: 4, H: 7, W: 6, OutC: 4, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}, Groups: 4}, true},
	{"depthwise-3x3-stride2", 1, Conv2DParams{C: 3, H: 9, W: 8, OutC: 3, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{1, 1, 1, 1}, Groups: 3}, false},
	{"depthwise-multiplier2-5x5", 1, Conv2DParams{C: 2, H: 8, W: 8, OutC: 4, KH: 5, KW: 5, SH: 1, SW: 1, Pad: Pad{2, 2, 2, 2}, Groups: 2}, true},
	{"grouped-4-in-2-groups", 2, Conv2DParams{C: 4, H: 5, W: 5, OutC: 6, KH: 3, KW: 1, SH: 1, SW: 2, Pad: Pad{1, 0, 0, 1}, Groups: 2}, true},
}

func TestConv2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range convCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			src := numtest.Rand(rng, tt.n*p.C*p.H*p.W)
			weight := numtest.Rand(rng, p.OutC*p.C*p.KH*p.KW)
			var bias []float32
			if tt.bias {
				bias = numtest.Rand(rng, p.OutC)
			}
			dst := make([]float32, tt.n*p.OutC*p.OutH()*p.OutW())
			Conv2D(dst, src, weight, bias, tt.n, p)
			numtest.Close(t, "naive", dst, naiveConv(src, weight, bias, tt.n, p), 1e-5)
			numtest.Close(t, "gemm", dst, gemmConv(src, weight, bias, tt.n, p), 1e-5)
		})
	}
}

// TestConv2DGroups checks grouped convolutions against the formula, and
// against the convolution of each group on its own (an ordinary one, on
// that group's channels and filters).
func TestConv2DGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	for _, tt := range groupCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			g, cg, og := p.Groups, p.C/p.Groups, p.OutC/p.Groups
			src := numtest.Rand(rng, tt.n*p.C*p.H*p.W)
			weight := numtest.Rand(rng, p.OutC*cg*p.KH*p.KW)
			var bias []float32
			if tt.bias {
				bias = numtest.Rand(rng, p.OutC)
			}
			oh, ow := p.OutH(), p.OutW()
			dst := make([]float32, tt.n*p.OutC*oh*ow)
			Conv2D(dst, src, weight, bias, tt.n, p)
			numtest.Close(t, "naive", dst, naiveConv(src, weight, bias, tt.n, p), 1e-5)
			// Group by group: the same bits, as the sums run in the same order.
			q := p
			q.C, q.OutC, q.Groups = cg, og, 1
			kk := cg * p.KH * p.KW
			for b := range tt.n {
				for k := range g {
					in := src[(b*p.C+k*cg)*p.H*p.W : (b*p.C+(k+1)*cg)*p.H*p.W]
					var bk []float32
					if bias != nil {
						bk = bias[k*og : (k+1)*og]
					}
					out := make([]float32, og*oh*ow)
					Conv2D(out, in, weight[k*og*kk:(k+1)*og*kk], bk, 1, q)
					got := dst[(b*p.OutC+k*og)*oh*ow : (b*p.OutC+(k+1)*og)*oh*ow]
					numtest.Close(t, fmt.Sprintf("image %d group %d", b, k), got, numtest.Float64s(out), 0)
				}
			}
		})
	}
}

// TestConv2DHand checks a 3×3 all-ones kernel over a 3×3 image with pad 1:
// each output is the sum of its in-image 3×3 neighbourhood.
func TestConv2DHand(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	dst := make([]float32, 9)
	Conv2D(dst, src, w, []float32{0.5}, 1, Conv2DParams{C: 1, H: 3, W: 3, OutC: 1, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}})
	want := []float64{12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5}
	numtest.Close(t, "dst", dst, want, 0)
}

func TestConv2DShapePanic(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Errorf("got no panic, want one wrapping ErrShape")
		} else if err, ok := r.(error); !ok || !errorsIs(err, ErrShape) {
			t.Errorf("got panic %v, want one wrapping ErrShape", r)
		}
	}()
	p := Conv2DParams{C: 1, H: 3, W: 3, OutC: 1, KH: 3, KW: 3, SH: 1, SW: 1}
	Conv2D(make([]float32, 1), make([]float32, 8), make([]float32, 9), nil, 1, p)
}

// naivePool pools from a materialised padded image: the padding is filled
// with fill (−Inf for max, 0 for avg) and extended by the ceil overhang,
// which is marked absent. The average divides by the number of cells of
// the window that lie in the padded image.
func naivePool(src []float32, n int, p Pool2DParams, isMax bool) []float64 {
	oh, ow := p.OutH(), p.OutW()
	hp, wp := p.H+p.Pad.Top+p.Pad.Bottom, p.W+p.Pad.Left+p.Pad.Right
	fill := 0.0
	if isMax {
		fill = math.Inf(-1)
	}
	var out []float64
	for pl := 0; pl < n*p.C; pl++ {
		padded := make([][]float64, hp)
		for y := range padded {
			padded[y] = make([]float64, wp)
			for x := range padded[y] {
				iy, ix := y-p.Pad.Top, x-p.Pad.Left
				if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
					padded[y][x] = float64(src[(pl*p.H+iy)*p.W+ix])
				} else {
					padded[y][x] = fill
				}
			}
		}
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				acc, cnt := fill, 0
				for i := 0; i < p.KH; i++ {
					for j := 0; j < p.KW; j++ {
						py, px := y*p.SH+i, x*p.SW+j
						if py >= hp || px >= wp {
							continue // beyond the padding: not part of the window
						}
						cnt++
						if isMax {
							acc = math.Max(acc, padded[py][px])
						} else {
							acc += padded[py][px]
						}
					}
				}
				if !isMax {
					acc /= float64(cnt)
				}
				out = append(out, acc)
			}
		}
	}
	return out
}

var poolCases = []struct {
	name string
	n    int
	p    Pool2DParams
}{
	{"1x1x1", 1, Pool2DParams{C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1}},
	{"3x3s2-ceil-overhang", 2, Pool2DParams{C: 3, H: 8, W: 8, KH: 3, KW: 3, SH: 2, SW: 2, Ceil: true}},
	{"3x3s2-floor", 2, Pool2DParams{C: 3, H: 8, W: 8, KH: 3, KW: 3, SH: 2, SW: 2}},
	{"3x3s1p1-ceil", 1, Pool2DParams{C: 2, H: 5, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}, Ceil: true}},
	{"5x5s3-aux", 1, Pool2DParams{C: 2, H: 14, W: 14, KH: 5, KW: 5, SH: 3, SW: 3, Ceil: true}},
	{"nonsquare", 1, Pool2DParams{C: 2, H: 7, W: 10, KH: 2, KW: 3, SH: 1, SW: 2, Ceil: true}},
	{"asymmetric-pad", 2, Pool2DParams{C: 1, H: 6, W: 5, KH: 3, KW: 3, SH: 2, SW: 2, Pad: Pad{Top: 1, Left: 0, Bottom: 0, Right: 1}, Ceil: true}},
	{"ceil-correction", 1, Pool2DParams{C: 1, H: 5, W: 5, KH: 2, KW: 2, SH: 2, SW: 2, Pad: Pad{1, 1, 1, 1}, Ceil: true}},
	{"global-7x7", 2, Pool2DParams{C: 4, H: 7, W: 7, KH: 7, KW: 7, SH: 1, SW: 1, Ceil: true}},
}

// TestAvgPoolExcludePad checks average pooling with the padding left out
// of the divisor against a naive count of the cells in the image.
func TestAvgPoolExcludePad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.ExcludePad = true
			src := numtest.Rand(rng, tt.n*p.C*p.H*p.W)
			oh, ow := p.OutH(), p.OutW()
			dst := make([]float32, tt.n*p.C*oh*ow)
			AvgPool2D(dst, src, tt.n, p)
			var want []float64
			for pl := range tt.n * p.C {
				for y := range oh {
					for x := range ow {
						s, cnt := 0.0, 0
						for i := range p.KH {
							for j := range p.KW {
								iy, ix := y*p.SH-p.Pad.Top+i, x*p.SW-p.Pad.Left+j
								if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
									s += float64(src[(pl*p.H+iy)*p.W+ix])
									cnt++
								}
							}
						}
						want = append(want, s/float64(cnt))
					}
				}
			}
			numtest.Close(t, "avg", dst, want, 1e-6)
		})
	}
	// By hand: 3x3 stride 1 pad 1 on the 2x2 image 1 2 / 3 4 averages the
	// whole image everywhere (each window holds all four cells).
	dst := make([]float32, 4)
	AvgPool2D(dst, []float32{1, 2, 3, 4}, 1, Pool2DParams{C: 1, H: 2, W: 2, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}, ExcludePad: true})
	numtest.Close(t, "hand", dst, []float64{2.5, 2.5, 2.5, 2.5}, 0)
}

func TestPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			src := numtest.Rand(rng, tt.n*p.C*p.H*p.W)
			dst := make([]float32, tt.n*p.C*p.OutH()*p.OutW())
			MaxPool2D(dst, src, tt.n, p)
			numtest.Close(t, "max", dst, naivePool(src, tt.n, p, true), 0)
			AvgPool2D(dst, src, tt.n, p)
			numtest.Close(t, "avg", dst, naivePool(src, tt.n, p, false), 1e-6)
		})
	}
}

// TestPool2DHand checks pooling of the 4×4 image 1..16 by hand:
//
//	 1  2  3  4
//	 5  6  7  8
//	 9 10 11 12
//	13 14 15 16
func TestPool2DHand(t *testing.T) {
	src := make([]float32, 16)
	for i := range src {
		src[i] = float32(i + 1)
	}
	k3s2 := Pool2DParams{C: 1, H: 4, W: 4, KH: 3, KW: 3, SH: 2, SW: 2}
	ceil := k3s2
	ceil.Ceil = true
	pad1 := ceil
	pad1.Pad = Pad{1, 1, 1, 1}
	pad1floor := pad1
	pad1floor.Ceil = false
	tests := []struct {
		name  string
		p     Pool2DParams
		isMax bool
		want  []float64
	}{
		// floor: one window, rows and columns 0..2.
		{"max-floor", k3s2, true, []float64{11}},
		{"avg-floor", k3s2, false, []float64{54.0 / 9}},
		// ceil: windows start at 0 and 2; the second hangs one cell over.
		{"max-ceil", ceil, true, []float64{11, 12, 15, 16}},
		// divisors 9, 3·2, 2·3, 2·2: the overhang does not count.
		{"avg-ceil", ceil, false, []float64{54.0 / 9, 45.0 / 6, 72.0 / 6, 54.0 / 4}},
		// pad 1: windows start at -1, 1, 3 (the last within the padding,
		// 3 < 4+1); padded cells count, the cell beyond the padding does not:
		// divisor rows 3, 3, 2 (rows 3..4 of the padded extent [-1, 5)).
		{"avg-ceil-pad1", pad1, false, []float64{
			(1 + 2 + 5 + 6) / 9.0, (2 + 3 + 4 + 6 + 7 + 8) / 9.0, (4 + 8) / 6.0,
			(5 + 6 + 9 + 10 + 13 + 14) / 9.0, 99.0 / 9, (8 + 12 + 16) / 6.0,
			(13 + 14) / 6.0, (14 + 15 + 16) / 6.0, 16.0 / 4}},
		{"max-ceil-pad1", pad1, true, []float64{6, 8, 8, 14, 16, 16, 14, 16, 16}},
		{"avg-floor-pad1", pad1floor, false, []float64{14.0 / 9, 30.0 / 9, 57.0 / 9, 99.0 / 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float32, tt.p.OutH()*tt.p.OutW())
			if tt.isMax {
				MaxPool2D(dst, src, 1, tt.p)
			} else {
				AvgPool2D(dst, src, 1, tt.p)
			}
			numtest.Close(t, "dst", dst, tt.want, 1e-7)
		})
	}
}

func TestMaxPoolNaN(t *testing.T) {
	nan := float32(math.NaN())
	dst := make([]float32, 1)
	MaxPool2D(dst, []float32{1, nan, 3, 2}, 1, Pool2DParams{C: 1, H: 2, W: 2, KH: 2, KW: 2, SH: 1, SW: 1})
	if !math.IsNaN(float64(dst[0])) {
		t.Errorf("got %v, want NaN", dst[0])
	}
}

func TestAdaptiveAvgPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct{ n, c, h, w, oh, ow int }{
		{1, 1, 1, 1, 1, 1},
		{2, 3, 7, 7, 1, 1},
		{1, 2, 7, 5, 3, 2},
		{1, 2, 5, 5, 5, 5},
		{1, 1, 4, 6, 6, 4}, // upsampling: windows overlap
		{2, 2, 10, 3, 4, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d-to-%dx%d", tt.h, tt.w, tt.oh, tt.ow), func(t *testing.T) {
			src := numtest.Rand(rng, tt.n*tt.c*tt.h*tt.w)
			dst := make([]float32, tt.n*tt.c*tt.oh*tt.ow)
			AdaptiveAvgPool2D(dst, src, tt.n, tt.c, tt.h, tt.w, tt.oh, tt.ow)
			var want []float64
			for pl := 0; pl < tt.n*tt.c; pl++ {
				for y := 0; y < tt.oh; y++ {
					for x := 0; x < tt.ow; x++ {
						y0 := int(math.Floor(float64(y*tt.h) / float64(tt.oh)))
						y1 := int(math.Ceil(float64((y+1)*tt.h) / float64(tt.oh)))
						x0 := int(math.Floor(float64(x*tt.w) / float64(tt.ow)))
						x1 := int(math.Ceil(float64((x+1)*tt.w) / float64(tt.ow)))
						s := 0.0
						for iy := y0; iy < y1; iy++ {
							for ix := x0; ix < x1; ix++ {
								s += float64(src[(pl*tt.h+iy)*tt.w+ix])
							}
						}
						want = append(want, s/float64((y1-y0)*(x1-x0)))
					}
				}
			}
			numtest.Close(t, "dst", dst, want, 1e-6)
		})
	}
}

func TestLRN(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name               string
		n, c, hw, size     int
		alpha, beta, kbias float64
	}{
		{"1x1x1", 1, 1, 1, 5, 1e-4, 0.75, 1},
		{"googlenet", 2, 8, 6, 5, 1e-4, 0.75, 1},
		{"even-size", 1, 7, 4, 4, 0.5, 0.75, 2},
		{"size-gt-channels", 1, 3, 2, 9, 2, 0.5, 1},
		{"size1", 1, 4, 3, 1, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := numtest.Rand(rng, tt.n*tt.c*tt.hw)
			for i := range src {
				src[i] *= 4 // make the normalisation matter
			}
			dst := make([]float32, len(src))
			LRN(dst, src, tt.n, tt.c, tt.hw, tt.size, tt.alpha, tt.beta, tt.kbias)
			var want []float64
			for b := 0; b < tt.n; b++ {
				for ch := 0; ch < tt.c; ch++ {
					for i := 0; i < tt.hw; i++ {
						s := 0.0
						// window of size channels, size/2 before and (size-1)/2 after
						for j := ch - tt.size/2; j < ch-tt.size/2+tt.size; j++ {
							if j >= 0 && j < tt.c {
								v := float64(src[(b*tt.c+j)*tt.hw+i])
								s += v * v
							}
						}
						x := float64(src[(b*tt.c+ch)*tt.hw+i])
						want = append(want, x/math.Pow(tt.kbias+tt.alpha/float64(tt.size)*s, tt.beta))
					}
				}
			}
			numtest.Close(t, "dst", dst, want, 1e-6)
		})
	}
}

func TestBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range []struct{ n, c, hw int }{{1, 1, 1}, {2, 3, 5}, {3, 4, 1}} {
		t.Run(fmt.Sprintf("%dx%dx%d", sz.n, sz.c, sz.hw), func(t *testing.T) {
			src := numtest.Rand(rng, sz.n*sz.c*sz.hw)
			gamma, beta, mean := numtest.Rand(rng, sz.c), numtest.Rand(rng, sz.c), numtest.Rand(rng, sz.c)
			variance := numtest.Rand(rng, sz.c)
			for i := range variance {
				variance[i] = variance[i]*variance[i] + 0.01
			}
			const eps = 1e-3
			dst := make([]float32, len(src))
			BatchNorm(dst, src, gamma, beta, mean, variance, sz.n, sz.c, sz.hw, eps)
			want := make([]float64, len(src))
			for i := range want {
				ch := i / sz.hw % sz.c
				want[i] = (float64(src[i])-float64(mean[ch]))/math.Sqrt(float64(variance[ch])+eps)*float64(gamma[ch]) + float64(beta[ch])
			}
			numtest.Close(t, "dst", dst, want, 1e-5)
		})
	}
}

func TestLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range []struct {
		n, in, out int
		bias       bool
	}{{1, 1, 1, true}, {2, 7, 3, true}, {3, 64, 10, false}, {1, 1024, 17, true}} {
		t.Run(fmt.Sprintf("%dx%d-to-%d", tt.n, tt.in, tt.out), func(t *testing.T) {
			src, w := numtest.Rand(rng, tt.n*tt.in), numtest.Rand(rng, tt.out*tt.in)
			var bias []float32
			if tt.bias {
				bias = numtest.Rand(rng, tt.out)
			}
			dst := make([]float32, tt.n*tt.out)
			Linear(dst, src, w, bias, tt.n, tt.in, tt.out)
			// Oracle: gonum, dst = src · wᵀ + bias.
			ref := make([]float32, tt.n*tt.out)
			for b := 0; b < tt.n && bias != nil; b++ {
				copy(ref[b*tt.out:], bias)
			}
			blas32.Gemm(blas.NoTrans, blas.Trans, 1,
				blas32.General{Rows: tt.n, Cols: tt.in, Stride: tt.in, Data: src},
				blas32.General{Rows: tt.out, Cols: tt.in, Stride: tt.in, Data: w},
				1, blas32.General{Rows: tt.n, Cols: tt.out, Stride: tt.out, Data: ref})
			numtest.Close(t, "gemm", dst, numtest.Float64s(ref), 1e-5)
			// And the formula in float64.
			want := make([]float64, tt.n*tt.out)
			for b := range tt.n {
				for o := range tt.out {
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for i := range tt.in {
						s += float64(w[o*tt.in+i]) * float64(src[b*tt.in+i])
					}
					want[b*tt.out+o] = s
				}
			}
			numtest.Close(t, "naive", dst, want, 1e-5)
		})
	}
}

func TestSoftmax(t *testing.T) {
	tests := []struct {
		name string
		n, c int
		src  []float32
		want []float64
	}{
		{"single", 1, 1, []float32{3}, []float64{1}},
		{"uniform", 1, 4, []float32{2, 2, 2, 2}, []float64{0.25, 0.25, 0.25, 0.25}},
		{"ln2", 1, 2, []float32{0, float32(math.Ln2)}, []float64{1.0 / 3, 2.0 / 3}},
		// Large inputs would overflow exp without the max shift.
		{"stable", 2, 3, []float32{1000, 1000, 1000, -1000, 0, 1000},
			[]float64{1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float32, len(tt.src))
			Softmax(dst, tt.src, tt.n, tt.c)
			numtest.Close(t, "dst", dst, tt.want, 1e-7)
		})
	}
}

func TestElementwise(t *testing.T) {
	a := []float32{-1, 0, 2.5, -0.5}
	b := []float32{1, 2, 3, 4}
	c := []float32{10, 20, 30, 40}
	t.Run("relu", func(t *testing.T) {
		dst := make([]float32, 4)
		ReLU(dst, a)
		numtest.Close(t, "dst", dst, []float64{0, 0, 2.5, 0}, 0)
	})
	t.Run("add", func(t *testing.T) {
		dst := make([]float32, 4)
		Add(dst, a, b, c)
		numtest.Close(t, "dst", dst, []float64{10, 22, 35.5, 43.5}, 0)
	})
	t.Run("concat", func(t *testing.T) {
		// n=2, hw=1: a is 2×2, b is 2×2, c1 is 2×1 channels.
		dst := make([]float32, 10)
		Concat(dst, 2, 1, a, b, []float32{7, 8})
		numtest.Close(t, "dst", dst, []float64{-1, 0, 1, 2, 7, 2.5, -0.5, 3, 4, 8}, 0)
	})
	t.Run("activations", func(t *testing.T) {
		x := []float32{-7, -3.5, -3, -1, -0.25, 0, 0.5, 2.9, 3, 6, 6.5, 40}
		for _, tc := range []struct {
			name string
			f    func(dst, src []float32)
			want func(v float64) float64
		}{
			{"relu6", ReLU6, func(v float64) float64 { return math.Min(math.Max(v, 0), 6) }},
			{"clamp", func(dst, src []float32) { Clamp(dst, src, -1, 2.5) }, func(v float64) float64 { return math.Min(math.Max(v, -1), 2.5) }},
			{"sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
			{"hardsigmoid", HardSigmoid, func(v float64) float64 { return math.Min(math.Max(v+3, 0), 6) / 6 }},
			{"hardswish", HardSwish, func(v float64) float64 { return v * math.Min(math.Max(v+3, 0), 6) / 6 }},
			{"silu", SiLU, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
			{"scale", func(dst, src []float32) { Scale(dst, src, 0.17) }, func(v float64) float64 { return 0.17 * v }},
		} {
			dst := make([]float32, len(x))
			tc.f(dst, x)
			var want []float64
			for _, v := range x {
				want = append(want, tc.want(float64(v)))
			}
			numtest.Close(t, tc.name, dst, want, 1e-7)
		}
	})
	t.Run("mul", func(t *testing.T) {
		// n=2, c=2, hw=2: full × per-channel × full.
		full := []float32{1, 2, 3, 4, 5, 6, 7, 8}
		ch := []float32{10, 20, 30, 40}
		dst := make([]float32, 8)
		Mul(dst, 2, 2, 2, full, ch, full)
		numtest.Close(t, "dst", dst, []float64{10, 40, 180, 320, 750, 1080, 1960, 2560}, 0)
		// Only per-channel inputs with hw 1: plain products.
		dst = dst[:4]
		Mul(dst, 2, 2, 1, ch, ch)
		numtest.Close(t, "1x1", dst, []float64{100, 400, 900, 1600}, 0)
	})
	t.Run("flatten-dropout", func(t *testing.T) {
		dst := make([]float32, 4)
		Flatten(dst, b)
		numtest.Close(t, "flatten", dst, numtest.Float64s(b), 0)
		Dropout(dst, c)
		numtest.Close(t, "dropout", dst, numtest.Float64s(c), 0)
	})
}

// TestFoldBatchNorm checks that a convolution with folded weights matches
// Conv2D followed by BatchNorm, and BatchNormScale reproduces BatchNorm bit
// for bit.
func TestFoldBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	p := Conv2DParams{C: 3, H: 6, W: 5, OutC: 4, KH: 3, KW: 3, SH: 1, SW: 1, Pad: Pad{1, 1, 1, 1}}
	src, w, bias := numtest.Rand(rng, 3*6*5), numtest.Rand(rng, 4*3*9), numtest.Rand(rng, 4)
	gamma, beta, mean := numtest.Rand(rng, 4), numtest.Rand(rng, 4), numtest.Rand(rng, 4)
	variance := numtest.Rand(rng, 4)
	for i := range variance {
		variance[i] += 1.5
	}
	conv := make([]float32, 4*30)
	Conv2D(conv, src, w, bias, 1, p)
	want := make([]float32, len(conv))
	BatchNorm(want, conv, gamma, beta, mean, variance, 1, 4, 30, 1e-3)
	fw, fb := FoldBatchNorm(w, bias, gamma, beta, mean, variance, 4, 1e-3)
	got := make([]float32, len(conv))
	Conv2D(got, src, fw, fb, 1, p)
	numtest.Close(t, "folded", got, numtest.Float64s(want), 1e-5)

	scale, shift := BatchNormScale(gamma, beta, mean, variance, 1e-3)
	for i, v := range conv {
		c := i / 30
		if y := float32(float64(v)*float64(scale[c]) + float64(shift[c])); y != want[i] {
			t.Fatalf("[%d]: scale/shift give %v, BatchNorm %v", i, y, want[i])
		}
	}
}

func TestCells(t *testing.T) {
	plane := []float32{1, 2, 3, 4, 5, 6} // 2×3
	if got := SumCell(plane, 3, 0, 2, 1, 3); got != 2+3+5+6 {
		t.Errorf("SumCell = %v", got)
	}
	if got := MaxCell(plane, 3, 1, 2, 0, 2); got != 5 {
		t.Errorf("MaxCell = %v", got)
	}
	if got := MaxCell(plane, 3, 0, 0, 0, 3); !math.IsInf(float64(got), -1) {
		t.Errorf("MaxCell of nothing = %v, want -Inf", got)
	}
	nan := float32(math.NaN())
	if got := MaxNaN(MaxNaN(1, nan), 5); got == got {
		t.Errorf("NaN does not win: %v", got)
	}
}

// TestConvCell: ConvCell is Conv2D's output pixel, bit for bit, at every
// pixel (border ones included) of grouped convolutions.
func TestConvCell(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	for _, tt := range groupCases {
		p := tt.p
		cg, og := p.C/p.Groups, p.OutC/p.Groups
		src := numtest.Rand(rng, p.C*p.H*p.W)
		weight := numtest.Rand(rng, p.OutC*cg*p.KH*p.KW)
		bias := numtest.Rand(rng, p.OutC)
		oh, ow := p.OutH(), p.OutW()
		dst := make([]float32, p.OutC*oh*ow)
		Conv2D(dst, src, weight, bias, 1, p)
		kk := cg * p.KH * p.KW
		for o := range p.OutC {
			in := src[o/og*cg*p.H*p.W : (o/og+1)*cg*p.H*p.W]
			for y := range oh {
				for x := range ow {
					got := ConvCell(in, weight[o*kk:(o+1)*kk], bias[o], cg, p.H, p.W, p.KH, p.KW, y*p.SH-p.Pad.Top, x*p.SW-p.Pad.Left)
					if want := dst[(o*oh+y)*ow+x]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s: channel %d pixel (%d, %d): %v, Conv2D %v", tt.name, o, y, x, got, want)
					}
				}
			}
		}
	}
}
