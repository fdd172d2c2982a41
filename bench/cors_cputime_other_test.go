//go:build !linux

package bench

// threadCPU is only implemented on Linux.
func threadCPU() (int64, bool) { return 0, false }
