//go:build goexperiment.simd && amd64

package main

import "simd/archsimd"

func kernels() []kernel {
	var ks []kernel
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		ks = append(ks, kernel{"fma-ymm (AVX2, 8 lanes)", 4 * 12 * 8 * 2, fma256})
	}
	if archsimd.X86.AVX512() {
		ks = append(ks, kernel{"fma-zmm (AVX-512, 16 lanes)", 4 * 12 * 16 * 2, fma512})
	}
	return ks
}

func fma256(iters int) float32 {
	b, c := archsimd.BroadcastFloat32x8(0.999999), archsimd.BroadcastFloat32x8(1e-6)
	a0, a1, a2, a3 := archsimd.BroadcastFloat32x8(1), archsimd.BroadcastFloat32x8(1.01), archsimd.BroadcastFloat32x8(1.02), archsimd.BroadcastFloat32x8(1.03)
	a4, a5, a6, a7 := archsimd.BroadcastFloat32x8(1.04), archsimd.BroadcastFloat32x8(1.05), archsimd.BroadcastFloat32x8(1.06), archsimd.BroadcastFloat32x8(1.07)
	a8, a9, a10, a11 := archsimd.BroadcastFloat32x8(1.08), archsimd.BroadcastFloat32x8(1.09), archsimd.BroadcastFloat32x8(1.10), archsimd.BroadcastFloat32x8(1.11)
	for range iters {
		for range 4 {
			a0, a1, a2, a3 = a0.MulAdd(b, c), a1.MulAdd(b, c), a2.MulAdd(b, c), a3.MulAdd(b, c)
			a4, a5, a6, a7 = a4.MulAdd(b, c), a5.MulAdd(b, c), a6.MulAdd(b, c), a7.MulAdd(b, c)
			a8, a9, a10, a11 = a8.MulAdd(b, c), a9.MulAdd(b, c), a10.MulAdd(b, c), a11.MulAdd(b, c)
		}
	}
	s := a0.Add(a1).Add(a2).Add(a3).Add(a4).Add(a5).Add(a6).Add(a7).Add(a8).Add(a9).Add(a10).Add(a11)
	var o [8]float32
	s.Store(&o)
	return o[0]
}

func fma512(iters int) float32 {
	b, c := archsimd.BroadcastFloat32x16(0.999999), archsimd.BroadcastFloat32x16(1e-6)
	a0, a1, a2, a3 := archsimd.BroadcastFloat32x16(1), archsimd.BroadcastFloat32x16(1.01), archsimd.BroadcastFloat32x16(1.02), archsimd.BroadcastFloat32x16(1.03)
	a4, a5, a6, a7 := archsimd.BroadcastFloat32x16(1.04), archsimd.BroadcastFloat32x16(1.05), archsimd.BroadcastFloat32x16(1.06), archsimd.BroadcastFloat32x16(1.07)
	a8, a9, a10, a11 := archsimd.BroadcastFloat32x16(1.08), archsimd.BroadcastFloat32x16(1.09), archsimd.BroadcastFloat32x16(1.10), archsimd.BroadcastFloat32x16(1.11)
	for range iters {
		for range 4 {
			a0, a1, a2, a3 = a0.MulAdd(b, c), a1.MulAdd(b, c), a2.MulAdd(b, c), a3.MulAdd(b, c)
			a4, a5, a6, a7 = a4.MulAdd(b, c), a5.MulAdd(b, c), a6.MulAdd(b, c), a7.MulAdd(b, c)
			a8, a9, a10, a11 = a8.MulAdd(b, c), a9.MulAdd(b, c), a10.MulAdd(b, c), a11.MulAdd(b, c)
		}
	}
	s := a0.Add(a1).Add(a2).Add(a3).Add(a4).Add(a5).Add(a6).Add(a7).Add(a8).Add(a9).Add(a10).Add(a11)
	var o [16]float32
	s.Store(&o)
	return o[0]
}
