//go:build !amd64 || purego

package runtime

func lrnVector(dst, src []float32, c, hw, size int, alpha, k float32, p0, p1 int) bool { return false }
