package bench

import (
	"os/exec"
	"syscall"
)

// proxyDieWithParent makes a benchmark's server process die with the
// benchmark, even when the benchmark is killed before its cleanups run.
func proxyDieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
