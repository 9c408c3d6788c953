package bench

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The slots come at exactly 1/rate apart from the first, each handed out
// once however many virtual users take them at once.
func TestPacerSlots(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newPacer(first, 400)
	var mu sync.Mutex
	seen := map[time.Duration]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				d := p.take().Sub(first)
				mu.Lock()
				seen[d] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for n := range 400 {
		if d := time.Duration(n) * 2500 * time.Microsecond; !seen[d] {
			t.Fatalf("no slot at %v; got %d slots", d, len(seen))
		}
	}
}

// sleeper is a workload whose every operation takes d on the (fake) clock.
func sleeper(d time.Duration) workload {
	return workload{name: "fake", steps: []string{"a"}, op: func(ctx context.Context, _ *fixture, _ *vu, _ <-chan struct{}) error {
		time.Sleep(d)
		logOf(ctx).record(200, d)
		return nil
	}}
}

// Below the virtual users' capacity every operation starts on its slot:
// the latency is the operation's own, and the rate is the one asked for.
func TestMeasureRateKeptUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 4 virtual users of 10 ms operations could make 400/s.
		f := fakeFixture(4, Config{Rate: 100, Duration: time.Second})
		r := f.measure(t.Context(), sleeper(10*time.Millisecond))
		if r.Ops != 100 || r.OpsPerSec != 100 || r.Latency.P50 != 10 || r.Latency.Max != 10 {
			t.Errorf("%d ops, %v/s, latency %+v; want 100 at 100/s, each 10 ms", r.Ops, r.OpsPerSec, r.Latency)
		}
		if p := r.Pacing; p == nil || p.Rate != 100 || p.Late != 0 || p.StartLag.Max != 0 {
			t.Errorf("pacing %+v; want every start on its slot", p)
		}

		// With --ops, each virtual user makes that many, paced in all.
		f = fakeFixture(4, Config{Rate: 100, Ops: 5, Duration: time.Hour})
		r = f.measure(t.Context(), sleeper(10*time.Millisecond))
		if r.Ops != 20 || r.Seconds != 0.2 || r.OpsPerSec != 100 || r.Latency.Max != 10 || r.Pacing.Late != 0 {
			t.Errorf("%d ops in %v s, %v/s, latency %+v, pacing %+v; want 20 in 0.2 s, each 10 ms", r.Ops, r.Seconds, r.OpsPerSec, r.Latency, r.Pacing)
		}
	})
}

// Above the virtual users' capacity the starts fall behind their slots,
// and each operation is timed from its slot, so the latencies grow with
// the backlog instead of staying at the operation's own 10 ms.
func TestMeasureRateFellBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 4 virtual users of 10 ms operations make 400/s at most; slots
		// come every 1 ms. Virtual user j takes slot j, due at j ms, and
		// then slot 4k+j when its operation k ends, at 10k+j ms: 6k ms
		// late, so that operation takes 6k+10 ms from its slot.
		f := fakeFixture(4, Config{Rate: 1000, Ops: 5, Duration: time.Hour})
		r := f.measure(t.Context(), sleeper(10*time.Millisecond))
		if r.Ops != 20 || r.Latency.P50 != 22 || r.Latency.Max != 34 {
			t.Errorf("%d ops, latency %+v; want 20, p50 22 ms, max 34 ms", r.Ops, r.Latency)
		}
		// Over 10 ms late: operations 2, 3 and 4 of each virtual user.
		if p := r.Pacing; p.Late != 12 || p.Busy != 12 || p.StartLag.P50 != 12 || p.StartLag.Max != 24 {
			t.Errorf("pacing %+v; want 12 late starts, all of them with every virtual user busy, half 12 ms late or less, the latest 24 ms", p)
		}
		var b strings.Builder
		notes(&b, r)
		if !strings.Contains(b.String(), "the starts at 1000/s came 12.0ms after their slots at p50, 24.0ms at p99 (in the latencies); 12 of 20 over 10ms late, 12 with every virtual user busy") {
			t.Errorf("notes: %s", b.String())
		}
		// The operations' own calls still took 10 ms each.
		if r.CallLatency.Max != 10 {
			t.Errorf("call latency %+v", r.CallLatency)
		}
	})
}

// Consent undone before the login, untimed, is left out of its latency,
// but how late the operation began after its slot is not.
func TestBeginKeepsStartLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slot := time.Now()
		time.Sleep(3 * time.Millisecond) // began 3 ms after the slot
		l := &opLog{start: slot, began: time.Now()}
		time.Sleep(5 * time.Millisecond) // untimed work
		l.begin()
		time.Sleep(10 * time.Millisecond)
		if d := time.Since(l.start); d != 13*time.Millisecond {
			t.Errorf("latency %v, want 13ms: 3 late plus 10 timed", d)
		}
	})
}

// --rate is refused where it cannot pace, before anything is sent.
func TestCheckRate(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		names []string
		want  string
	}{
		{0, []string{"ciba-pending"}, ""},
		{50, []string{"discovery", "browser"}, ""},
		{50, []string{"ciba-pending"}, "--rate does not apply to ciba-pending"},
		{50, []string{"all"}, "--rate does not apply to ciba-pending"},
		{-1, []string{"jwks"}, "not negative"},
	} {
		err := CheckRate(c.rate, c.names)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckRate(%v, %v) = %v, want %q", c.rate, c.names, err, c.want)
		}
	}
}
