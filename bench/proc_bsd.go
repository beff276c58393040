//go:build unix && !linux

package bench

import "syscall"

// childProcAttr puts a target in its own process group, so that SIGKILL
// reaches its workers too.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
