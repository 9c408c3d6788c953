package webhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

func TestDelivers(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	rc := newReceiver(t, http.StatusNoContent)
	var logs bytes.Buffer
	d := deliverer(st, c, &logs)
	event(t, st, "ev-1", rc.URL+"/hook?token=s3cr3t", c.Now())

	pass(t, d, 1)
	if rc.count() != 1 {
		t.Fatalf("receiver got %d requests, want 1", rc.count())
	}
	r := rc.got[0]
	if r.Method != "POST" || r.URL.Path != "/hook" || r.Header.Get("Content-Type") != "text/plain" ||
		r.Header.Get("Webhook-Id") != "ev-1" || rc.bodies[0] != "secret-body-ev-1" {
		t.Errorf("receiver got %s %s, Content-Type %q, Webhook-Id %q, body %q", r.Method, r.URL, r.Header.Get("Content-Type"), r.Header.Get("Webhook-Id"), rc.bodies[0])
	}
	w := get(t, st, "ev-1")
	if !w.DeliveredAt.Equal(start) || w.Attempts != 1 || w.LastStatus != 204 || w.LastError != "" || webhook.State(w, start) != webhook.StateDelivered {
		t.Errorf("after delivery: %+v", w)
	}
	c.Add(time.Hour)
	pass(t, d, 0)
	if strings.Contains(logs.String(), "secret-body") || strings.Contains(logs.String(), "s3cr3t") {
		t.Errorf("the log shows the body or the URL's query:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "webhook: delivered") {
		t.Errorf("the delivery is not logged:\n%s", logs.String())
	}
}

// A receiver that fails twice and then accepts gets the event three times
// under one id; it counts as delivered once, and the waits in between stay
// within the backoff's bounds whatever the jitter drew.
func TestRetriesWithBackoff(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	rc := newReceiver(t, 500, 500, 200)
	d := deliverer(st, c, &bytes.Buffer{})
	event(t, st, "ev", rc.URL, c.Now())

	for n := 1; n <= 2; n++ {
		pass(t, d, 1)
		w := get(t, st, "ev")
		now := c.Now()
		if w.Attempts != n || w.LastStatus != 500 || w.LastError != "HTTP 500: try later" || !w.DeliveredAt.IsZero() || !w.LockedUntil.IsZero() {
			t.Fatalf("after failure %d: %+v", n, w)
		}
		if wait := w.NextAttemptAt.Sub(now); wait < 0 || wait > webhook.Backoff(n) {
			t.Fatalf("after failure %d the retry waits %v, want within [0, %v]", n, wait, webhook.Backoff(n))
		}
		if webhook.State(w, now) != webhook.StatePending {
			t.Errorf("state after failure %d = %s", n, webhook.State(w, now))
		}
		if w.NextAttemptAt.After(now) {
			c.Set(w.NextAttemptAt.Add(-time.Microsecond))
			pass(t, d, 0) // not due yet
		}
		c.Set(w.NextAttemptAt)
	}
	pass(t, d, 1)
	w := get(t, st, "ev")
	if w.Attempts != 3 || w.LastStatus != 200 || w.LastError != "" || !w.DeliveredAt.Equal(c.Now()) {
		t.Errorf("after delivery: %+v", w)
	}
	c.Add(24 * time.Hour)
	pass(t, d, 0)
	if rc.count() != 3 {
		t.Errorf("receiver got %d requests, want 3", rc.count())
	}
	for _, r := range rc.got {
		if r.Header.Get("Webhook-Id") != "ev" {
			t.Errorf("Webhook-Id = %q on a retry, want the event's id", r.Header.Get("Webhook-Id"))
		}
	}
}

// With the jitter at its maximum the waits double from a second up to the
// cap.
func TestBackoffDoublesToCap(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	rc := newReceiver(t, 503)
	d := deliverer(st, c, &bytes.Buffer{})
	d.Jitter = func(max time.Duration) time.Duration { return max }
	event(t, st, "ev", rc.URL, c.Now())
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, secs := range want {
		pass(t, d, 1)
		w := get(t, st, "ev")
		if wait := w.NextAttemptAt.Sub(c.Now()); wait != secs*time.Second {
			t.Fatalf("wait after failure %d = %v, want %v", i+1, wait, secs*time.Second)
		}
		c.Set(w.NextAttemptAt)
	}
}

// A 302 is a failed attempt, and its target is never asked.
func TestRedirectIsNotFollowed(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	target := newReceiver(t, 200)
	redirector := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirector.Close)
	d := deliverer(st, c, &bytes.Buffer{})
	event(t, st, "ev", redirector.URL, c.Now())

	pass(t, d, 1)
	w := get(t, st, "ev")
	if w.LastStatus != 302 || !strings.Contains(w.LastError, "redirects are not followed") || !w.DeliveredAt.IsZero() {
		t.Errorf("after a 302: %+v", w)
	}
	if target.count() != 0 {
		t.Error("the redirect was followed")
	}
}

// A receiver slower than the timeout fails the attempt.
func TestSlowReceiverTimesOut(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // before slow.Close, which waits for handlers
	d := deliverer(st, c, &bytes.Buffer{})
	d.Timeout = 100 * time.Millisecond
	event(t, st, "ev", slow.URL, c.Now())

	pass(t, d, 1)
	w := get(t, st, "ev")
	if w.LastStatus != 0 || w.LastError != "no answer within 100ms" || w.Attempts != 1 || !w.DeliveredAt.IsZero() {
		t.Errorf("after a timeout: %+v", w)
	}
}

// Retries stop at expiry: the last one is pulled in before it, and after
// it the outbox gives up and the event stays failed.
func TestGivesUpAtExpiry(t *testing.T) {
	st, c := newStore(t), testenv.NewClock(start)
	rc := newReceiver(t, 500)
	d := deliverer(st, c, &bytes.Buffer{})
	d.Jitter = func(max time.Duration) time.Duration { return max }
	w := newEvent("short", rc.URL, c.Now())
	w.ExpiresAt = start.Add(2500 * time.Millisecond)
	enqueue(t, st, w)

	pass(t, d, 1) // fails; retry in 1 s
	if got := get(t, st, "short").NextAttemptAt; !got.Equal(start.Add(time.Second)) {
		t.Fatalf("first retry at %v, want start+1s", got)
	}
	c.Add(time.Second)
	pass(t, d, 1) // fails; 2 s would pass expiry less a poll, so 1.5 s
	if got := get(t, st, "short").NextAttemptAt; !got.Equal(start.Add(1500 * time.Millisecond)) {
		t.Fatalf("last retry at %v, want start+1.5s (a poll before expiry)", got)
	}
	c.Add(500 * time.Millisecond)
	pass(t, d, 1) // fails; no time left
	got := get(t, st, "short")
	if !got.NextAttemptAt.Equal(got.ExpiresAt) || webhook.State(got, c.Now()) != webhook.StateFailed {
		t.Fatalf("after giving up: %+v, state %s", got, webhook.State(got, c.Now()))
	}
	c.Add(time.Hour)
	pass(t, d, 0)
	if rc.count() != 3 {
		t.Errorf("receiver got %d requests, want 3", rc.count())
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 1000: 5 * time.Minute} {
		if got := webhook.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
