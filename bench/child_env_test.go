package bench

import (
	"testing"
	"time"
)

func TestChildWithoutHarnessGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	c, err := startChild([]string{"/bin/sh", "-c", `echo "gogc=[$GOGC] key=[$IOBENCH_KEY]"`},
		[]string{"IOBENCH_KEY=test"}, "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("child did not exit within 30 s")
	}
	got := c.tail.String()
	if want := "gogc=[] key=[test]\n"; got != want {
		t.Errorf("child output %q, want %q: GOGC must not reach targets", got, want)
	}
}
