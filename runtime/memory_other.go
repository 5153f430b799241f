//go:build !linux

package runtime

// systemMemory is unknown here.
func systemMemory() int64 { return 0 }
