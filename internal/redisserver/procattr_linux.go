package redisserver

import "syscall"

// sysProcAttr sets Pdeathsig so Linux kills redis-server when the process that started
// it dies, so a test binary killed by a timeout leaves no server behind.
//
// NOTE: Linux sends the signal when the OS thread that forked the child
// exits, not only when the whole process does. Go ends a thread only when a
// goroutine that locked it with runtime.LockOSThread returns without
// unlocking it. If that happens to the forking thread, redis-server is
// killed early.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
