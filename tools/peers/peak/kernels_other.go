//go:build !(goexperiment.simd && amd64)

package main

func kernels() []kernel { return nil }
