package bench

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFixture is a fixture of n virtual users and no server, for the
// runner's own logic.
func fakeFixture(n int, cfg Config) *fixture {
	f := &fixture{cfg: cfg}
	for i := range n {
		f.vus = append(f.vus, &vu{id: i})
	}
	return f
}

// With --ops every virtual user makes exactly that many measured
// operations, the failed ones included and counted by kind.
func TestMeasureOps(t *testing.T) {
	f := fakeFixture(3, Config{Ops: 5, Duration: time.Hour})
	var n atomic.Int64
	w := workload{name: "fake", steps: []string{"a"}, op: func(ctx context.Context, _ *fixture, v *vu, _ <-chan struct{}) error {
		setStep(ctx, "a")
		logOf(ctx).record(200, time.Millisecond)
		if n.Add(1)%5 == 0 {
			return &opError{kind: "a 500", detail: "boom"}
		}
		return nil
	}}
	r := f.measure(t.Context(), w)
	if r.Ops+r.FailedOps != 15 || r.FailedOps != 3 || r.Errors[0] != (ErrorStats{"a 500", 3, "boom"}) {
		t.Errorf("ops %d, failed %d, errors %+v; want 15 in all, 3 failed", r.Ops, r.FailedOps, r.Errors)
	}
	if r.CallsPerOp != 1 || len(r.Steps) != 1 || r.Steps[0].Calls != 15 || r.Note != "" {
		t.Errorf("result %+v", r)
	}
}

// A workload with a fixed amount of work warms up on its first tenth and
// ends when the work runs out, saying so.
func TestMeasureFixedWork(t *testing.T) {
	f := fakeFixture(1, Config{Warmup: time.Hour, Duration: time.Hour})
	left := 20
	w := workload{name: "fake", work: func(*fixture) int { return 20 },
		op: func(context.Context, *fixture, *vu, <-chan struct{}) error {
			if left == 0 {
				return errStop
			}
			left--
			return nil
		}}
	r := f.measure(t.Context(), w)
	if r.Ops != 18 || !strings.Contains(r.Note, "the work ran out") || !strings.Contains(r.Note, "the warm-up was the first 2 operations") {
		t.Errorf("ops %d, note %q; want the 18 after a warm-up of 2, and a note", r.Ops, r.Note)
	}

	// Work that runs out in the warm-up measures nothing.
	f = fakeFixture(1, Config{Warmup: time.Hour, Duration: time.Hour})
	w.op = func(context.Context, *fixture, *vu, <-chan struct{}) error { return errStop }
	if r := f.measure(t.Context(), w); r.Ops != 0 || r.Seconds != 0 || !strings.Contains(r.Note, "nothing measured") {
		t.Errorf("%+v", r)
	}
}

// An interrupted run stops at once and says so: no virtual user starts
// another operation once it has seen the interruption.
func TestMeasureInterrupted(t *testing.T) {
	f := fakeFixture(2, Config{Duration: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	var n, late atomic.Int64
	w := workload{name: "fake", op: func(ctx context.Context, _ *fixture, _ *vu, _ <-chan struct{}) error {
		if ctx.Err() != nil {
			late.Add(1) // began between the other user's cancel and this one's check
		}
		if n.Add(1) == 10 {
			cancel()
		}
		return nil
	}}
	r := f.measure(ctx, w)
	if r.Note != "interrupted" || r.Ops < 1 || r.Ops >= n.Load() || late.Load() > 1 {
		t.Errorf("ops %d, note %q, %d operations begun after the interruption", r.Ops, r.Note, late.Load())
	}
}
