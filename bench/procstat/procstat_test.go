package procstat

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// roleEnv makes the test binary act as a helper process instead of running
// the tests.
const roleEnv = "PROCSTAT_TEST_ROLE"

const allocBytes = 64 << 20

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "":
		os.Exit(m.Run())
	case "parent":
		runParent()
	case "alloc":
		runAlloc()
	case "burn":
		runBurn()
	}
	os.Exit(3)
}

// runParent starts an allocating child that shares its stdout, then waits
// for the test to kill the process group.
func runParent() {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=alloc")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start alloc child:", err)
		os.Exit(1)
	}
	_ = cmd.Wait()
	os.Exit(0)
}

// runAlloc touches allocBytes of memory, reports ready and sleeps.
func runAlloc() {
	buf := make([]byte, allocBytes)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	fmt.Println(buf[len(buf)-4096]) // keeps buf alive
	os.Exit(0)
}

// runBurn waits for a line on stdin, spins until it has used 300 ms more CPU
// time, reports ready and sleeps.
func runBurn() {
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	start := selfCPU()
	x := 0
	for selfCPU()-start < 300*time.Millisecond {
		for i := range 100000 {
			x += i
		}
	}
	fmt.Println("ready", x > 0)
	time.Sleep(time.Minute)
	os.Exit(0)
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startHelper starts the test binary in role, in its own process group
// killed at cleanup, and returns it with its stdin and stdout.
func startHelper(t *testing.T, role string) (*exec.Cmd, io.Writer, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper %s: %v", role, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return cmd, stdin, bufio.NewReader(stdout)
}

func waitReady(t *testing.T, r *bufio.Reader) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		t.Fatalf("helper did not report ready: line %q, error %v", line, err)
	}
}

func TestCounterTreeSeesChildMemory(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	cmd, _, out := startHelper(t, "parent")
	waitReady(t, out)

	tree, err := NewCounter(cmd.Process.Pid, true).Sample()
	if err != nil {
		t.Fatalf("sample tree: %v", err)
	}
	if tree.Procs != 2 {
		t.Errorf("tree processes = %d, want 2 (parent and child)", tree.Procs)
	}
	if tree.RSSBytes < allocBytes {
		t.Errorf("tree RSS = %d bytes, want at least %d", tree.RSSBytes, allocBytes)
	}

	alone, err := NewCounter(cmd.Process.Pid, false).Sample()
	if err != nil {
		t.Fatalf("sample parent alone: %v", err)
	}
	if alone.Procs != 1 {
		t.Errorf("parent-only processes = %d, want 1", alone.Procs)
	}
	if alone.RSSBytes >= allocBytes {
		t.Errorf("parent-only RSS = %d bytes, want less than the child's %d", alone.RSSBytes, allocBytes)
	}

	if tree.RSSAnonBytes < allocBytes {
		t.Errorf("tree anonymous RSS = %d bytes, want at least the child's %d", tree.RSSAnonBytes, allocBytes)
	}
	if tree.RSSAnonBytes >= tree.RSSBytes {
		t.Errorf("tree anonymous RSS = %d bytes, want less than the RSS %d (the binary's pages are file-backed)",
			tree.RSSAnonBytes, tree.RSSBytes)
	}
	want := statusRssAnon(t, cmd.Process.Pid)
	if diff := alone.RSSAnonBytes - want; diff < -1<<20 || diff > 1<<20 {
		t.Errorf("parent anonymous RSS = %d bytes, want about RssAnon of /proc/PID/status, %d", alone.RSSAnonBytes, want)
	}
}

// statusRssAnon returns the RssAnon line of /proc/PID/status, in bytes.
func statusRssAnon(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			var kB int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kB); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return kB << 10
		}
	}
	t.Fatalf("no RssAnon in /proc/%d/status", pid)
	return 0
}

