package portal

import (
	"net/http"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// eventsPage is a page of a sale unit's integration debugger (issue 14):
// its events newest first, as the admin API lists them, with the filter
// the page was asked for.
type eventsPage struct {
	Events          []admin.EventResponse
	Outcome, Flow   string
	Outcomes, Flows []string
	// Older is the link to the next, older page; "" on the last.
	Older string
}

// listEvents shows the sale unit's events. The query parameters are the
// admin API's (outcome, flow, cursor), which checks them; a bad one is
// shown above the list.
func (p *Portal) listEvents(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := eventsPage{
		Outcome: q.Get("outcome"), Flow: q.Get("flow"),
		Outcomes: admin.EventOutcomes, Flows: admin.EventFlows,
	}
	v := p.clientView(r, c, "Events", "events/")
	list, err := p.client().ListEvents(r.Context(), c.ClientID, admin.EventQuery{Cursor: q.Get("cursor"), Outcome: d.Outcome, Flow: d.Flow})
	if err != nil && !showProblem(&v, err) {
		return err
	}
	d.Events = list.Events
	if list.NextCursor != "" {
		older := url.Values{"cursor": {list.NextCursor}}
		for _, k := range []string{"outcome", "flow"} {
			if s := q.Get(k); s != "" {
				older.Set(k, s)
			}
		}
		d.Older = "?" + older.Encode()
	}
	v.Data = d
	return render(w, http.StatusOK, "events.html", v)
}
