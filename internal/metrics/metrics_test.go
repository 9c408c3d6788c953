package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The store wrapper counts each step of a login's life cycle once, for
// the flows the server test does not walk: a CIBA login approved and
// redeemed, one that expires, an update that is aborted, and webhook
// attempts.
func TestStoreCountsTheLifeCycle(t *testing.T) {
	ctx := t.Context()
	m := New()
	st := m.Store(testenv.SQLite(t))
	now := time.Now()

	ciba := store.LoginRequest{ID: "ciba-1", Kind: store.KindCIBA, ClientID: "shop", PhoneNumber: "4712345678",
		Status: store.LoginWaiting, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.CreateLoginRequest(ctx, ciba); err != nil {
		t.Fatal(err)
	}
	step := func(change func(*store.LoginRequest)) {
		t.Helper()
		_, err := st.UpdateLoginRequest(ctx, ciba.ID, func(lr store.LoginRequest) (store.LoginRequest, error) {
			change(&lr)
			return lr, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	step(func(lr *store.LoginRequest) { lr.Status = store.LoginApproved })
	// A poll that finds it approved ends it, through UpdateLoginRequestWith
	// as the token endpoint does; a second poll changes nothing.
	for range 2 {
		_, err := st.UpdateLoginRequestWith(ctx, ciba.ID, func(lr store.LoginRequest) (store.LoginRequest, store.Effects, error) {
			lr.Status = store.LoginDone
			return lr, store.Effects{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// An aborted update counts nothing, whatever its closure returned.
	abort := errors.New("abort")
	st.UpdateLoginRequest(ctx, ciba.ID, func(lr store.LoginRequest) (store.LoginRequest, error) {
		lr.Status, lr.Error = store.LoginFailed, "access_denied"
		return lr, abort
	})

	late := store.LoginRequest{ID: "ciba-2", Kind: store.KindCIBA, ClientID: "shop", PhoneNumber: "4787654321",
		Status: store.LoginWaiting, CreatedAt: now, ExpiresAt: now}
	if err := st.CreateLoginRequest(ctx, late); err != nil {
		t.Fatal(err)
	}
	if n, err := st.FailExpiredLoginRequests(ctx, late.PhoneNumber, store.KindCIBA, now); err != nil || n != 1 {
		t.Fatalf("FailExpiredLoginRequests = %d, %v; want 1", n, err)
	}

	// A CIBA request for a user who cannot log in is stored already failed.
	refused := store.LoginRequest{ID: "ciba-3", Kind: store.KindCIBA, ClientID: "shop", PhoneNumber: "4712345680",
		Status: store.LoginFailed, Error: "invalid_user", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.CreateLoginRequest(ctx, refused); err != nil {
		t.Fatal(err)
	}

	if err := st.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	w := store.Webhook{ID: "w", ClientID: "shop", Event: store.EventConsentRevoked, URL: "https://shop.example/hook",
		ContentType: "text/plain", NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := st.EnqueueWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	st.RecordWebhookAttempt(ctx, "w", store.WebhookAttempt{At: now, Status: 500, Error: "HTTP 500", NextAttemptAt: now.Add(time.Second)})
	st.RecordWebhookAttempt(ctx, "w", store.WebhookAttempt{At: now, Status: 204, Delivered: true})
	// An attempt on an event the store does not know is not counted.
	st.RecordWebhookAttempt(ctx, "missing", store.WebhookAttempt{At: now, Status: 204, Delivered: true})

	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"started{ciba}", testutil.ToFloat64(m.loginsStarted.WithLabelValues("ciba")), 3},
		{"failed{ciba,invalid_user}", testutil.ToFloat64(m.loginsFailed.WithLabelValues("ciba", "invalid_user")), 1},
		{"completed{ciba}", testutil.ToFloat64(m.loginsCompleted.WithLabelValues("ciba")), 1},
		{"failed{ciba,access_denied}", testutil.ToFloat64(m.loginsFailed.WithLabelValues("ciba", "access_denied")), 0},
		{"failed{ciba,expired_token}", testutil.ToFloat64(m.loginsFailed.WithLabelValues("ciba", "expired_token")), 1},
		{"webhook attempts{failed}", testutil.ToFloat64(m.webhookAttempts.WithLabelValues("failed")), 1},
		{"webhook attempts{delivered}", testutil.ToFloat64(m.webhookAttempts.WithLabelValues("delivered")), 1},
		{"store operations timed", float64(testutil.CollectAndCount(m.storeDuration)), 7},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// Every metric follows Prometheus' naming and help conventions.
func TestMetricsLint(t *testing.T) {
	m := New()
	st := testenv.SQLite(t)
	m.WatchKeys(testenv.Keys(t, st, nil), time.Now)
	m.WatchBacklog(st, time.Now)
	m.ObserveRequest("GET /healthz", "GET", 200, time.Millisecond)
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// A request no pattern matched is counted as Unmatched, whether the caller
// passes "" or Route's answer: Route is the one rule for both.
func TestObserveRequestUnmatched(t *testing.T) {
	m := New()
	m.ObserveRequest("", "GET", 404, time.Millisecond)
	m.ObserveRequest(Route(""), "GET", 404, time.Millisecond)
	m.ObserveRequest(Route("GET /healthz"), "GET", 200, time.Millisecond)
	if got := testutil.ToFloat64(m.requests.WithLabelValues(Unmatched, "GET", "404")); got != 2 {
		t.Errorf("unmatched requests %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET /healthz", "GET", "200")); got != 1 {
		t.Errorf("GET /healthz requests %v, want 1", got)
	}
}
