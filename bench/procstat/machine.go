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

// MachineBusy returns the CPU time all cores together have spent running
// processes since boot: user, nice, system, irq and softirq time from the
// first line of /proc/stat. On a kernel without CONFIG_IRQ_TIME_ACCOUNTING
// the per-thread counters (schedstat, utime and stime) include the
// interrupts that arrived while the thread ran, such as the softirq work
// of loopback traffic. Interrupt time is included here too, so the machine
// total minus the processes' totals leaves other processes. On a kernel
// with that option the per-thread counters leave interrupts out, and the
// difference includes them. Steal time (other virtual machines) is left
// out. Its resolution is 10 ms, so compare readings seconds apart.
func MachineBusy() (time.Duration, error) {
	return sumCPUFields(1, 2, 3, 6, 7)
}

// MachineNonIdle returns the CPU time all cores together have not been
// idle since boot: MachineBusy plus steal time. It shows whether the cores
// were saturated, loopback traffic included.
func MachineNonIdle() (time.Duration, error) {
	return sumCPUFields(1, 2, 3, 6, 7, 8)
}

// sumCPUFields sums fields of the first line of /proc/stat; after "cpu"
// they are user nice system idle iowait irq softirq steal.
func sumCPUFields(fields ...int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read machine CPU time: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	values := strings.Fields(line)
	if len(values) < 9 || values[0] != "cpu" {
		return 0, fmt.Errorf("parse /proc/stat: unexpected first line %q", line)
	}
	var sum int64
	for _, i := range fields {
		v, err := strconv.ParseInt(values[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat field %d %q: %w", i, values[i], err)
		}
		sum += v
	}
	return time.Duration(sum) * clockTick, nil
}
