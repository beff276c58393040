package bench

import "syscall"

// childProcAttr puts a target in its own process group, so that SIGKILL
// reaches its workers too, and makes Linux kill it if the harness dies.
//
// NOTE: Linux sends Pdeathsig when the thread that forked the child exits.
// Go ends a thread only when a goroutine that locked it returns without
// unlocking it, which the harness never does.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
