package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// Each attempt is a debugger event of the client's: a 500, a timeout, and
// the delivery that worked, each with its explanation, and the URL
// without its query.
func TestDebuggerEvents(t *testing.T) {
	st := newStore(t)
	clk := testenv.NewClock(start)
	d := deliverer(st, clk, io.Discard)
	d.Events = debugger.NewRecorder(st, 0)
	d.Timeout = 50 * time.Millisecond
	d.Jitter = func(time.Duration) time.Duration { return 0 }
	var slow atomic.Bool
	rc := newReceiver(t, 500, 204)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			// Once the body is read, the server sees the client go.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		rc.serve(w, r)
	}))
	t.Cleanup(hang.Close)

	w := newEvent("ev-1", hang.URL+"/hook?token=merchant-secret", start)
	w.Event = store.EventQRLogin
	enqueue(t, st, w)
	pass(t, d, 1) // 500
	clk.Add(time.Minute)
	slow.Store(true)
	pass(t, d, 1) // no answer
	clk.Add(time.Minute)
	slow.Store(false)
	pass(t, d, 1) // 204
	if err := d.Events.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, err := st.ListEvents(context.Background(), "shop", store.EventQuery{Limit: 10})
	if err != nil || len(es) != 3 {
		t.Fatalf("events %+v, %v; want 3", es, err)
	}
	target := hang.URL + "/hook"
	delivered, timeout, failed := es[0], es[1], es[2]
	if failed.Flow != store.FlowQR || failed.Step != debugger.StepWebhook || failed.Outcome != store.OutcomeFailure || failed.Error != webhook.ErrDeliveryFailed ||
		failed.Explanation != debugger.WebhookFailed(store.EventQRLogin, target, 500, "HTTP 500: try later", 1, d.Timeout, false) ||
		failed.Params["webhook_status"] != "500" || failed.Params["webhook_attempt"] != "1" || failed.Params["webhook_url"] != target {
		t.Errorf("500 event %+v", failed)
	}
	if timeout.Outcome != store.OutcomeFailure || !strings.Contains(timeout.Explanation, "No answer came") || timeout.Params["webhook_status"] != "0" {
		t.Errorf("timeout event %+v", timeout)
	}
	if delivered.Outcome != store.OutcomeSuccess || delivered.Explanation != debugger.WebhookDelivered(store.EventQRLogin, target, 204, 3) {
		t.Errorf("delivered event %+v", delivered)
	}
	for _, ev := range es {
		for _, v := range ev.Params {
			if strings.Contains(v, "merchant-secret") || strings.Contains(ev.Explanation, "merchant-secret") || strings.Contains(ev.Explanation, "secret-body") {
				t.Errorf("event keeps the URL's query or the body: %+v", ev)
			}
		}
	}
}
