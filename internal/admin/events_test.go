package admin_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The events listing pages newest first with next_cursor only while more
// remain, filters, and refuses what it cannot read.
func TestEventList(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	if _, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "shop", Name: "Shop"}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListEvents(ctx, "shop", admin.EventQuery{})
	if err != nil || list.Events == nil || len(list.Events) != 0 || list.NextCursor != "" {
		t.Fatalf("events of a client without any = %#v, %v; want an empty list", list, err)
	}
	var ids []string
	for i := range 5 {
		at := now.Add(time.Duration(i) * time.Second)
		ev := store.Event{ID: debugger.NewEventID(at), ClientID: "shop", Time: at, Flow: store.FlowBrowser, Step: "token",
			Outcome: store.OutcomeSuccess, Explanation: "ok", Params: map[string]string{"grant_type": "authorization_code"}}
		if i%2 == 0 {
			ev.Flow, ev.Outcome, ev.Error = store.FlowCIBA, store.OutcomeFailure, "slow_down"
		}
		if err := e.api.Store.AddEvents(ctx, []store.Event{ev}); err != nil {
			t.Fatal(err)
		}
		ids = append([]string{ev.ID}, ids...) // newest first
	}

	var got []string
	q := admin.EventQuery{Limit: 2}
	for {
		page, err := e.client.ListEvents(ctx, "shop", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			got = append(got, ev.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Errorf("pages listed %v, want %v", got, ids)
	}

	failures, err := e.client.ListEvents(ctx, "shop", admin.EventQuery{Outcome: "failure", Flow: "ciba"})
	if err != nil || len(failures.Events) != 3 || failures.Events[0].Error != "slow_down" || failures.Events[0].Params["grant_type"] != "authorization_code" {
		t.Errorf("failures = %+v, %v", failures, err)
	}

	_, err = e.client.ListEvents(ctx, "nobody", admin.EventQuery{})
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != http.StatusNotFound {
		t.Errorf("events of an unknown client: %v, want 404", err)
	}
	for _, bad := range []admin.EventQuery{
		{Limit: admin.MaxEventLimit + 1}, {Limit: -1}, {Cursor: "not-a-cursor"}, {Outcome: "maybe"}, {Flow: "carrier-pigeon"},
	} {
		_, err := e.client.ListEvents(ctx, "shop", bad)
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest {
			t.Errorf("ListEvents(%+v): %v, want 400", bad, err)
		}
	}
}
