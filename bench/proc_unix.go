//go:build unix

package bench

import (
	"os"
	"syscall"
)

// killGroup sends SIGKILL to the process group that p leads.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}
