// Package procstat measures the memory and CPU time of Linux processes from
// /proc, either one process or a process with all its descendants (a gunicorn
// master and its workers count together).
//
// CPU time comes from the first field of /proc/PID/task/TID/schedstat, the
// scheduler's sum_exec_runtime in nanoseconds (user and system time
// together). /proc/PID/stat counts 10 ms ticks, too coarse for the 100 ms
// samples the harness takes. Memory is the resident set size from
// /proc/PID/statm, summed over the processes, and its anonymous part.
package procstat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrExited is returned by Counter.Sample when the root process no longer
// exists.
var ErrExited = errors.New("procstat: process exited")

// Usage is one reading of a process or process tree.
type Usage struct {
	// RSSBytes is the resident set size summed over the processes. Pages
	// shared between processes (a forked worker and its master) count once
	// per process, as in ps and top.
	RSSBytes int64
	// RSSAnonBytes is the anonymous (private: heap, stacks) part of
	// RSSBytes, summed over the processes: statm's resident minus shared
	// pages, the RssAnon of /proc/PID/status. It leaves out the file-backed
	// pages, such as the executable's code, that the kernel can drop and
	// reread.
	RSSAnonBytes int64
	// CPU is the user plus system time used since the Counter was created,
	// including threads and processes that have exited since.
	CPU time.Duration
	// Procs is the number of processes read.
	Procs int
}

// maxGone bounds the memory kept about exited threads.
const maxGone = 100000

// Counter reads a process, or a process and its descendants, and keeps
// cumulative CPU time across readings. Threads that exit keep the CPU time
// of their last reading: the time they used after that reading is lost, as
// is the whole time of a thread that lives between two readings.
//
// A Counter is not safe for concurrent use.
type Counter struct {
	root     int
	tree     bool
	procDir  string
	pageSize int64

	last    map[int]time.Duration // thread id -> CPU at its last reading
	retired time.Duration         // CPU of threads gone since
	gone    map[int]time.Duration // retired threads that may yet reappear
	base    time.Duration         // total at the first reading
	started bool
}

// NewCounter returns a Counter for pid; with tree set it also reads every
// descendant of pid found through /proc/PID/task/TID/children.
func NewCounter(pid int, tree bool) *Counter {
	return &Counter{
		root:     pid,
		tree:     tree,
		procDir:  "/proc",
		pageSize: int64(os.Getpagesize()),
		last:     map[int]time.Duration{},
		gone:     map[int]time.Duration{},
	}
}

// PID returns the root process id.
func (c *Counter) PID() int { return c.root }

// Sample reads the processes now. CPU is relative to the first call, which
// therefore returns a CPU of zero. It returns ErrExited when the root process
// is gone.
func (c *Counter) Sample() (Usage, error) {
	pids := []int{c.root}
	if c.tree {
		pids = c.descendants(c.root)
	}

	var u Usage
	seen := make(map[int]time.Duration, len(c.last))
	for _, pid := range pids {
		rss, anon, err := c.readRSS(pid)
		if err != nil {
			if pid == c.root {
				return Usage{}, fmt.Errorf("read process %d: %w", pid, ErrExited)
			}
			continue // a descendant exited between listing and reading
		}
		u.RSSBytes += rss
		u.RSSAnonBytes += anon
		u.Procs++
		c.readThreads(pid, seen)
	}

	total := c.account(seen)
	if !c.started {
		c.base = total
		c.started = true
	}
	u.CPU = total - c.base
	return u, nil
}

// account retires the threads missing from seen and returns the cumulative
// CPU time of every thread ever read.
func (c *Counter) account(seen map[int]time.Duration) time.Duration {
	for tid, cpu := range c.last {
		now, ok := seen[tid]
		if !ok || now < cpu {
			// Gone, or the id was reused by a new thread whose counter
			// restarted from zero.
			c.retired += cpu
		}
		if !ok {
			c.gone[tid] = cpu
		}
	}
	// A thread missed by one reading (its process was briefly absent from
	// its parent's children list) must not count twice when it returns.
	for tid, now := range seen {
		if old, ok := c.gone[tid]; ok {
			delete(c.gone, tid)
			if now >= old {
				c.retired -= old
			}
		}
	}
	if len(c.gone) > maxGone {
		clear(c.gone)
	}
	c.last = seen

	total := c.retired
	for _, cpu := range seen {
		total += cpu
	}
	return total
}

// readRSS returns the resident set size of pid and its anonymous part, in
// bytes. The kernel counts statm's shared pages as file-backed plus shmem
// pages, so resident minus shared is the RssAnon of /proc/PID/status.
func (c *Counter) readRSS(pid int) (rss, anon int64, err error) {
	data, err := os.ReadFile(filepath.Join(c.procDir, strconv.Itoa(pid), "statm"))
	if err != nil {
		return 0, 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return 0, 0, fmt.Errorf("parse statm of process %d: %q", pid, data)
	}
	var pages [2]int64
	for i, field := range fields[1:3] {
		pages[i], err = strconv.ParseInt(field, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse statm of process %d: %w", pid, err)
		}
	}
	resident, shared := pages[0], pages[1]
	return resident * c.pageSize, (resident - shared) * c.pageSize, nil
}

// readThreads stores the CPU time of each thread of pid in seen.
func (c *Counter) readThreads(pid int, seen map[int]time.Duration) {
	taskDir := filepath.Join(c.procDir, strconv.Itoa(pid), "task")
	entries, err := os.ReadDir(taskDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cpu, err := readSchedstat(filepath.Join(taskDir, e.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited after the listing
		}
		seen[tid] = cpu
	}
}

func readSchedstat(path string) (time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	ns, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return time.Duration(ns), nil
}

// descendants returns pid and every process below it, parents first.
func (c *Counter) descendants(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out) && i < 10000; i++ {
		out = append(out, c.children(out[i])...)
	}
	return out
}

// children lists the direct children of pid from the children file of each
// of its threads (a child belongs to the thread that forked it).
func (c *Counter) children(pid int) []int {
	taskDir := filepath.Join(c.procDir, strconv.Itoa(pid), "task")
	entries, err := os.ReadDir(taskDir)
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(taskDir, e.Name(), "children"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(f); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}

// Supported reports whether this system exposes what Counter reads: it
// returns nil, or an error naming the missing /proc file.
func Supported() error {
	self := filepath.Join("/proc", strconv.Itoa(os.Getpid()))
	tid := strconv.Itoa(os.Getpid())
	for _, p := range []string{
		filepath.Join(self, "statm"),
		filepath.Join(self, "task", tid, "schedstat"),
		filepath.Join(self, "task", tid, "children"),
	} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("procstat needs %s (Linux with CONFIG_PROC_CHILDREN): %w", p, err)
		}
	}
	return nil
}
