package debugger

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func newStore(t *testing.T, clients ...string) store.Store {
	t.Helper()
	st := testenv.SQLite(t)
	for _, id := range clients {
		if err := st.CreateClient(t.Context(), store.Client{ID: id, Name: id, Flows: []string{store.FlowBrowser}}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func list(t *testing.T, st store.Store, clientID string) []store.Event {
	t.Helper()
	es, err := st.ListEvents(t.Context(), clientID, store.EventQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// drops counts what a Recorder dropped, by reason.
type drops struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *drops) add(reason string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason] += n
}

func (d *drops) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}

// Recorded events reach the store on Flush, newest first in the order
// recorded, even within one microsecond; an unknown client's are skipped.
func TestRecorderFlush(t *testing.T) {
	st := newStore(t, "shop")
	rec := NewRecorder(st, 0)
	at := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	for i, step := range []string{StepAuthorize, StepLogin, StepToken} {
		rec.Record(store.Event{ClientID: "shop", Time: at.Add(time.Duration(i/2) * time.Second), Flow: store.FlowBrowser, Step: step, Outcome: store.OutcomeFailure})
	}
	rec.Record(store.Event{ClientID: "ghost", Time: at, Flow: store.FlowBrowser, Step: StepToken, Outcome: store.OutcomeFailure})
	rec.Record(store.Event{Time: at, Step: StepToken}) // no client: ignored
	if got := list(t, st, "shop"); len(got) != 0 {
		t.Fatalf("events stored before Flush: %v", got)
	}
	if err := rec.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := list(t, st, "shop")
	if len(got) != 3 || got[0].Step != StepToken || got[1].Step != StepLogin || got[2].Step != StepAuthorize {
		t.Fatalf("stored %+v, want token, login, authorize", got)
	}
	for _, e := range got {
		if !ValidCursor(e.ID) {
			t.Errorf("ID %q is not a valid cursor", e.ID)
		}
	}
	if got := list(t, st, "ghost"); len(got) != 0 {
		t.Errorf("unknown client's events stored: %v", got)
	}
}

// A full buffer drops the event at once and counts it; a batch the store
// refuses is dropped and counted too, and Flush says why.
func TestRecorderDrops(t *testing.T) {
	st := newStore(t, "shop")
	rec := NewRecorder(st, 2)
	var d drops
	rec.Dropped = d.add
	for range 3 {
		rec.Record(store.Event{ClientID: "shop", Flow: store.FlowBrowser, Step: StepToken, Outcome: store.OutcomeSuccess})
	}
	if d.get(DroppedFull) != 1 {
		t.Errorf("dropped %d as full, want 1", d.get(DroppedFull))
	}
	st.Close()
	if err := rec.Flush(t.Context()); err == nil {
		t.Error("Flush to a closed store succeeded")
	}
	if d.get(DroppedStore) != 2 {
		t.Errorf("dropped %d as refused, want 2", d.get(DroppedStore))
	}
}

// Run writes on its interval, and what is left when it stops.
func TestRecorderRun(t *testing.T) {
	st := newStore(t, "shop")
	rec := NewRecorder(st, 0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { rec.Run(ctx, time.Hour); close(done) }()
	rec.Record(store.Event{ClientID: "shop", Flow: store.FlowBrowser, Step: StepToken, Outcome: store.OutcomeSuccess})
	cancel()
	<-done
	if got := list(t, st, "shop"); len(got) != 1 {
		t.Errorf("after Run stopped: %d events stored, want 1", len(got))
	}
}

func TestNilRecorder(t *testing.T) {
	var rec *Recorder
	rec.Record(store.Event{ClientID: "shop"})
	if err := rec.Flush(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestNewEventIDOrder(t *testing.T) {
	at := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	prev := NewEventID(at)
	for i := range 1000 {
		id := NewEventID(at.Add(time.Duration(i/10) * time.Microsecond))
		if id <= prev || !ValidCursor(id) {
			t.Fatalf("ID %q after %q", id, prev)
		}
		prev = id
	}
	for _, bad := range []string{"", "xyz", "0000000000000000000000000G", prev + "0"} {
		if ValidCursor(bad) {
			t.Errorf("ValidCursor(%q)", bad)
		}
	}
}
