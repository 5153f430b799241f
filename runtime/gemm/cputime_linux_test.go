package gemm

import (
	"syscall"
	"unsafe"
)

// threadCPU returns the calling thread's CPU time in seconds
// (CLOCK_THREAD_CPUTIME_ID): under load from other processes it counts
// only the time this thread ran. Lock the goroutine to its thread first.
func threadCPU() float64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		panic(e)
	}
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}
