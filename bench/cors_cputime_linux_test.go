package bench

import (
	"syscall"
	"unsafe"
)

// corsThreadCPU returns the CPU time consumed by the calling OS thread, in
// nanoseconds (clock_gettime(CLOCK_THREAD_CPUTIME_ID)). Unlike wall time,
// it does not grow while the thread waits for a core, which keeps the
// benchmarks readable on a loaded machine.
func corsThreadCPU() (int64, bool) {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0, false
	}
	return ts.Nano(), true
}
