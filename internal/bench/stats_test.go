package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

func msList(values ...int) []time.Duration {
	var ds []time.Duration
	for _, v := range values {
		ds = append(ds, time.Duration(v)*time.Millisecond)
	}
	return ds
}

// Percentiles are by nearest rank: each is a latency that was measured,
// the smallest that at least p % of the samples do not exceed.
func TestPercentiles(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.Shuffle(len(hundred), func(i, j int) { hundred[i], hundred[j] = hundred[j], hundred[i] })
	thousand := make([]time.Duration, 1000)
	for i := range thousand {
		thousand[i] = time.Duration(1000-i) * time.Millisecond
	}
	tests := []struct {
		name string
		ds   []time.Duration
		want Percentiles
	}{
		{"none", nil, Percentiles{}},
		{"one", msList(7), Percentiles{7, 7, 7, 7}},
		{"two", msList(9, 1), Percentiles{1, 9, 9, 9}},
		{"1..100 shuffled", hundred, Percentiles{50, 95, 99, 100}},
		{"1000..1 descending", thousand, Percentiles{500, 950, 990, 1000}},
		// A long tail moves p99 and max but not p50.
		{"tail", msList(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1000), Percentiles{1, 1, 1000, 1000}},
		{"sub-millisecond", []time.Duration{1500 * time.Microsecond, 250 * time.Microsecond}, Percentiles{0.25, 1.5, 1.5, 1.5}},
	}
	for _, tt := range tests {
		if got := percentiles(tt.ds); got != tt.want {
			t.Errorf("%s: percentiles = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// A tally counts successful operations with their calls, failed ones by
// kind, and merges across virtual users; summarize orders the steps as an
// operation makes them and the errors by count.
func TestTallySummary(t *testing.T) {
	a, b := newTally(), newTally()
	ok := &opLog{calls: []call{{"authorize", 302, 2 * time.Millisecond}, {"token", 200, 4 * time.Millisecond}}}
	a.add(ok, 10*time.Millisecond, nil)
	b.add(ok, 30*time.Millisecond, nil)
	bad := &opLog{calls: []call{{"authorize", 302, 2 * time.Millisecond}, {"token", 400, 6 * time.Millisecond}}}
	b.add(bad, 8*time.Millisecond, &opError{kind: "token 400 invalid_grant", detail: "expired"})
	b.add(bad, 8*time.Millisecond, &opError{kind: "token 400 invalid_grant", detail: "used"})
	a.add(&opLog{calls: []call{{"extra", 0, time.Millisecond}}}, time.Millisecond, &opError{kind: "extra transport error"})
	a.untimed = 3
	a.merge(b)

	r := Result{Seconds: 2}
	a.summarize(&r, []string{"authorize", "token"})
	if r.Ops != 2 || r.FailedOps != 3 || r.OpsPerSec != 1 || r.CallsPerOp != 2 || r.UntimedCalls != 3 {
		t.Errorf("summary = %+v", r)
	}
	if r.Latency != (Percentiles{10, 30, 30, 30}) {
		t.Errorf("operation latency = %+v, want the two successful ones only", r.Latency)
	}
	if len(r.Steps) != 3 || r.Steps[0].Step != "authorize" || r.Steps[1].Step != "token" || r.Steps[2].Step != "extra" ||
		r.Steps[0].Calls != 4 || r.Steps[1].Calls != 4 || r.Steps[1].Latency.Max != 6 {
		t.Errorf("steps = %+v", r.Steps)
	}
	if r.CallLatency.Max != 6 || r.CallLatency.P50 != 2 {
		t.Errorf("call latency = %+v", r.CallLatency)
	}
	if len(r.Errors) != 2 || r.Errors[0] != (ErrorStats{"token 400 invalid_grant", 2, "expired"}) || r.Errors[1].Kind != "extra transport error" {
		t.Errorf("errors = %+v", r.Errors)
	}
}

// TestSummarizeShortRun: a run shorter than the millisecond the report
// rounds to still has its rate (TestBenchEveryWorkload once saw jwks at
// 0 ops/s: three 0.07 ms calls per worker).
func TestSummarizeShortRun(t *testing.T) {
	a := newTally()
	a.add(&opLog{calls: []call{{"jwks", 200, 50 * time.Microsecond}}}, 50*time.Microsecond, nil)
	a.add(&opLog{calls: []call{{"jwks", 200, 50 * time.Microsecond}}}, 50*time.Microsecond, nil)
	r := Result{Seconds: 0.0002}
	a.summarize(&r, []string{"jwks"})
	if r.OpsPerSec != 10000 || r.Seconds != 0 {
		t.Errorf("2 ops in 0.2 ms: %v ops/s over %v s; want 10000 over 0 (rounded)", r.OpsPerSec, r.Seconds)
	}
}
