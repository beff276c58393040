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
// processes since boot: user, nice and system time from the first line of
// /proc/stat. Interrupt time is left out because the loopback traffic of a
// load test itself lands there, and so is steal time (other virtual
// machines). Its resolution is 10 ms, so compare readings seconds apart.
func MachineBusy() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read machine CPU time: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("parse /proc/stat: unexpected first line %q", line)
	}
	var busy int64
	// Fields after "cpu": user nice system idle iowait irq softirq steal.
	for _, i := range []int{1, 2, 3} {
		v, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat field %d %q: %w", i, fields[i], err)
		}
		busy += v
	}
	return time.Duration(busy) * clockTick, nil
}
