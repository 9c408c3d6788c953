package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestListAndGet(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	own := w.login(t, "4712345678")
	others := w.login(t, "4712345679")
	mobile := w.login(t, "")

	reqs, err := w.ada.Requests(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := Request{ID: own.ID, Kind: "login", Status: "waiting", ClientName: "Demo Shop", Scopes: own.Scopes,
		ConsentRequired: true, ChallengeOptions: []string{"17", "42", "88"}, ExpiresAt: own.ExpiresAt}
	if len(reqs) != 1 || !equalRequest(reqs[0], want) {
		t.Fatalf("Requests = %+v, want only %+v", reqs, want)
	}

	// A consent that covers the scopes means no consent step.
	if err := w.st.SaveConsent(ctx, store.Consent{PhoneNumber: "4712345678", ClientID: "demo-client", Scopes: []string{"name", "email"}, CreatedAt: w.clock.Now(), UpdatedAt: w.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := w.ada.Request(ctx, own.ID)
	want.ConsentRequired = false
	if err != nil || !equalRequest(got, want) {
		t.Errorf("Request(own) = %+v, %v; want %+v", got, err, want)
	}

	// The deeplinked mobile login is anybody's until answered, and has no
	// challenge.
	got, err = w.ada.Request(ctx, mobile.ID)
	if err != nil || got.ChallengeOptions != nil || got.ClientName != "Demo Shop" || got.Status != "waiting" {
		t.Errorf("Request(mobile) = %+v, %v", got, err)
	}
	for _, id := range []string{others.ID, "no-such-id"} {
		if _, err := w.ada.Request(ctx, id); status(err) != 404 {
			t.Errorf("Request(%s) = %v, want 404", id, err)
		}
	}
}

func equalRequest(a, b Request) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Status == b.Status && a.ClientName == b.ClientName &&
		slices.Equal(a.Scopes, b.Scopes) && a.ConsentRequired == b.ConsentRequired &&
		slices.Equal(a.ChallengeOptions, b.ChallengeOptions) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func TestApproveDesktop(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.login(t, "4712345678")
	w.clock.Add(time.Minute)
	res, err := w.ada.Approve(ctx, r.ID, ApproveRequest{Challenge: "42"})
	if err != nil || res.OpenURL != "" {
		t.Fatalf("Approve = %+v, %v", res, err)
	}
	got := w.get(t, r.ID)
	if got.Status != store.LoginApproved || !got.AuthTime.Equal(w.clock.Now()) || !got.UpdatedAt.Equal(w.clock.Now()) || got.Remember {
		t.Errorf("approved request = %+v", got)
	}
	if _, err := uuid.Parse(got.SessionID); err != nil {
		t.Errorf("SessionID %q is not a UUID", got.SessionID)
	}
	if _, err := w.ada.Approve(ctx, r.ID, ApproveRequest{Challenge: "42"}); status(err) != 409 || !strings.Contains(err.Error(), "already answered") {
		t.Errorf("second Approve = %v, want 409 already answered", err)
	}
	if reqs, _ := w.ada.Requests(ctx, 0); len(reqs) != 0 {
		t.Errorf("Requests after approval = %+v, want none", reqs)
	}
}

func TestApproveMobile(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.login(t, "")
	if _, err := w.ada.Approve(ctx, r.ID, ApproveRequest{RememberBrowser: true}); err != nil {
		t.Fatal(err)
	}
	got := w.get(t, r.ID)
	if got.Status != store.LoginApproved || got.PhoneNumber != "4712345678" || !got.Remember || got.SessionID == "" {
		t.Errorf("approved mobile request = %+v", got)
	}
	// Now it is Ada's: Bob cannot see or answer it.
	if _, err := w.bob.Request(ctx, r.ID); status(err) != 404 {
		t.Errorf("Bob's Request of Ada's approved login = %v, want 404", err)
	}
	if err := w.bob.Reject(ctx, r.ID); status(err) != 404 {
		t.Errorf("Bob's Reject of Ada's approved login = %v, want 404", err)
	}
}

func TestApproveFailures(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	addUser(t, w.st, "4712345681", "1.9.9")
	old := &Client{BaseURL: w.ada.BaseURL, HTTP: w.ada.HTTP}
	if _, err := old.SignIn(ctx, "4712345681", "1236"); err != nil {
		t.Fatal(err)
	}

	wrong := w.login(t, "4712345678")
	code, body := raw(t, w.ada, "POST", "/app/v1/requests/"+wrong.ID+"/approve", `{"challenge":"17"}`)
	if code != 409 || body["error"] != "wrong_challenge" || body["detail"] == "" {
		t.Errorf("wrong challenge = %d %v, want 409 with error wrong_challenge", code, body)
	}
	if got := w.get(t, wrong.ID); got.Status != store.LoginFailed || got.Error != "wrong_challenge" || got.ErrorDescription != WrongChallengeDescription {
		t.Errorf("after a wrong challenge: %+v", got)
	}

	outdated := w.login(t, "4712345681")
	code, body = raw(t, old, "POST", "/app/v1/requests/"+outdated.ID+"/approve", `{"challenge":"42"}`)
	if code != 409 || body["error"] != "outdated_app_version" {
		t.Errorf("outdated app = %d %v, want 409 outdated_app_version", code, body)
	}
	if got := w.get(t, outdated.ID); got.Status != store.LoginFailed || got.Error != "outdated_app_version" || got.ErrorDescription != OutdatedAppDescription {
		t.Errorf("after an outdated app: %+v", got)
	}

	// A missing challenge is the caller's bug: 400, and the login goes on.
	open := w.login(t, "4712345678")
	if _, err := w.ada.Approve(ctx, open.ID, ApproveRequest{}); status(err) != 400 {
		t.Errorf("Approve without challenge = %v, want 400", err)
	}
	if got := w.get(t, open.ID); got.Status != store.LoginWaiting {
		t.Errorf("after a missing challenge the status is %s, want waiting", got.Status)
	}

	expired := w.login(t, "4712345678")
	w.clock.Add(flow.LoginTTL)
	code, body = raw(t, w.ada, "POST", "/app/v1/requests/"+expired.ID+"/approve", `{"challenge":"42"}`)
	if code != 410 || !strings.Contains(body["detail"].(string), "expired") {
		t.Errorf("expired = %d %v, want 410 expired", code, body)
	}
	if got := w.get(t, expired.ID); got.Status != store.LoginFailed || got.Error != "access_denied" || got.ErrorDescription != flow.TimeoutDescription {
		t.Errorf("after expiry: %+v", got)
	}
	if reqs, _ := w.ada.Requests(ctx, 0); len(reqs) != 0 {
		t.Errorf("Requests lists expired ones: %+v", reqs)
	}
}

func TestReject(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.login(t, "4712345678")
	if err := w.ada.Reject(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.get(t, r.ID); got.Status != store.LoginFailed || got.Error != "access_denied" || got.ErrorDescription != RejectedDescription {
		t.Errorf("rejected request = %+v", got)
	}
	if err := w.ada.Reject(ctx, r.ID); status(err) != 409 {
		t.Errorf("second Reject = %v, want 409", err)
	}
	if _, err := w.ada.Approve(ctx, r.ID, ApproveRequest{Challenge: "42"}); status(err) != 409 {
		t.Errorf("Approve after Reject = %v, want 409", err)
	}

	m := w.login(t, "")
	if err := w.bob.Reject(ctx, m.ID); err != nil {
		t.Errorf("Reject of an unbound mobile login: %v", err)
	}
}

func TestOthersRequestIsNotFound(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.login(t, "4712345678")
	if _, err := w.bob.Approve(ctx, r.ID, ApproveRequest{Challenge: "42"}); status(err) != 404 {
		t.Errorf("Bob approves Ada's login: %v, want 404", err)
	}
	if err := w.bob.Reject(ctx, r.ID); status(err) != 404 {
		t.Errorf("Bob rejects Ada's login: %v, want 404", err)
	}
	if err := w.bob.Reject(ctx, "no-such-id"); status(err) != 404 {
		t.Errorf("Reject of an unknown id: %v, want 404", err)
	}
	if got := w.get(t, r.ID); got.Status != store.LoginWaiting {
		t.Errorf("Ada's login is %s after Bob's attempts, want waiting", got.Status)
	}
}

// Ten approvals at once: the store transaction lets exactly one win.
func TestApproveRace(t *testing.T) {
	w := newWorld(t)
	r := w.login(t, "4712345678")
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := w.ada.Approve(context.Background(), r.ID, ApproveRequest{Challenge: "42"})
			code := 200
			if err != nil {
				code = status(err)
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[200] != 1 || codes[409] != 9 {
		t.Errorf("answers to 10 racing approvals = %v, want one 200 and nine 409", codes)
	}
}

func TestLongPoll(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	type result struct {
		reqs []Request
		err  error
	}
	done := make(chan result, 1)
	go func() {
		reqs, err := w.ada.Requests(ctx, 30*time.Second)
		done <- result{reqs, err}
	}()
	r := w.login(t, "4712345678")
	res := <-done
	if res.err != nil || len(res.reqs) != 1 || res.reqs[0].ID != r.ID {
		t.Errorf("long poll = %+v, %v; want the new request %s", res.reqs, res.err, r.ID)
	}

	// Nothing pending for Bob: the wait ends with an empty list.
	reqs, err := w.bob.Requests(ctx, time.Second)
	if err != nil || reqs == nil || len(reqs) != 0 {
		t.Errorf("Requests(wait 1s) with nothing pending = %#v, %v; want an empty list", reqs, err)
	}
}

func TestBadWait(t *testing.T) {
	w := newWorld(t)
	for _, v := range []string{"abc", "-1", "1.5", "1s"} {
		err := jsonapi.Call(context.Background(), w.ada.HTTP, "GET", w.ada.BaseURL+"/app/v1/requests?wait="+v, w.ada.Token, nil, nil)
		if status(err) != 400 {
			t.Errorf("wait=%s: %v, want 400", v, err)
		}
	}
}

func TestUnauthenticated(t *testing.T) {
	w := newWorld(t)
	anon := &Client{BaseURL: w.ada.BaseURL, HTTP: w.ada.HTTP}
	ctx := context.Background()
	calls := map[string]func() error{
		"Requests":      func() error { _, err := anon.Requests(ctx, 0); return err },
		"Request":       func() error { _, err := anon.Request(ctx, "x"); return err },
		"Approve":       func() error { _, err := anon.Approve(ctx, "x", ApproveRequest{}); return err },
		"Reject":        func() error { return anon.Reject(ctx, "x") },
		"Consents":      func() error { _, err := anon.Consents(ctx); return err },
		"RevokeConsent": func() error { return anon.RevokeConsent(ctx, "x") },
		"Browsers":      func() error { _, err := anon.Browsers(ctx); return err },
		"ForgetBrowser": func() error { return anon.ForgetBrowser(ctx, "x") },
	}
	for name, call := range calls {
		if err := call(); status(err) != 401 {
			t.Errorf("%s without a token = %v, want 401", name, err)
		}
	}
}
