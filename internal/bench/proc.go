package bench

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ServerUsage is what the server process used while a workload was
// measured, read from Linux's /proc (proc(5)).
type ServerUsage struct {
	PID int `json:"pid"`
	// CPUSeconds is user plus system CPU time over the window; CPUPercent is
	// it per second of the window, so 200 is two cores busy.
	CPUSeconds float64 `json:"cpu_s"`
	CPUPercent float64 `json:"cpu_percent"`
	// PeakRSSMB is the largest resident set seen, sampled four times a
	// second during the window; HWMMB is the kernel's high-water mark over
	// the process's whole life (VmHWM), which includes setup.
	PeakRSSMB float64 `json:"rss_peak_mb"`
	HWMMB     float64 `json:"rss_hwm_mb"`
	Error     string  `json:"error,omitempty"`
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the process's user plus system CPU time.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// the fields after it start at field 3, state. utime and stime are
	// fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// procMemory returns the process's resident set (VmRSS) and its
// high-water mark (VmHWM), in bytes.
func procMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s", pid, strings.TrimSpace(line))
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

// serverWatch follows the server process during a workload's window.
type serverWatch struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	usage ServerUsage
}

// watchServer starts following pid when opened is closed (the window
// opens); finish ends it. pid 0 watches nothing.
func watchServer(pid int, opened <-chan struct{}) *serverWatch {
	if pid <= 0 {
		return nil
	}
	w := &serverWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(opened)
	return w
}

func (w *serverWatch) run(opened <-chan struct{}) {
	defer close(w.done)
	fail := func(err error) {
		w.mu.Lock()
		w.usage.Error = err.Error()
		w.mu.Unlock()
	}
	select {
	case <-opened:
	case <-w.stop:
		select {
		case <-opened: // opened and finished at once: still measure
		default:
			return
		}
	}
	cpu0, err := procCPU(w.pid)
	if err != nil {
		fail(err)
		return
	}
	t0 := time.Now()
	var peak int64
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for sampling := true; sampling; {
		rss, _, err := procMemory(w.pid)
		if err != nil {
			fail(err)
			return
		}
		peak = max(peak, rss)
		select {
		case <-tick.C:
		case <-w.stop:
			sampling = false
		}
	}
	cpu1, err1 := procCPU(w.pid)
	rss, hwm, err2 := procMemory(w.pid)
	if err1 != nil || err2 != nil {
		fail(fmt.Errorf("%v %v", err1, err2))
		return
	}
	secs := time.Since(t0).Seconds()
	w.mu.Lock()
	w.usage.CPUSeconds = round2((cpu1 - cpu0).Seconds())
	if secs > 0 {
		w.usage.CPUPercent = round2((cpu1 - cpu0).Seconds() / secs * 100)
	}
	w.usage.PeakRSSMB = round2(float64(max(peak, rss)) / (1 << 20))
	w.usage.HWMMB = round2(float64(hwm) / (1 << 20))
	w.mu.Unlock()
}

// finish ends the watch and returns what it saw.
func (w *serverWatch) finish() *ServerUsage {
	if w == nil {
		return nil
	}
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	u := w.usage
	u.PID = w.pid
	return &u
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
