package webhook_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// The CIBA ping is CIBA Core §10.2's callback: JSON {"auth_req_id"} with
// the client_notification_token as bearer, to the client's ping URL.
func TestCIBAPing(t *testing.T) {
	c := store.Client{ID: "shop", CIBAPingURL: "https://shop.example/ping"}
	now := start.Add(1500 * time.Millisecond)
	w := webhook.CIBAPing(c, "auth-req-1", "notify-s3cr3t", now)
	if w.ID == "" || w.ClientID != "shop" || w.Event != store.EventCIBAPing || w.URL != c.CIBAPingURL ||
		w.ContentType != "application/json" || w.Authorization != "Bearer notify-s3cr3t" ||
		string(w.Body) != `{"auth_req_id":"auth-req-1"}` ||
		!w.NextAttemptAt.Equal(now) || !w.CreatedAt.Equal(now) || !w.ExpiresAt.Equal(now.Add(webhook.CIBAPingTTL)) {
		t.Errorf("event = %+v", w)
	}
	if other := webhook.CIBAPing(c, "auth-req-1", "notify-s3cr3t", now); other.ID == w.ID {
		t.Error("two events share an id")
	}
}

// The deliverer sends the event's Authorization header, and never logs
// it; an event without one is sent without the header.
func TestDeliversAuthorization(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	rc := newReceiver(t, 500, 500, http.StatusNoContent)
	var logs bytes.Buffer
	d := deliverer(st, c, &logs)
	d.Jitter = func(max time.Duration) time.Duration { return max }
	enqueue(t, st, webhook.CIBAPing(store.Client{ID: "shop", CIBAPingURL: rc.URL + "/ping"}, "auth-req-1", "notify-s3cr3t", c.Now()))
	event(t, st, "plain", rc.URL+"/hook", c.Now())

	pass(t, d, 2)
	c.Add(time.Second)
	pass(t, d, 2)
	if rc.count() != 4 {
		t.Fatalf("receiver got %d requests, want 4", rc.count())
	}
	pings := 0
	for i, r := range rc.got {
		switch r.URL.Path {
		case "/ping":
			pings++
			if r.Header.Get("Authorization") != "Bearer notify-s3cr3t" || r.Header.Get("Content-Type") != "application/json" ||
				rc.bodies[i] != `{"auth_req_id":"auth-req-1"}` {
				t.Errorf("ping %d: Authorization %q, Content-Type %q, body %q", i, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), rc.bodies[i])
			}
		default:
			if _, ok := r.Header["Authorization"]; ok {
				t.Errorf("an event without Authorization was sent with one: %q", r.Header.Get("Authorization"))
			}
		}
	}
	if pings != 2 {
		t.Errorf("the ping was tried %d times, want 2 (a failure and a retry)", pings)
	}
	if strings.Contains(logs.String(), "notify-s3cr3t") {
		t.Errorf("the log shows the bearer token:\n%s", logs.String())
	}
}
