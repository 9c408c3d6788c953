package bench

import (
	"crypto/sha256"
	"os"
	"testing"
)

// The /proc readers read this very process: it has used some CPU and has
// a resident set no larger than its high-water mark.
func TestProcReaders(t *testing.T) {
	pid := os.Getpid()
	sum := sha256.Sum256(nil)
	for range 200_000 { // some CPU time to see: more than one clock tick
		sum = sha256.Sum256(sum[:])
	}
	cpu, err := procCPU(pid)
	if err != nil || cpu <= 0 {
		t.Fatalf("procCPU = %v, %v", cpu, err)
	}
	rss, hwm, err := procMemory(pid)
	if err != nil || rss <= 0 || hwm < rss/2 {
		t.Fatalf("procMemory = %d, %d, %v", rss, hwm, err)
	}
	if _, err := procCPU(-1); err == nil {
		t.Error("procCPU of no process did not fail")
	}

	opened := make(chan struct{})
	w := watchServer(pid, opened)
	close(opened)
	u := w.finish()
	if u.Error != "" || u.PID != pid || u.PeakRSSMB <= 0 || u.HWMMB <= 0 || u.CPUSeconds < 0 {
		t.Errorf("watch = %+v", u)
	}
	if watchServer(0, opened).finish() != nil {
		t.Error("watching no process gave usage")
	}
}
