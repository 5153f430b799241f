package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// toyWeights is the weights of toyForward: out = In·scale + worker-independent offset.
type toyWeights struct{ scale float32 }

var toyLayout = Layout{Name: "toy", InputLen: 3, ArenaLen: 8, ScratchLen: 2,
	Output: Slot{Off: 0, Len: 3}, Heads: []Slot{{Off: 4, Len: 1}, {Off: 1, Len: 2, Input: true}}}

// toyLayer doubles the input into arena[0:3], one item per value, and uses
// the worker's scratch.
func toyLayer(e *Exec[toyWeights], worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		e.Scratch[worker][0] = e.In[i]
		e.Arena[i] = e.Scratch[worker][0] * e.W.scale
	}
}

func toyHead(e *Exec[toyWeights], worker, lo, hi int) {
	e.Arena[4] = e.Arena[0] + e.Arena[1] + e.Arena[2]
}

func toyForward(e *Exec[toyWeights], p *Workers, heads bool) {
	Parallel(p, 3, e, toyLayer)
	if heads {
		Parallel(p, 1, e, toyHead)
	}
}

func TestEngine(t *testing.T) {
	w := &toyWeights{scale: 2}
	for _, threads := range []int{1, 2, 3} {
		en := NewEngine(w, &toyLayout, threads, true, toyForward)
		for n := 0; n <= 7; n++ {
			t.Run(fmt.Sprintf("threads%d/batch%d", threads, n), func(t *testing.T) {
				src := make([]float32, 3*n)
				for i := range src {
					src[i] = float32(i)
				}
				dst := make([]float32, 3*n)
				heads := [][]float32{make([]float32, n), make([]float32, 2*n)}
				if err := en.Run(dst, heads, src, n); err != nil {
					t.Fatal(err)
				}
				for b := range n {
					for i := range 3 {
						if got, want := dst[3*b+i], 2*src[3*b+i]; got != want {
							t.Errorf("image %d: dst[%d] = %v, want %v", b, i, got, want)
						}
					}
					if got, want := heads[0][b], 2*(src[3*b]+src[3*b+1]+src[3*b+2]); got != want {
						t.Errorf("image %d: head 0 = %v, want %v", b, got, want)
					}
					if got, want := heads[1][2*b:2*b+2], src[3*b+1:3*b+3]; got[0] != want[0] || got[1] != want[1] {
						t.Errorf("image %d: head 1 (a view of the input) = %v, want %v", b, got, want)
					}
				}
				if a := testing.AllocsPerRun(5, func() { en.Run(dst, heads, src, n) }); a != 0 {
					t.Errorf("Run allocates %v times", a)
				}
			})
		}
		c := en.Clone()
		en.Close()
		dst := make([]float32, 3)
		if err := en.Run(dst, nil, []float32{1, 2, 3}, 1); err == nil || !strings.Contains(err.Error(), "Close") {
			t.Errorf("Run after Close: %v", err)
		}
		if err := c.Run(dst, nil, []float32{1, 2, 3}, 1); err != nil || dst[2] != 6 {
			t.Errorf("clone after the original's Close: %v %v", err, dst)
		}
		c.Close()
	}
}

func TestEngineErrors(t *testing.T) {
	en := NewEngine(&toyWeights{1}, &toyLayout, 1, false, toyForward)
	defer en.Close()
	withHeads := NewEngine(&toyWeights{1}, &toyLayout, 1, true, toyForward)
	defer withHeads.Close()
	f := func(n int) []float32 { return make([]float32, n) }
	for _, tt := range []struct {
		name  string
		en    *Engine[toyWeights]
		dst   []float32
		heads [][]float32
		src   []float32
		n     int
		want  string
	}{
		{"negative", en, nil, nil, nil, -1, "batch of -1"},
		{"short src", en, f(3), nil, f(2), 1, "input has 2 values, want 3"},
		{"short dst", en, f(2), nil, f(3), 1, "output has room for 2 values, want 3"},
		{"heads off", en, f(3), [][]float32{f(1), f(2)}, f(3), 1, "without Options.Heads"},
		{"head count", withHeads, f(3), [][]float32{f(1)}, f(3), 1, "1 head outputs, want 2"},
		{"head size", withHeads, f(3), [][]float32{f(1), f(1)}, f(3), 1, "head 1 output has room for 1 values, want 2"},
	} {
		err := tt.en.Run(tt.dst, tt.heads, tt.src, tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "toy: ") {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
