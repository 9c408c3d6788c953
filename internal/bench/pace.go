package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// lateStart is how far after its slot an operation under --rate may start
// before it counts as late: well above a timer's wake-up, well below a
// latency that matters.
const lateStart = 10 * time.Millisecond

// pacer hands out the start slots of --rate: slot n is due at first +
// n/rate, whichever virtual user takes it. A virtual user takes the next
// slot when it is free and waits for it, or starts at once when the slot
// is already past because every virtual user was busy. An operation is
// timed from its slot, not from when it started, so a server that falls
// behind shows in the latencies instead of slowing the starts down unseen
// (coordinated omission).
type pacer struct {
	first time.Time
	rate  float64
	taken atomic.Int64
}

func newPacer(first time.Time, rate float64) *pacer {
	return &pacer{first: first, rate: rate}
}

// take returns the next slot's start time.
func (p *pacer) take() time.Time {
	n := p.taken.Add(1) - 1
	return p.first.Add(time.Duration(math.Round(float64(n) / p.rate * float64(time.Second))))
}

// wait takes the next slot and returns its time once it is due, or ok
// false when ctx is done or closed closes first. past says the slot was
// due before this virtual user was free to take it.
func (p *pacer) wait(ctx context.Context, closed <-chan struct{}) (slot time.Time, past, ok bool) {
	slot = p.take()
	d := time.Until(slot)
	if d <= 0 {
		return slot, true, true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return slot, false, true
	case <-ctx.Done():
	case <-closed:
	}
	return slot, false, false
}

// CheckRate says why rate cannot pace the named workloads, if it cannot:
// a rate must be a finite number not below 0 (0 is no pacing), and a
// workload that keeps its own pace (ciba-pending) cannot be paced.
func CheckRate(rate float64, names []string) error {
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return errors.New("--rate must be a number of operations a second, not negative")
	}
	if rate == 0 {
		return nil
	}
	ws, err := pick(names)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ownPace != "" {
			return fmt.Errorf("--rate does not apply to %s: %s; name the other workloads without it", w.name, w.ownPace)
		}
	}
	return nil
}

// Pacing is how a workload under --rate kept to it.
type Pacing struct {
	Rate float64 `json:"rate_per_s"`
	// Late counts the measured operations that started more than 10 ms
	// after their slot. Busy of them were late because every virtual user
	// was busy when the slot fell due: the server fell behind, or
	// --concurrency is too low. The others had a virtual user waiting that
	// woke late: the tool did not get the CPU in time.
	Late int64 `json:"late_starts"`
	Busy int64 `json:"late_starts_all_busy"`
	// StartLag is how long after their slots the operations started; the
	// latencies include it.
	StartLag Percentiles `json:"start_lag_ms"`
}

// pacing sums up the start lags of a workload's measured operations and
// how many of them were late with every virtual user busy.
func pacing(rate float64, lags []time.Duration, busy int64) *Pacing {
	p := &Pacing{Rate: rate, Busy: busy, StartLag: percentiles(lags)}
	for _, d := range lags {
		if d > lateStart {
			p.Late++
		}
	}
	return p
}
