//go:build unix

package oidc

import (
	"syscall"
	"testing"
	"time"
)

// cpuPerOp starts counting the process's CPU time (user and system, every
// goroutine: the handler, the database, the GC) and returns the function
// that reports it per operation as cpu-µs/op. On a machine shared with
// other work, wall-clock ns/op measures the neighbours too; CPU time spent
// per operation does much less so.
func cpuPerOp(b *testing.B) func() {
	start := processCPU()
	return func() {
		b.ReportMetric(float64((processCPU()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
