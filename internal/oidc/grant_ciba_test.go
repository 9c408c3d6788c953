package oidc

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The interval is counted between polls: the first may come at once, one
// sooner than the interval after the previous gets slow_down and raises the
// interval by 5 s for good (CIBA Core §11, DESIGN §4).
func TestCIBAPollIntervalAndSlowDown(t *testing.T) {
	e := newCIBAEnv(t)
	id := e.mustStart(cibaClient, cibaForm(nil))
	steps := []struct {
		after    time.Duration // since the previous poll
		want     string
		interval time.Duration // stored after the poll
	}{
		{0, ErrAuthorizationPending, 5 * time.Second},
		{5 * time.Second, ErrAuthorizationPending, 5 * time.Second},
		{4999 * time.Millisecond, ErrSlowDown, 10 * time.Second},
		{5 * time.Second, ErrSlowDown, 15 * time.Second},
		{15 * time.Second, ErrAuthorizationPending, 15 * time.Second},
		{20 * time.Second, ErrAuthorizationPending, 15 * time.Second},
		{0, ErrSlowDown, 20 * time.Second},
	}
	for i, s := range steps {
		e.clock.Add(s.after)
		resp, body := e.poll(cibaClient, id)
		if resp.StatusCode != 400 || body["error"] != s.want {
			t.Fatalf("poll %d: status %d, %v; want %s", i, resp.StatusCode, body, s.want)
		}
		r := e.request(id)
		if r.PollInterval != s.interval || !r.LastPolledAt.Equal(e.clock.Now()) {
			t.Errorf("poll %d: interval %v, last polled %v; want %v, now", i, r.PollInterval, r.LastPolledAt, s.interval)
		}
	}
	// Approval is had at the next poll, however soon.
	e.answer(e.phone(adaPhone), id, true)
	if resp, body := e.poll(cibaClient, id); resp.StatusCode != 200 {
		t.Errorf("poll after approval: status %d, %v", resp.StatusCode, body)
	}
}

func TestCIBAPollErrors(t *testing.T) {
	tests := []struct {
		name      string
		run       func(e *cibaEnv, id string) (*http.Response, map[string]any)
		code      string
		errorCode string
	}{
		{"rejected", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.answer(e.phone(adaPhone), id, false)
			return e.poll(cibaClient, id)
		}, ErrAccessDenied, ""},
		{"never answered", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.clock.Add(600 * time.Second)
			return e.poll(cibaClient, id)
		}, ErrExpiredToken, ""},
		{"answered too late", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.clock.Add(600 * time.Second)
			_, err := e.phone(adaPhone).Approve(e.ctx, id, app.ApproveRequest{})
			if status(err) != http.StatusGone {
				e.t.Errorf("late approve = %v, want 410", err)
			}
			return e.poll(cibaClient, id)
		}, ErrExpiredToken, ""},
		{"approved but not polled in time", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.answer(e.phone(adaPhone), id, true)
			e.clock.Add(600 * time.Second)
			return e.poll(cibaClient, id)
		}, ErrExpiredToken, ""},
		{"app outdated since the start", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			phone := e.phone(adaPhone)
			e.st.UpdateUser(e.ctx, adaPhone, func(u store.User) (store.User, error) { u.AppVersion = "1.9.9"; return u, nil })
			if _, err := phone.Approve(e.ctx, id, app.ApproveRequest{}); status(err) != http.StatusConflict {
				e.t.Errorf("approve from an outdated app = %v, want 409", err)
			}
			return e.poll(cibaClient, id)
		}, ErrAccessDenied, ErrorCodeOldApp},
		{"redeemed already", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.answer(e.phone(adaPhone), id, true)
			if resp, body := e.poll(cibaClient, id); resp.StatusCode != 200 {
				e.t.Fatalf("first poll: %d %v", resp.StatusCode, body)
			}
			return e.poll(cibaClient, id)
		}, ErrInvalidGrant, ""},
		{"unknown auth_req_id", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			return e.poll(cibaClient, id+"x")
		}, ErrInvalidGrant, ""},
		{"another client's auth_req_id", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			e.answer(e.phone(adaPhone), id, true)
			return e.poll(cibaPostClient, id)
		}, ErrInvalidGrant, ""},
		{"a browser login's id", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			now := e.clock.Now()
			err := e.st.CreateLoginRequest(e.ctx, store.LoginRequest{ID: "tab", Kind: store.KindLogin, ClientID: cibaClient,
				PhoneNumber: nilsPhone, Status: store.LoginApproved, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)})
			if err != nil {
				e.t.Fatal(err)
			}
			return e.poll(cibaClient, "tab")
		}, ErrInvalidGrant, ""},
		{"no auth_req_id", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			return e.do("POST", IssuerPath+"oauth2/token", url.Values{"grant_type": {grantCIBA}}, asClient(cibaClient))
		}, ErrInvalidRequest, ""},
		{"client without the ciba flow", func(e *cibaEnv, id string) (*http.Response, map[string]any) {
			return e.poll(basicClient, id)
		}, ErrUnauthorizedClient, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCIBAEnv(t)
			id := e.mustStart(cibaClient, cibaForm(nil))
			resp, body := tt.run(e, id)
			wantError(t, resp, body, 400, tt.code)
			if got, _ := body["error_code"].(string); got != tt.errorCode {
				t.Errorf("error_code = %q, want %q", got, tt.errorCode)
			}
		})
	}
}

// status is the HTTP status of an app API problem, 200 for no error.
func status(err error) int {
	var p *jsonapi.Problem
	switch {
	case err == nil:
		return 200
	case errors.As(err, &p):
		return p.Status
	}
	return 0
}

// Fifty polls of one approved request at once: exactly one gets the tokens,
// the store deciding, and every other is told it was redeemed.
func TestCIBAPollRace(t *testing.T) {
	e := newCIBAEnv(t)
	id := e.mustStart(cibaClient, cibaForm(nil))
	e.answer(e.phone(adaPhone), id, true)
	form := url.Values{"grant_type": {grantCIBA}, "auth_req_id": {id}}.Encode()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[string]int{}
	)
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.srv.URL+IssuerPath+"oauth2/token", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			asClient(cibaClient)(req)
			<-start
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			key := resp.Status
			if resp.StatusCode != 200 {
				key += " " + string(body)
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	redeemed := `400 Bad Request {"error":"invalid_grant","error_description":"The auth_req_id was already redeemed; its tokens were issued once."}` + "\n"
	if counts["200 OK"] != 1 || counts[redeemed] != 49 {
		t.Errorf("answers: %v", counts)
	}
}
