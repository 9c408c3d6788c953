package portal_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
)

var (
	eventRow  = regexp.MustCompile(`data-testid="event"`)
	olderLink = regexp.MustCompile(`<a href="(\?[^"]+)">Older events</a>`)
)

// TestEventsPaging: the page shows the admin API's first page, newest
// first, and its "Older events" link, which keeps the filter, leads to the
// rest; the last page has none.
func TestEventsPaging(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	var es []store.Event
	for i := range 120 {
		at := start.Add(time.Duration(i) * time.Second)
		outcome := store.OutcomeFailure
		if i%2 == 0 {
			outcome = store.OutcomeSuccess
		}
		es = append(es, store.Event{ID: debugger.NewEventID(at), ClientID: "shop", Time: at, Flow: store.FlowBrowser,
			Step: "login", Outcome: outcome, Explanation: fmt.Sprintf("event %d", i)})
	}
	if err := e.store.AddEvents(t.Context(), es); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t)

	// pages walks the older links from path and returns how many events
	// each page showed, and the bodies.
	pages := func(path string) (counts []int, bodies []string) {
		t.Helper()
		for range 5 {
			p := b.get(t, path)
			counts = append(counts, len(eventRow.FindAllString(p.Body, -1)))
			bodies = append(bodies, p.Body)
			m := olderLink.FindStringSubmatch(p.Body)
			if m == nil {
				return counts, bodies
			}
			path = "clients/shop/events/" + html.UnescapeString(m[1])
		}
		t.Fatal("more than 5 pages")
		return nil, nil
	}

	counts, bodies := pages("clients/shop/events/")
	if fmt.Sprint(counts) != "[50 50 20]" {
		t.Fatalf("pages show %v events; want [50 50 20]", counts)
	}
	if first, last := strings.Index(bodies[0], "event 119<"), strings.Index(bodies[0], "event 70<"); first < 0 || last < first || strings.Contains(bodies[0], "event 69<") {
		t.Error("the first page is not events 119 down to 70")
	}
	if !strings.Contains(bodies[2], "event 0<") {
		t.Error("the last page does not end with event 0")
	}

	counts, bodies = pages("clients/shop/events/?outcome=failure")
	if fmt.Sprint(counts) != "[50 10]" {
		t.Fatalf("failure pages show %v events; want [50 10]", counts)
	}
	for i, body := range bodies {
		if strings.Contains(body, "event-success") {
			t.Errorf("failure page %d shows a success", i+1)
		}
	}
}
