package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// TokenAttempts wrong admin tokens in a row lock the API for TokenLock,
// during which not even the right token gets in; a right token before
// that clears the count.
func TestWrongTokensLock(t *testing.T) {
	clock := now
	e := newEnv(t, token)
	e.api.Now = func() time.Time { return clock }
	for range admin.TokenAttempts - 1 {
		if err := e.api.CheckToken("guess"); !isStatus(err, 401) {
			t.Fatalf("wrong token = %v, want 401", err)
		}
	}
	if err := e.api.CheckToken(token); err != nil {
		t.Fatalf("right token after %d wrong ones = %v", admin.TokenAttempts-1, err)
	}
	for i := range admin.TokenAttempts {
		err := e.api.CheckToken("guess")
		if want := 401; i == admin.TokenAttempts-1 && !isStatus(err, 429) || i < admin.TokenAttempts-1 && !isStatus(err, want) {
			t.Fatalf("wrong token %d = %v", i+1, err)
		}
	}
	a := send(t, e.url, "GET", "/admin/v1/clients", "Bearer "+token, "")
	if a.status != 429 || a.header.Get("Retry-After") != "900" || !strings.Contains(a.detail, "not even the right one") {
		t.Fatalf("right token while locked = %d %s Retry-After %q", a.status, a.body, a.header.Get("Retry-After"))
	}
	clock = clock.Add(admin.TokenLock)
	if a := send(t, e.url, "GET", "/admin/v1/clients", "Bearer "+token, ""); a.status != 200 {
		t.Fatalf("right token after the lock = %d %s", a.status, a.body)
	}
}

func isStatus(err error, status int) bool {
	p, ok := err.(*jsonapi.Problem)
	return ok && p.Status == status
}

// ?search= finds users by a part of the phone number (typed with + and
// spaces or not), the name or the e-mail address, case-insensitively.
func TestSearchUsers(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	for _, u := range []admin.UserRequest{
		{PhoneNumber: "4712345678", PIN: "1236", GivenName: "Ada", FamilyName: "Lovelace", Email: "ada@example.com"},
		{PhoneNumber: "4798765432", PIN: "1236", GivenName: "Kari", FamilyName: "Nordmann", Email: "kari@eksempel.no"},
	} {
		if _, err := e.client.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for search, want := range map[string]string{
		"":            "4712345678 4798765432",
		"+47 987":     "4798765432",
		"12345":       "4712345678",
		"lovelace":    "4712345678",
		"KARI NORD":   "4798765432",
		"eksempel.no": "4798765432",
		"47":          "4712345678 4798765432",
		"nobody":      "",
	} {
		us, err := e.client.SearchUsers(ctx, search)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range us {
			got = append(got, u.PhoneNumber)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("search %q = %v, want %s", search, got, want)
		}
	}
	_, err := e.client.SearchUsers(ctx, strings.Repeat("a", admin.MaxSearchLength+1))
	problem(t, err, http.StatusBadRequest, "search")
}

// Unlock ends a PIN lock and its count, and changes nothing else.
func TestUnlockUser(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	if _, err := e.client.CreateUser(ctx, admin.UserRequest{PhoneNumber: "4712345678", PIN: "1236", GivenName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.Store.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 5, now.Add(time.Hour)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	u, err := e.client.UnlockUser(ctx, "4712345678")
	if err != nil || u.LockedUntil != nil || u.GivenName != "Ada" {
		t.Fatalf("UnlockUser = %+v, %v", u, err)
	}
	stored, err := e.api.Store.GetUser(ctx, "4712345678")
	if err != nil || stored.FailedPINAttempts != 0 || !stored.LockedUntil.IsZero() || stored.PINHash == "" {
		t.Errorf("stored after unlock = %+v, %v", stored, err)
	}
	_, err = e.client.UnlockUser(ctx, "4700000000")
	problem(t, err, http.StatusNotFound, "4700000000")
}

// A failed event is put in the outbox again as a new event due at once,
// with the same URL, body and lifetime; the failed one stays in the log.
// Delivered and pending events, unknown events and other clients' events
// are refused.
func TestResendWebhook(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	for _, id := range []string{"shop", "other"} {
		if _, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: id, Name: id, ConsentWebhookURL: "https://shop.example/hook"}); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(id string, edit func(*store.Webhook)) {
		w := store.Webhook{ID: id, ClientID: "shop", Event: store.EventConsentRevoked, URL: "https://shop.example/hook",
			ContentType: "text/plain", Body: []byte("body"), CreatedAt: now.Add(-2 * time.Hour), NextAttemptAt: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
		edit(&w)
		if err := e.api.Store.EnqueueWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	ev("failed", func(w *store.Webhook) { w.Attempts, w.LastStatus, w.ExpiresAt = 9, 500, now.Add(-time.Hour) })
	ev("delivered", func(w *store.Webhook) { w.Attempts, w.DeliveredAt = 1, now.Add(-time.Hour) })
	ev("pending", func(w *store.Webhook) {})

	again, err := e.client.ResendWebhook(ctx, "shop", "failed")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == "failed" || again.State != "pending" || again.Attempts != 0 || again.URL != "https://shop.example/hook" ||
		!again.NextAttemptAt.Equal(now) || !again.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("resent = %+v", again)
	}
	log, err := e.client.ListWebhooks(ctx, "shop")
	if err != nil || len(log) != 4 {
		t.Fatalf("log = %+v, %v", log, err)
	}
	claimed, err := e.api.Store.ClaimWebhooks(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != again.ID || string(claimed[0].Body) != "body" {
		t.Errorf("due after the resend = %+v, %v; want the new event with the old body", claimed, err)
	}

	_, err = e.client.ResendWebhook(ctx, "shop", "delivered")
	problem(t, err, http.StatusConflict, "delivered")
	_, err = e.client.ResendWebhook(ctx, "shop", "pending")
	problem(t, err, http.StatusConflict, "pending")
	_, err = e.client.ResendWebhook(ctx, "other", "failed")
	problem(t, err, http.StatusNotFound, "failed")
	_, err = e.client.ResendWebhook(ctx, "nobody", "failed")
	problem(t, err, http.StatusNotFound, "nobody")
}
