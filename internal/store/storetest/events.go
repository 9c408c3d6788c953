package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newEvent is an event of clientID with every field set; n orders it
// (its ID and its time grow with n).
func newEvent(n int, clientID, flow, outcome string) store.Event {
	e := store.Event{
		ID:          fmt.Sprintf("ev-%04d", n),
		ClientID:    clientID,
		Time:        at(time.Duration(n) * time.Second),
		Flow:        flow,
		Step:        "token",
		Outcome:     outcome,
		Explanation: "Event ø \"quoted\" " + fmt.Sprint(n),
		Params:      map[string]string{"redirect_uri": "https://" + clientID + ".example/callback", "state_length": "12"},
	}
	if outcome == store.OutcomeFailure {
		e.Error = "invalid_grant"
	}
	return e
}

// wantEvent is e as every backend must return it.
func wantEvent(e store.Event) store.Event {
	e.Time = stored(e.Time)
	if e.Params == nil {
		e.Params = map[string]string{}
	}
	return e
}

func wantEvents(es ...store.Event) []store.Event {
	want := []store.Event{}
	for _, e := range es {
		want = append(want, wantEvent(e))
	}
	return want
}

func listEvents(t *testing.T, s store.Store, clientID string, q store.EventQuery) []store.Event {
	t.Helper()
	es, err := s.ListEvents(t.Context(), clientID, q)
	must(t, "ListEvents", err)
	return es
}

// testEventAddList round-trips events, newest first, skips those of an
// unknown client, pages by the cursor and filters by outcome and flow.
func testEventAddList(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop", "other"})
	equal(t, "no events", listEvents(t, s, "shop", store.EventQuery{Limit: 10}), []store.Event{})

	e1 := newEvent(1, "shop", store.FlowBrowser, store.OutcomeFailure)
	e2 := newEvent(2, "shop", store.FlowCIBA, store.OutcomeSuccess)
	e3 := newEvent(3, "shop", store.FlowBrowser, store.OutcomeSuccess)
	bare := store.Event{ID: "ev-0004", ClientID: "shop", Flow: store.FlowQR, Step: "webhook", Outcome: store.OutcomeFailure}
	theirs := newEvent(5, "other", store.FlowBrowser, store.OutcomeFailure)
	unknown := newEvent(6, "no-such-client", store.FlowBrowser, store.OutcomeFailure)
	must(t, "AddEvents", s.AddEvents(ctx, []store.Event{e1, e2, unknown, theirs}))
	must(t, "AddEvents", s.AddEvents(ctx, []store.Event{e3, bare}))
	must(t, "AddEvents of none", s.AddEvents(ctx, nil))

	equal(t, "all of shop's", listEvents(t, s, "shop", store.EventQuery{Limit: 10}), wantEvents(bare, e3, e2, e1))
	equal(t, "other's", listEvents(t, s, "other", store.EventQuery{Limit: 10}), wantEvents(theirs))
	equal(t, "the unknown client's", listEvents(t, s, "no-such-client", store.EventQuery{Limit: 10}), []store.Event{})

	page := listEvents(t, s, "shop", store.EventQuery{Limit: 2})
	equal(t, "first page", page, wantEvents(bare, e3))
	equal(t, "second page", listEvents(t, s, "shop", store.EventQuery{Limit: 2, Before: page[1].ID}), wantEvents(e2, e1))
	equal(t, "after the last", listEvents(t, s, "shop", store.EventQuery{Limit: 2, Before: e1.ID}), []store.Event{})

	equal(t, "failures", listEvents(t, s, "shop", store.EventQuery{Limit: 10, Outcome: store.OutcomeFailure}), wantEvents(bare, e1))
	equal(t, "browser", listEvents(t, s, "shop", store.EventQuery{Limit: 10, Flow: store.FlowBrowser}), wantEvents(e3, e1))
	equal(t, "browser successes", listEvents(t, s, "shop", store.EventQuery{Limit: 10, Flow: store.FlowBrowser, Outcome: store.OutcomeSuccess}), wantEvents(e3))
	equal(t, "browser failures before e3", listEvents(t, s, "shop", store.EventQuery{Limit: 1, Flow: store.FlowBrowser, Before: e3.ID}), wantEvents(e1))
}

// testEventAddExists refuses a batch with a taken id, storing none of it.
func testEventAddExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop"})
	e1 := newEvent(1, "shop", store.FlowBrowser, store.OutcomeFailure)
	must(t, "AddEvents", s.AddEvents(ctx, []store.Event{e1}))
	e2 := newEvent(2, "shop", store.FlowBrowser, store.OutcomeFailure)
	again := newEvent(1, "shop", store.FlowCIBA, store.OutcomeSuccess)
	wantErr(t, "AddEvents with a taken id", s.AddEvents(ctx, []store.Event{e2, again}), store.ErrExists)
	equal(t, "events", listEvents(t, s, "shop", store.EventQuery{Limit: 10}), wantEvents(e1))
}

// testEventTrim deletes events older than the cutoff and beyond the newest
// keep per client, at most limit per call.
func testEventTrim(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"busy", "quiet"})
	var busy []store.Event
	for n := range 10 {
		busy = append(busy, newEvent(100+n, "busy", store.FlowBrowser, store.OutcomeSuccess))
	}
	quiet := []store.Event{newEvent(1, "quiet", store.FlowCIBA, store.OutcomeFailure), newEvent(200, "quiet", store.FlowCIBA, store.OutcomeSuccess)}
	must(t, "AddEvents", s.AddEvents(ctx, append(busy, quiet...)))

	// Older than at(100s): quiet's first. Beyond the newest 4 of busy:
	// its first 6. Seven in all, three per call.
	total := 0
	for _, want := range []int{3, 3, 1, 0} {
		n, err := s.TrimEvents(ctx, at(100*time.Second), 4, 3)
		must(t, "TrimEvents", err)
		if n != want {
			t.Errorf("TrimEvents deleted %d, want %d", n, want)
		}
		total += n
	}
	if total != 7 {
		t.Errorf("TrimEvents deleted %d in all, want 7", total)
	}
	equal(t, "busy's newest 4", listEvents(t, s, "busy", store.EventQuery{Limit: 20}), wantEvents(busy[9], busy[8], busy[7], busy[6]))
	equal(t, "quiet's recent one", listEvents(t, s, "quiet", store.EventQuery{Limit: 20}), wantEvents(quiet[1]))

	// An event exactly at the cutoff is kept.
	n, err := s.TrimEvents(ctx, at(200*time.Second), 100, 100)
	must(t, "TrimEvents", err)
	if n != 4 {
		t.Errorf("TrimEvents before at(200s) deleted %d, want busy's 4", n)
	}
	equal(t, "quiet's event at the cutoff", listEvents(t, s, "quiet", store.EventQuery{Limit: 20}), wantEvents(quiet[1]))
}

// testEventClientDeleteCascades deletes a client's events with it, and
// nobody else's.
func testEventClientDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"gone", "kept"})
	kept := newEvent(2, "kept", store.FlowBrowser, store.OutcomeFailure)
	must(t, "AddEvents", s.AddEvents(ctx, []store.Event{newEvent(1, "gone", store.FlowBrowser, store.OutcomeFailure), kept}))
	must(t, "DeleteClient", s.DeleteClient(ctx, "gone"))
	must(t, "CreateClient again", s.CreateClient(ctx, newClient("gone")))
	equal(t, "events of the re-created client", listEvents(t, s, "gone", store.EventQuery{Limit: 10}), []store.Event{})
	equal(t, "the other client's events", listEvents(t, s, "kept", store.EventQuery{Limit: 10}), wantEvents(kept))
}
