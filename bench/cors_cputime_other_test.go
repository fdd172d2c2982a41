//go:build !linux

package bench

// corsThreadCPU is only implemented on Linux.
func corsThreadCPU() (int64, bool) { return 0, false }
