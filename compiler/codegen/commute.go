package codegen

import "github.com/inccdev/incc/compiler/ir"

// commutePools returns net with each average pool that alone feeds a 1×1
// convolution with fewer output channels moved after it (net itself if
// there is none), and the rewritten ops' indices (the convolution now at
// the pool's, the pool at the convolution's).
//
// A 1×1 convolution without bias is linear and acts on each pixel alone,
// and an average pool sums each channel's window and divides by a count
// that depends on the window alone: W·avg(x) = avg(W·x), with the padding
// in the divisor or without. The pool then averages the convolution's
// channels instead of its input's: in the pool branch of Inception-v3's
// and Inception-v4's blocks 4 to 10 times fewer (768 → 192, 1024 → 128),
// and pools are memory-bound. What follows the convolution (its batch
// norm, activation) follows the pool: a batch norm is a pass of its own
// then, not folded into the weights (its shift would be averaged with the
// padding's zeros), a small one at the pool's output. The rounding
// differs from the spec's order (within the parity tests' 1e-4); the
// interpreter keeps the spec's.
//
// Only pools of stride 1 whose output has the input's size qualify, so
// the convolution computes no more pixels than before; and only
// convolutions without bias (with one, the bias would be averaged too).
func commutePools(net *ir.Network) (*ir.Network, map[int]bool) {
	readers := make([]int, len(net.Values))
	for i := range net.Ops {
		for _, in := range net.Ops[i].In {
			readers[in]++
		}
	}
	external := map[int]bool{net.Output: true}
	for _, h := range net.Heads {
		external[h.Output] = true
		external[h.At] = true
	}
	var out *ir.Network
	moved := map[int]bool{}
	for ic := range net.Ops {
		c := &net.Ops[ic]
		if c.Kind != ir.KindConv || len(c.In) != 1 || !commutes(c.Conv) {
			continue
		}
		y := c.In[0]
		ip := net.Values[y].Producer
		if ip < 0 || readers[y] != 1 || external[y] {
			continue
		}
		p := &net.Ops[ip]
		in, sh := net.Shape(p.In[0]), net.Shape(y)
		if p.Kind != ir.KindAvgPool || p.Head != c.Head || p.Pool.SH != 1 || p.Pool.SW != 1 ||
			sh.H != in.H || sh.W != in.W || c.Conv.Out >= in.C {
			continue
		}
		if out == nil {
			out = &ir.Network{}
			*out = *net
			out.Values = append([]ir.Value(nil), net.Values...)
			out.Ops = append([]ir.Op(nil), net.Ops...)
		}
		// The convolution reads the pool's input into the pool's old
		// output value, reshaped; the pool reads that into the
		// convolution's output.
		conv, pool := out.Ops[ic], out.Ops[ip]
		conv.In, conv.Out = []int{pool.In[0]}, y
		pool.In, pool.Out = []int{y}, c.Out
		out.Ops[ip], out.Ops[ic] = conv, pool
		out.Values[y].Shape = ir.Shape{C: c.Conv.Out, H: in.H, W: in.W}
		moved[ip], moved[ic] = true, true
	}
	if out == nil {
		return net, nil
	}
	return out, moved
}

// commutes reports whether a convolution commutes with an average pool:
// 1×1, stride 1, no padding, one group, no bias.
func commutes(c *ir.Conv) bool {
	return directConv(c) && c.Groups <= 1 && !c.Bias
}