func TestCounterCPUCountsChildWork(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	cmd, in, out := startHelper(t, "burn")
	c := NewCounter(cmd.Process.Pid, true)
	first, err := c.Sample()
	if err != nil {
		t.Fatalf("first sample: %v", err)
	}
	if first.CPU != 0 {
		t.Errorf("first sample CPU = %v, want 0", first.CPU)
	}

	fmt.Fprintln(in, "go")
	waitReady(t, out)
	after, err := c.Sample()
	if err != nil {
		t.Fatalf("second sample: %v", err)
	}
	if after.CPU < 300*time.Millisecond {
		t.Errorf("CPU after burning 300ms = %v, want at least 300ms", after.CPU)
	}
}

func TestCounterExitedProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=none")
	if err := cmd.Run(); err == nil {
		t.Fatal("helper with unknown role exited 0, want 3")
	}
	_, err := NewCounter(cmd.Process.Pid, true).Sample()
	if err == nil {
		t.Fatalf("sample of exited process %d: no error", cmd.Process.Pid)
	}
}

func TestRecorderSeries(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	cmd, _, out := startHelper(t, "parent")
	waitReady(t, out)

	rec := Record(NewCounter(cmd.Process.Pid, true), 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	series, err := rec.Stop()
	if err != nil {
		t.Fatalf("stop recorder: %v", err)
	}
	if len(series) < 2 {
		t.Fatalf("series has %d points, want at least 2", len(series))
	}
	if got := series.PeakRSS(); got < allocBytes {
		t.Errorf("peak RSS = %d, want at least %d", got, allocBytes)
	}
	if rec.Exited() {
		t.Error("recorder reports the process exited while it runs")
	}
	if again, _ := rec.Stop(); len(again) != len(series) {
		t.Errorf("second Stop returned %d points, want %d", len(again), len(series))
	}
}

func TestSeriesFigures(t *testing.T) {
	s := Series{
		{At: 0, Usage: Usage{RSSBytes: 10, CPU: 0}},
		{At: 100 * time.Millisecond, Usage: Usage{RSSBytes: 30, CPU: 50 * time.Millisecond}},
		{At: 200 * time.Millisecond, Usage: Usage{RSSBytes: 20, CPU: 60 * time.Millisecond}},
	}
	if got := s.CPU(); got != 60*time.Millisecond {
		t.Errorf("CPU = %v, want 60ms", got)
	}
	if got := s.PeakRSS(); got != 30 {
		t.Errorf("PeakRSS = %d, want 30", got)
	}
	if got := s.PeakCPUPercent(100 * time.Millisecond); got < 49.9 || got > 50.1 {
		t.Errorf("PeakCPUPercent = %v, want 50", got)
	}
	if got := s.PeakCPUPercent(200 * time.Millisecond); got < 29.9 || got > 30.1 {
		t.Errorf("PeakCPUPercent over 200ms = %v, want 30", got)
	}
	if got := s.MeanCPUPercent(); got < 29.9 || got > 30.1 {
		t.Errorf("MeanCPUPercent = %v, want 30", got)
	}
}

func TestCounterKeepsExitedThreadCPU(t *testing.T) {
	c := NewCounter(1, false)
	c.account(map[int]time.Duration{10: 5 * time.Millisecond, 11: 7 * time.Millisecond})
	// Thread 11 exits and thread 10's id is reused by a new thread.
	total := c.account(map[int]time.Duration{10: 1 * time.Millisecond})
	if want := 13 * time.Millisecond; total != want {
		t.Errorf("total after thread exit = %v, want %v", total, want)
	}
}

func TestMachineBusyCountsOwnWork(t *testing.T) {
	// One long burst, then bursts of about 100 µs with 1 ms sleeps between
	// them, as a server at a few hundred requests per second runs.
	for _, burst := range []time.Duration{200 * time.Millisecond, 100 * time.Microsecond} {
		before, err := ReadMachine()
		if err != nil {
			t.Skip(err)
		}
		start := selfCPU()
		x := 0
		for selfCPU()-start < 300*time.Millisecond {
			burstStart := selfCPU()
			for selfCPU()-burstStart < burst {
				for i := range 1000 {
					x += i
				}
			}
			time.Sleep(time.Millisecond)
		}
		used := selfCPU() - start
		after, err := ReadMachine()
		if err != nil {
			t.Fatal(err)
		}
		// The machine was busy at least about as long as this process. The
		// margin covers 10 ms of rounding per core and reading.
		busy, nonIdle := after.BusySince(before), after.NonIdleSince(before)
		if busy < used-50*time.Millisecond || nonIdle < busy {
			t.Errorf("bursts of %v: machine busy %v, non-idle %v while this process used %v (x=%d)",
				burst, busy, nonIdle, used, x)
		}
	}
}

func TestParseMachine(t *testing.T) {
	stat := "cpu  100 5 50 1000 20 3 7 40 0 0\ncpu0 50 2 25 500 10 1 3 20 0 0\n" +
		"cpu1 50 3 25 500 10 2 4 20 0 0\nintr 12345\nctxt 678\n"
	at := time.Unix(1000, 0)
	s, err := parseMachine(stat, at)
	if err != nil {
		t.Fatal(err)
	}
	if s.cores != 2 || s.idle != 10200*time.Millisecond || s.steal != 400*time.Millisecond {
		t.Errorf("parsed %+v, want 2 cores, idle 10.2s, steal 400ms", s)
	}
	// 5 s later both cores had been idle 6 s in all and 1 s was stolen:
	// 3 s busy, 4 s not idle.
	later, err := parseMachine("cpu  0 0 0 1500 120 0 0 140 0 0\ncpu0\ncpu1\n", at.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := later.BusySince(s); got != 3*time.Second {
		t.Errorf("BusySince = %v, want 3s", got)
	}
	if got := later.NonIdleSince(s); got != 4*time.Second {
		t.Errorf("NonIdleSince = %v, want 4s", got)
	}
	for _, bad := range []string{"", "intr 1\n", "cpu  1 2 3\ncpu0\n", "cpu  1 2 3 x 5 6 7 8\ncpu0\n", "cpu  1 2 3 4 5 6 7 8\n"} {
		if _, err := parseMachine(bad, at); err == nil {
			t.Errorf("parseMachine(%q) = nil error", bad)
		}
	}
}

func TestCPUWindowsMergeCloseReadings(t *testing.T) {
	// The second and third readings are 5 ms apart: alone they would show
	// 400% of a core.
	s := Series{
		{At: 0},
		{At: 100 * time.Millisecond, Usage: Usage{CPU: 50 * time.Millisecond}},
		{At: 105 * time.Millisecond, Usage: Usage{CPU: 70 * time.Millisecond}},
		{At: 200 * time.Millisecond, Usage: Usage{CPU: 100 * time.Millisecond}},
	}
	windows := s.CPUWindows(100 * time.Millisecond)
	if len(windows) != 2 {
		t.Fatalf("windows = %+v, want 2", windows)
	}
	if got := windows[1].Percent; got < 49 || got > 51 {
		t.Errorf("second window = %.1f%%, want 50%% (105ms to 200ms merged from 100ms)", got)
	}
	if got := s.PeakCPUPercent(100 * time.Millisecond); got > 51 {
		t.Errorf("peak = %.1f%%, want at most 50%%", got)
	}
}

func TestCounterMissedThreadCountsOnce(t *testing.T) {
	c := NewCounter(1, false)
	c.account(map[int]time.Duration{10: 5 * time.Millisecond, 11: 7 * time.Millisecond})
	// Thread 11 is missing from one reading, then back with more CPU.
	c.account(map[int]time.Duration{10: 6 * time.Millisecond})
	total := c.account(map[int]time.Duration{10: 6 * time.Millisecond, 11: 9 * time.Millisecond})
	if want := 15 * time.Millisecond; total != want {
		t.Errorf("total after a missed reading = %v, want %v", total, want)
	}
}
