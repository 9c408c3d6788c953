package bench

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// tally is what one virtual user saw during the measured window. Each
// virtual user keeps its own, so recording takes no lock; they are merged
// once at the end.
type tally struct {
	ops       int64           // operations that succeeded
	opCalls   int64           // HTTP calls of those operations
	opLatency []time.Duration // whole operations, successful ones
	steps     map[string][]time.Duration
	errors    map[string]*errorCount
	failed    int64 // operations that failed
	untimed   int64 // calls outside any operation, e.g. a consent revoked between logins
	lag       []time.Duration
	lateBusy  int64 // under --rate, operations late on their slot because the virtual user was busy
}

type errorCount struct {
	n       int64
	example string
}

func newTally() *tally {
	return &tally{steps: map[string][]time.Duration{}, errors: map[string]*errorCount{}}
}

// add records one finished operation: its calls always (they loaded the
// server either way), its latency only when it succeeded.
func (t *tally) add(l *opLog, d time.Duration, err error) {
	if l.hasLag {
		t.lag = append(t.lag, l.lag)
	}
	for _, c := range l.calls {
		t.steps[c.step] = append(t.steps[c.step], c.d)
	}
	if err == nil {
		t.ops++
		t.opCalls += int64(len(l.calls))
		t.opLatency = append(t.opLatency, d)
		return
	}
	t.failed++
	kind, detail := errorKind(err)
	e := t.errors[kind]
	if e == nil {
		e = &errorCount{example: detail}
		t.errors[kind] = e
	}
	e.n++
}

// merge adds o into t.
func (t *tally) merge(o *tally) {
	t.ops += o.ops
	t.opCalls += o.opCalls
	t.failed += o.failed
	t.untimed += o.untimed
	t.lateBusy += o.lateBusy
	t.opLatency = append(t.opLatency, o.opLatency...)
	t.lag = append(t.lag, o.lag...)
	for k, v := range o.steps {
		t.steps[k] = append(t.steps[k], v...)
	}
	for k, v := range o.errors {
		if e := t.errors[k]; e != nil {
			e.n += v.n
		} else {
			t.errors[k] = &errorCount{n: v.n, example: v.example}
		}
	}
}

// Percentiles are latencies in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// percentiles sorts ds and returns its nearest-rank percentiles: the
// smallest sample that at least p % of the samples do not exceed. No
// interpolation, so every figure is a latency that was measured.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	return Percentiles{P50: ms(rank(ds, 50)), P95: ms(rank(ds, 95)), P99: ms(rank(ds, 99)), Max: ms(ds[len(ds)-1])}
}

// rank is the p-th percentile of sorted ds by the nearest-rank method.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000
}

// StepStats is one kind of HTTP call within an operation.
type StepStats struct {
	Step    string      `json:"step"`
	Calls   int64       `json:"calls"`
	Latency Percentiles `json:"latency_ms"`
}

// ErrorStats counts the failed operations of one kind, with the first
// one's detail as an example.
type ErrorStats struct {
	Kind    string `json:"kind"`
	Count   int64  `json:"count"`
	Example string `json:"example,omitempty"`
}

// summarize fills r's figures from t; order names the steps in the order
// an operation makes them, for the report. The rate comes from r.Seconds
// as measured, which is then rounded to the millisecond for the report: a
// run of a few fast operations takes less than one.
func (t *tally) summarize(r *Result, order []string) {
	r.Ops, r.FailedOps, r.UntimedCalls = t.ops, t.failed, t.untimed
	if r.Seconds > 0 {
		r.OpsPerSec = math.Round(float64(t.ops)/r.Seconds*10) / 10
	}
	r.Seconds = math.Round(r.Seconds*1000) / 1000
	if t.ops > 0 {
		r.CallsPerOp = math.Round(float64(t.opCalls)/float64(t.ops)*100) / 100
	}
	r.Latency = percentiles(t.opLatency)
	r.Steps, r.Errors = []StepStats{}, []ErrorStats{} // [] rather than null in JSON
	var all []time.Duration
	for _, name := range order {
		ds, ok := t.steps[name]
		if !ok {
			continue
		}
		all = append(all, ds...)
		r.Steps = append(r.Steps, StepStats{Step: name, Calls: int64(len(ds)), Latency: percentiles(ds)})
	}
	var others []string // steps the order does not name
	for name := range t.steps {
		if !slices.Contains(order, name) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	for _, name := range others {
		ds := t.steps[name]
		all = append(all, ds...)
		r.Steps = append(r.Steps, StepStats{Step: name, Calls: int64(len(ds)), Latency: percentiles(ds)})
	}
	r.CallLatency = percentiles(all)
	for kind, e := range t.errors {
		r.Errors = append(r.Errors, ErrorStats{Kind: kind, Count: e.n, Example: e.example})
	}
	slices.SortFunc(r.Errors, func(a, b ErrorStats) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind))
	})
}
