package bench

import (
	"os"
	"syscall"
)

// childProcAttr returns nil: Windows has no process groups to set here.
func childProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p; its own children survive on Windows.
func killGroup(p *os.Process) {
	_ = p.Kill()
}
