//go:build !linux

package redisserver

import "syscall"

// sysProcAttr returns nil: outside Linux a redis-server started here outlives
// a test binary that is killed before it calls Stop.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
