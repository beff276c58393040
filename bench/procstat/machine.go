package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/stat, USER_HZ, which is 100 per second on
// Linux for every architecture that Go supports.
const clockTick = 10 * time.Millisecond

// MachineSample is one reading of the machine's CPU counters in
// /proc/stat. Two samples give how long the cores ran between them.
//
// The busy time is derived from the idle time, not from the user, system,
// irq and softirq fields. On a tickless kernel with tick-based CPU
// accounting (CONFIG_NO_HZ and CONFIG_TICK_CPU_ACCOUNTING, as on the test
// machine), idle and iowait are measured precisely when a core enters and
// leaves idle, but the busy fields are sampled at each timer tick. Work
// that runs in bursts shorter than a tick, as a server at a few hundred
// requests per second does, is then partly missed. Take a 10 s attack at
// 800/s and the 3 s wait for its delayed responses: the busy fields grew
// by 2.1 CPU-seconds. The target and the attacker alone used 3.2 by their
// own exact counters (schedstat), and wall time minus idle gave 3.8.
type MachineSample struct {
	at    time.Time
	cores int
	idle  time.Duration // idle and iowait
	steal time.Duration
}

// ReadMachine reads the CPU counters of /proc/stat.
func ReadMachine() (MachineSample, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return MachineSample{}, fmt.Errorf("read machine CPU time: %w", err)
	}
	at := time.Now()
	return parseMachine(string(data), at)
}

// parseMachine parses the content of /proc/stat read at time at.
func parseMachine(data string, at time.Time) (MachineSample, error) {
	s := MachineSample{at: at}
	lines := strings.Split(data, "\n")
	values := strings.Fields(lines[0])
	// After "cpu": user nice system idle iowait irq softirq steal.
	if len(values) < 9 || values[0] != "cpu" {
		return MachineSample{}, fmt.Errorf("parse /proc/stat: invalid first line %q, want \"cpu\" and 8 counters", lines[0])
	}
	field := func(i int) (time.Duration, error) {
		v, err := strconv.ParseInt(values[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat field %d %q: %w", i, values[i], err)
		}
		return time.Duration(v) * clockTick, nil
	}
	idle, err := field(4)
	if err != nil {
		return MachineSample{}, err
	}
	iowait, err := field(5)
	if err != nil {
		return MachineSample{}, err
	}
	if s.steal, err = field(8); err != nil {
		return MachineSample{}, err
	}
	s.idle = idle + iowait
	// One line per online core: cpu0, cpu1, ...
	for _, line := range lines[1:] {
		if len(line) > 3 && strings.HasPrefix(line, "cpu") && line[3] >= '0' && line[3] <= '9' {
			s.cores++
		}
	}
	if s.cores == 0 {
		return MachineSample{}, fmt.Errorf("parse /proc/stat: no per-core lines")
	}
	return s, nil
}

// Cores returns the number of online cores in the sample: the cpuN lines
// of /proc/stat, which cover the whole machine even when this process may
// run on fewer of them (taskset, a cpuset cgroup).
func (s MachineSample) Cores() int { return s.cores }

// BusySince returns the CPU time all cores together spent running
// processes and interrupts from earlier to s: the wall time times the
// cores, less idle, iowait and steal time (other virtual machines). The
// per-thread counters include the interrupts that arrive while a thread
// runs on a kernel without CONFIG_IRQ_TIME_ACCOUNTING, so the machine total
// minus the processes' totals leaves other processes. Its resolution is
// 10 ms per core, so compare samples seconds apart.
func (s MachineSample) BusySince(earlier MachineSample) time.Duration {
	return max(0, s.NonIdleSince(earlier)-(s.steal-earlier.steal))
}

// NonIdleSince returns the CPU time all cores together were not idle from
// earlier to s: BusySince plus steal time. It shows whether the cores were
// saturated, loopback traffic included.
func (s MachineSample) NonIdleSince(earlier MachineSample) time.Duration {
	wall := s.at.Sub(earlier.at) * time.Duration(s.cores)
	return max(0, wall-(s.idle-earlier.idle))
}
