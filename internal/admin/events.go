package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Page sizes of the events listing.
const (
	DefaultEventLimit = 50
	MaxEventLimit     = 200
)

// EventOutcomes and EventFlows are what the listing filters on (the
// portal offers the same choices).
var (
	EventOutcomes = []string{store.OutcomeSuccess, store.OutcomeFailure}
	EventFlows    = []string{store.FlowBrowser, store.FlowCIBA, store.FlowQR, debugger.FlowToken, debugger.FlowConsent}
)

// listEvents answers GET /admin/v1/clients/{client_id}/events: a page of
// the client's integration debugger, newest first (issue 14), with the
// query parameters cursor, limit, outcome and flow.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	q, err := eventQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if _, err := a.Store.GetClient(r.Context(), id); err != nil {
		return notFound(err, noClient(id))
	}
	// One more than the page tells whether there is a next one.
	limit := q.Limit
	q.Limit++
	es, err := a.Store.ListEvents(r.Context(), id, q)
	if err != nil {
		return err
	}
	out := EventList{Events: make([]EventResponse, 0, min(len(es), limit))}
	if len(es) > limit {
		es = es[:limit]
		out.NextCursor = es[limit-1].ID
	}
	for _, e := range es {
		out.Events = append(out.Events, EventResponse{
			ID: e.ID, Time: e.Time, Flow: e.Flow, Step: e.Step, Outcome: e.Outcome,
			Error: e.Error, Explanation: e.Explanation, Params: e.Params,
		})
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// eventQuery reads the listing's query parameters, or says what is wrong
// with them.
func eventQuery(v url.Values) (store.EventQuery, error) {
	q := store.EventQuery{Limit: DefaultEventLimit, Before: v.Get("cursor"), Outcome: v.Get("outcome"), Flow: v.Get("flow")}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxEventLimit {
			return q, jsonapi.Errorf(http.StatusBadRequest, "limit must be a whole number from 1 to %d, not %q.", MaxEventLimit, s)
		}
		q.Limit = n
	}
	switch {
	case q.Before != "" && !debugger.ValidCursor(q.Before):
		return q, jsonapi.Errorf(http.StatusBadRequest, "cursor must be a next_cursor of an earlier answer.")
	case q.Outcome != "" && !slices.Contains(EventOutcomes, q.Outcome):
		return q, jsonapi.Errorf(http.StatusBadRequest, "outcome must be success or failure, not %q.", q.Outcome)
	case q.Flow != "" && !slices.Contains(EventFlows, q.Flow):
		return q, jsonapi.Errorf(http.StatusBadRequest, "flow must be one of browser, ciba, qr, token and consent, not %q.", q.Flow)
	}
	return q, nil
}

// ListEvents returns a page of the client's integration debugger events,
// newest first, and the cursor of the next page ("" after the last).
func (c *Client) ListEvents(ctx context.Context, clientID string, q EventQuery) (EventList, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("cursor", q.Cursor)
	set("outcome", q.Outcome)
	set("flow", q.Flow)
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/admin/v1/clients/" + url.PathEscape(clientID) + "/events"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out EventList
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}
