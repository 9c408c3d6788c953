package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// errStop ends a virtual user's run early: its work is used up (the token
// workload's codes), or the window closed while it waited for work.
var errStop = errors.New("bench: nothing left to do")

// window is the measured time of a workload. It opens when the warm-up is
// over, which for a workload with a fixed amount of work (the token
// workload's codes) is after its first tenth rather than after a time, and
// closes d later; with d 0 it stays open until the virtual users are done
// (Config.Ops).
type window struct {
	d      time.Duration
	opened chan struct{} // closed when the window opens
	closed chan struct{} // closed when it closes

	mu         sync.Mutex
	from, stop time.Time
}

func newWindow(d time.Duration) *window {
	return &window{d: d, opened: make(chan struct{}), closed: make(chan struct{})}
}

// open opens the window at t, once, and closes it d later.
func (w *window) open(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.from.IsZero() {
		return
	}
	w.from = t
	close(w.opened)
	if w.d > 0 {
		w.stop = t.Add(w.d)
		time.AfterFunc(time.Until(w.stop), func() { close(w.closed) })
	}
}

// bounds returns the window's start and end; from is zero before it opens,
// stop when it has no set end.
func (w *window) bounds() (from, stop time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.from, w.stop
}

// counts reports whether an operation that ended at t is measured.
func (w *window) counts(t time.Time) bool {
	from, stop := w.bounds()
	return !from.IsZero() && !t.Before(from) && (stop.IsZero() || !t.After(stop))
}

func (w *window) isClosed() bool {
	select {
	case <-w.closed:
		return true
	default:
		return false
	}
}

// measure runs w on every virtual user for the warm-up and then the
// measured window, and sums up the operations that finished inside the
// window: an operation counts when it ends there, whenever it began, which
// is the steady rate the server sustains. Operations still running at the
// end are finished but not counted. Under --rate each operation waits for
// a slot of the pacer and is timed from it.
func (f *fixture) measure(ctx context.Context, w workload) Result {
	win := newWindow(f.cfg.Duration)
	if f.cfg.Ops > 0 {
		win = newWindow(0)
	}
	warmupOps := int64(-1) // open the window after this many operations; -1: after the warm-up time
	switch {
	case f.cfg.Warmup == 0:
		win.open(time.Now())
	case w.work != nil:
		warmupOps = int64(w.work(f) / 10)
		if warmupOps == 0 {
			win.open(time.Now())
		}
	default:
		time.AfterFunc(f.cfg.Warmup, func() { win.open(time.Now()) })
	}
	var pace *pacer
	if f.cfg.Rate > 0 {
		pace = newPacer(time.Now(), f.cfg.Rate)
	}
	srv := watchServer(f.cfg.PID, win.opened)
	tallies := make([]*tally, len(f.vus))
	last := make([]time.Time, len(f.vus)) // when each virtual user's last counted operation ended
	var ops, failed atomic.Int64
	endProgress := f.progress(w.name, win, &ops, &failed)

	var wg sync.WaitGroup
	for i, v := range f.vus {
		tallies[i] = newTally()
		wg.Go(func() {
			counted := 0
			for !win.isClosed() && ctx.Err() == nil && (f.cfg.Ops == 0 || counted < f.cfg.Ops) {
				l := &opLog{began: time.Now()}
				l.start = l.began
				busy := false // late on its slot, which fell due while this virtual user was busy
				if pace != nil {
					slot, past, ok := pace.wait(ctx, win.closed)
					if !ok {
						return
					}
					l.start, l.began = slot, time.Now()
					l.lag, l.hasLag = l.began.Sub(slot), true
					busy = past && l.lag > lateStart
				}
				before := v.untimed
				err := w.op(withLog(ctx, l), f, v, win.closed)
				end := time.Now()
				if errors.Is(err, errStop) || ctx.Err() != nil {
					return
				}
				if err != nil {
					failed.Add(1)
				} else {
					ops.Add(1)
				}
				if win.counts(end) {
					tallies[i].add(l, end.Sub(l.start), err)
					if busy {
						tallies[i].lateBusy++
					}
					tallies[i].untimed += v.untimed - before
					last[i] = end
					counted++
				} else if warmupOps > 0 && ops.Load()+failed.Load() >= warmupOps {
					win.open(end)
				}
				if kind, _ := errorKind(err); strings.HasSuffix(kind, "transport error") {
					time.Sleep(50 * time.Millisecond) // a server that is down: do not spin
				}
			}
		})
	}
	wg.Wait()
	from, until := win.bounds()
	if !win.isClosed() { // done (Config.Ops), out of work, or interrupted
		until = from
		for _, t := range last {
			if t.After(until) {
				until = t
			}
		}
	}
	server := srv.finish()
	endProgress()
	if from.IsZero() { // the work ran out in the warm-up
		server = nil
	}

	sum := newTally()
	for _, t := range tallies {
		sum.merge(t)
	}
	r := Result{Workload: w.name, Seconds: until.Sub(from).Seconds(), Server: server} // summarize rounds it
	if from.IsZero() {
		r.Seconds = 0
	}
	sum.summarize(&r, w.steps)
	if pace != nil {
		r.Pacing = pacing(f.cfg.Rate, sum.lag, sum.lateBusy)
	} else if len(sum.lag) > 0 {
		lag := percentiles(sum.lag)
		r.PollLag = &lag
	}
	switch {
	case from.IsZero():
		r.Note = "nothing measured: the work ran out during the warm-up"
	case ctx.Err() != nil:
		r.Note = "interrupted"
	case f.cfg.Ops == 0 && !win.isClosed():
		r.Note = fmt.Sprintf("the work ran out after %.1f s of the %v measured", r.Seconds, f.cfg.Duration)
	case f.cfg.Ops > 0 && r.Ops+r.FailedOps < int64(f.cfg.Ops*len(f.vus)):
		r.Note = fmt.Sprintf("the work ran out after %d of the %d operations", r.Ops+r.FailedOps, f.cfg.Ops*len(f.vus))
	}
	if warmupOps > 0 {
		r.Note = strings.TrimPrefix(r.Note+fmt.Sprintf("; the warm-up was the first %d operations", warmupOps), "; ")
	}
	return r
}

// progress prints a line a second while a workload runs, when asked to;
// the function it returns ends it.
func (f *fixture) progress(name string, win *window, ops, failed *atomic.Int64) func() {
	if f.cfg.Progress == nil {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		prev := int64(0)
		for {
			select {
			case <-done:
				if f.cfg.ProgressTTY {
					fmt.Fprint(f.cfg.Progress, "\r\033[K")
				}
				return
			case now := <-tick.C:
				phase := "warming up"
				if from, stop := win.bounds(); !stop.IsZero() {
					phase = fmt.Sprintf("measuring, %.0fs to go", max(0, stop.Sub(now).Seconds()))
				} else if !from.IsZero() {
					phase = "measuring"
				}
				n := ops.Load()
				line := fmt.Sprintf("%s: %s: %d ops, %d/s, %d errors", name, phase, n, n-prev, failed.Load())
				prev = n
				if f.cfg.ProgressTTY {
					fmt.Fprintf(f.cfg.Progress, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(f.cfg.Progress, line)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}
