package geom

import "testing"

func TestOut(t *testing.T) {
	tests := []struct {
		name             string
		in, k, s, p0, p1 int
		ceil             bool
		want             int
	}{
		{"googlenet-pool1-ceil", 112, 3, 2, 0, 0, true, 56},
		{"googlenet-pool1-floor", 112, 3, 2, 0, 0, false, 55},
		{"googlenet-pool2", 56, 3, 2, 0, 0, true, 28},
		{"googlenet-pool3", 28, 3, 2, 0, 0, true, 14},
		{"googlenet-pool4", 14, 3, 2, 0, 0, true, 7},
		{"torchvision-pool4-2x2", 14, 2, 2, 0, 0, true, 7},
		{"inception-pool-s1-p1", 28, 3, 1, 1, 1, true, 28},
		{"aux-avgpool-5s3", 14, 5, 3, 0, 0, true, 4},
		{"pool5-7x7", 7, 7, 1, 0, 0, true, 1},
		{"ceil-overhang", 6, 3, 2, 0, 0, true, 3},
		{"ceil-correction", 5, 2, 2, 1, 1, true, 3},    // ceil(5/2)+1 = 4, window 3 would start at 6 >= 5+1
		{"ceil-no-correction", 4, 3, 2, 1, 1, true, 3}, // last window starts at 3 < 4+1
		{"ceil-stride-gt-kernel", 5, 1, 3, 0, 0, true, 2},
		{"asymmetric", 5, 3, 2, 0, 2, false, 3},
		{"too-small", 2, 3, 1, 0, 0, true, 0},
		{"1x1", 1, 1, 1, 0, 0, true, 1},
		{"zero-kernel", 5, 0, 1, 0, 0, false, 0},
		{"zero-stride", 5, 1, 0, 0, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Out(tt.in, tt.k, tt.s, tt.p0, tt.p1, tt.ceil); got != tt.want {
				t.Errorf("Out(%d, %d, %d, %d, %d, %v) = %d, want %d", tt.in, tt.k, tt.s, tt.p0, tt.p1, tt.ceil, got, tt.want)
			}
		})
	}
}

// TestOutWindows counts windows one by one: with floor rounding, the windows
// that fit the padded input; with ceil rounding, also one that hangs over
// the end, and then without the last window if it starts in the trailing
// padding (PyTorch's rule for ceil_mode).
func TestOutWindows(t *testing.T) {
	for in := 1; in <= 9; in++ {
		for k := 1; k <= 5; k++ {
			for s := 1; s <= 4; s++ {
				for p0 := 0; p0 <= 2; p0++ {
					for p1 := 0; p1 <= 2; p1++ {
						padded := in + p0 + p1
						floor := 0
						for start := 0; start+k <= padded; start += s {
							floor++
						}
						// Rounding up admits one more window, hanging over the
						// end (it starts less than a stride after the last one
						// that fits); then the last window is dropped if it
						// starts beyond the image and its leading padding.
						ceil := floor
						if floor > 0 && floor*s < padded-k+s {
							ceil++
						}
						if ceil > 0 && (ceil-1)*s >= in+p0 {
							ceil--
						}
						if padded < k {
							floor, ceil = 0, 0
						}
						if got := Out(in, k, s, p0, p1, false); got != floor {
							t.Errorf("Out(%d, %d, %d, %d, %d, floor) = %d, want %d", in, k, s, p0, p1, got, floor)
						}
						if got := Out(in, k, s, p0, p1, true); got != ceil {
							t.Errorf("Out(%d, %d, %d, %d, %d, ceil) = %d, want %d", in, k, s, p0, p1, got, ceil)
						}
					}
				}
			}
		}
	}
}

func TestSame(t *testing.T) {
	for in := 1; in <= 12; in++ {
		for k := 1; k <= 7; k++ {
			for s := 1; s <= 3; s++ {
				lo, hi := Same(in, k, s)
				if lo < 0 || hi < lo || hi > lo+1 {
					t.Errorf("Same(%d, %d, %d) = %d, %d: want the odd cell at the end", in, k, s, lo, hi)
				}
				if want := (in + s - 1) / s; Out(in, k, s, lo, hi, false) != want {
					t.Errorf("Same(%d, %d, %d) = %d, %d gives %d outputs, want %d", in, k, s, lo, hi, Out(in, k, s, lo, hi, false), want)
				}
				if lo+hi > 0 && Out(in, k, s, lo, hi-1, false) == (in+s-1)/s && Out(in, k, s, lo-1, hi, false) == (in+s-1)/s {
					t.Errorf("Same(%d, %d, %d) = %d, %d pads more than needed", in, k, s, lo, hi)
				}
			}
		}
	}
}

// TestTapsInside compares Taps and Inside with testing every output.
func TestTapsInside(t *testing.T) {
	for in := 1; in <= 8; in++ {
		for k := 1; k <= 5; k++ {
			for s := 1; s <= 3; s++ {
				for pad := 0; pad <= 3; pad++ {
					out := Out(in, k, s, pad, pad, true)
					inside := func(y int) bool { return y >= 0 && y < in }
					for i := range k {
						lo, hi := Taps(i, pad, s, in, out)
						for o := range out {
							if got, want := o >= lo && o < hi, inside(o*s-pad+i); got != want {
								t.Errorf("Taps(%d, %d, %d, %d, %d) = [%d, %d): output %d in range %v, want %v", i, pad, s, in, out, lo, hi, o, got, want)
							}
						}
					}
					lo, hi := Inside(in, out, k, s, pad)
					for o := range out {
						if got, want := o >= lo && o < hi, inside(o*s-pad) && inside(o*s-pad+k-1); got != want {
							t.Errorf("Inside(%d, %d, %d, %d, %d) = [%d, %d): output %d in range %v, want %v", in, out, k, s, pad, lo, hi, o, got, want)
						}
					}
				}
			}
		}
	}
}
