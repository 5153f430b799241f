package ref

import "github.com/inccdev/incc/internal/geom"

// Conv2D computes a 2-D convolution (cross-correlation, as in every
// framework) of a batch of n images. src is n×C×H×W, weight is
// OutC×(C/G)×KH×KW with G = p.Groups, bias is OutC values or nil, dst is
// n×OutC×OH×OW with OH, OW from [Conv2DParams.OutH] and [Conv2DParams.OutW].
// Padded cells are zero. Output channel o belongs to group g = o/(OutC/G)
// and reads the input channels of group g, g·(C/G) + c:
//
//	dst[b][o][y][x] = bias[o] + Σ_{c<C/G, i<KH, j<KW}
//	        weight[o][c][i][j] · src[b][g·C/G + c][y·SH - Pad.Top + i][x·SW - Pad.Left + j]
//
// (with one group, g = 0 and c runs over every channel). The sum runs over
// c, then i, then j, skipping taps in the padding; each tap is added to a
// whole output row at once, so the innermost loop walks contiguous memory.
func Conv2D(dst, src, weight, bias []float32, n int, p Conv2DParams) {
	oh, ow := p.OutH(), p.OutW()
	g := p.groups()
	if oh <= 0 || ow <= 0 || p.C <= 0 || p.OutC <= 0 || p.C%g != 0 || p.OutC%g != 0 {
		shapePanic("conv2d: bad geometry %+v", p)
	}
	inPlane, outPlane, kk := p.H*p.W, oh*ow, p.KH*p.KW
	cg, og := p.C/g, p.OutC/g // channels of a group, in and out
	checkLen("conv2d", "src", src, n*p.C*inPlane)
	checkLen("conv2d", "dst", dst, n*p.OutC*outPlane)
	checkLen("conv2d", "weight", weight, p.OutC*cg*kk)
	if bias != nil {
		checkLen("conv2d", "bias", bias, p.OutC)
	}
	// Rows and columns of the output that each kernel tap reaches.
	rows := make([][2]int, p.KH)
	for i := range rows {
		rows[i][0], rows[i][1] = geom.Taps(i, p.Pad.Top, p.SH, p.H, oh)
	}
	cols := make([][2]int, p.KW)
	for j := range cols {
		cols[j][0], cols[j][1] = geom.Taps(j, p.Pad.Left, p.SW, p.W, ow)
	}
	for b := range n {
		img := src[b*p.C*inPlane : (b+1)*p.C*inPlane]
		for o := range p.OutC {
			out := dst[(b*p.OutC+o)*outPlane : (b*p.OutC+o+1)*outPlane]
			var v float32
			if bias != nil {
				v = bias[o]
			}
			for k := range out {
				out[k] = v
			}
			for c := range cg {
				ic := o/og*cg + c
				plane := img[ic*inPlane : (ic+1)*inPlane]
				wk := weight[(o*cg+c)*kk : (o*cg+c+1)*kk]
				for i := range p.KH {
					for j := range p.KW {
						wv := wk[i*p.KW+j]
						lo, hi := cols[j][0], cols[j][1]
						if lo >= hi {
							continue
						}
						x0 := lo*p.SW - p.Pad.Left + j
						for y := rows[i][0]; y < rows[i][1]; y++ {
							iy := y*p.SH - p.Pad.Top + i
							row := plane[iy*p.W : (iy+1)*p.W]
							orow := out[y*ow+lo : y*ow+hi]
							if p.SW == 1 {
								in := row[x0 : x0+len(orow)]
								for k := range orow {
									orow[k] += wv * in[k]
								}
							} else {
								for k := range orow {
									orow[k] += wv * row[x0+k*p.SW]
								}
							}
						}
					}
				}
			}
		}
	}
}

// ConvCell is one output of a convolution as [Conv2D] computes it, for
// generated code's border pixels: b plus, for each of the cg input planes
// of h×w in in, each tap of the kh×kw window whose top-left corner is at
// (iy, ix) (in the padding where negative) that lies in the image, times
// its weight in wk (cg×kh×kw), summed over planes, then rows, then columns.
func ConvCell(in, wk []float32, b float32, cg, h, w, kh, kw, iy, ix int) float32 {
	v := b
	for c := range cg {
		plane, wc := in[c*h*w:(c+1)*h*w], wk[c*kh*kw:(c+1)*kh*kw]
		for i := max(0, -iy); i < min(kh, h-iy); i++ {
			row := plane[(iy+i)*w : (iy+i+1)*w]
			for j := max(0, -ix); j < min(kw, w-ix); j++ {
				v += wc[i*kw+j] * row[ix+j]
			}
		}
	}
	return v
}
