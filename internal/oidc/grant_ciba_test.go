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

// pollStep is one poll of a pending request: how long after the previous
// one it comes, the error it must get and the interval stored after it.
type pollStep struct {
	after    time.Duration
	want     string
	interval time.Duration
}

// pollSteps polls the pending request id as the steps say, checking each
// answer and what the request holds after it.
func (e *cibaEnv) pollSteps(client, id string, steps []pollStep) {
	e.t.Helper()
	for i, s := range steps {
		e.clock.Add(s.after)
		resp, body := e.poll(client, id)
		if resp.StatusCode != 400 || body["error"] != s.want {
			e.t.Fatalf("poll %d (%v after the previous): status %d, %v; want %s", i, s.after, resp.StatusCode, body, s.want)
		}
		r := e.request(id)
		if r.PollInterval != s.interval || !r.LastPolledAt.Equal(e.clock.Now()) {
			e.t.Errorf("poll %d: interval %v, last polled %v; want %v, now", i, r.PollInterval, r.LastPolledAt, s.interval)
		}
	}
}

// The interval is counted between polls: the first may come at once, one
// clearly sooner than the interval after the previous gets slow_down and
// raises the interval by 5 s for good (CIBA Core §11: "the interval MUST
// be increased by at least 5 seconds for this and all subsequent
// requests"; DESIGN §4).
func TestCIBAPollIntervalAndSlowDown(t *testing.T) {
	e := newCIBAEnv(t)
	id := e.mustStart(cibaClient, cibaForm(nil))
	e.pollSteps(cibaClient, id, []pollStep{
		{0, ErrAuthorizationPending, 5 * time.Second},
		{5 * time.Second, ErrAuthorizationPending, 5 * time.Second},
		{3999 * time.Millisecond, ErrSlowDown, 10 * time.Second},
		{5 * time.Second, ErrSlowDown, 15 * time.Second},
		{15 * time.Second, ErrAuthorizationPending, 15 * time.Second},
		{20 * time.Second, ErrAuthorizationPending, 15 * time.Second},
		{0, ErrSlowDown, 20 * time.Second},
	})
	// Approval is had at the next poll, however soon.
	e.answer(e.phone(adaPhone), id, true)
	if resp, body := e.poll(cibaClient, id); resp.StatusCode != 200 {
		t.Errorf("poll after approval: status %d, %v", resp.StatusCode, body)
	}
}

// Vipps' document says of polling only: "Note that the polling interval
// should adhere to the interval response parameter (in seconds) returned
// in step 1" and "The merchant should keep polling when it receives
// authorization_pending in the error response"; it never mentions
// slow_down. So a client on a 5 s timer that fires a little early, or
// whose request waited on the network, gets authorization_pending and
// keeps its interval: a poll up to a second early (a fifth of the interval
// when that is less) is on time. Only a poll clearly too soon gets
// slow_down, whose 5 s stay for good, as CIBA Core §11 says.
func TestCIBAPollToleratesJitter(t *testing.T) {
	e := newCIBAEnv(t)
	id := e.mustStart(cibaClient, cibaForm(nil))
	e.pollSteps(cibaClient, id, []pollStep{
		{0, ErrAuthorizationPending, 5 * time.Second},
		{4900 * time.Millisecond, ErrAuthorizationPending, 5 * time.Second},
		{5100 * time.Millisecond, ErrAuthorizationPending, 5 * time.Second},
		{4 * time.Second, ErrAuthorizationPending, 5 * time.Second},
		{3999 * time.Millisecond, ErrSlowDown, 10 * time.Second},
		// The slack stays a second of the longer interval.
		{9 * time.Second, ErrAuthorizationPending, 10 * time.Second},
		{8999 * time.Millisecond, ErrSlowDown, 15 * time.Second},
	})
}

// Vipps: "we do return an interval parameter which indicates the minimum
// amount of time in seconds that the Client MUST wait between polling
// requests". A client's ciba_interval (a vippslogin extension, so that a
// merchant's CI need not wait 5 s a poll) is that interval: in the answer,
// in the stored request, and in the poll rule, whose slack is then a fifth
// of it.
func TestCIBAClientInterval(t *testing.T) {
	e := newCIBAEnv(t)
	if _, err := e.st.UpdateClient(e.ctx, cibaClient, func(c store.Client) (store.Client, error) {
		c.CIBAInterval = time.Second
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.start(cibaClient, cibaForm(nil))
	if resp.StatusCode != 200 || body["interval"] != float64(1) {
		t.Fatalf("start: %d %v, want interval 1", resp.StatusCode, body)
	}
	id := body["auth_req_id"].(string)
	if r := e.request(id); r.PollInterval != time.Second {
		t.Errorf("stored PollInterval = %v, want 1s", r.PollInterval)
	}
	e.pollSteps(cibaClient, id, []pollStep{
		{0, ErrAuthorizationPending, time.Second},
		{time.Second, ErrAuthorizationPending, time.Second},
		{800 * time.Millisecond, ErrAuthorizationPending, time.Second},
		{799 * time.Millisecond, ErrSlowDown, 6 * time.Second},
	})
	// The other client keeps Vipps' 5 seconds.
	if resp, body := e.start(cibaPostClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:"+nilsPhone) })); body["interval"] != float64(5) {
		t.Errorf("start for a client without ciba_interval: %d %v, want interval 5", resp.StatusCode, body)
	}
}

func TestPollTooSoon(t *testing.T) {
	last := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		last     time.Time
		after    time.Duration
		interval time.Duration
		want     bool
	}{
		{time.Time{}, 0, 5 * time.Second, false}, // the first poll
		{last, 5 * time.Second, 5 * time.Second, false},
		{last, 4 * time.Second, 5 * time.Second, false},
		{last, 4*time.Second - time.Microsecond, 5 * time.Second, true},
		{last, 0, 5 * time.Second, true},
		{last, 59 * time.Second, 60 * time.Second, false},
		{last, 59*time.Second - time.Microsecond, 60 * time.Second, true},
		// A fifth of a short interval.
		{last, 800 * time.Millisecond, time.Second, false},
		{last, 799 * time.Millisecond, time.Second, true},
		{last, 1600 * time.Millisecond, 2 * time.Second, false},
		{last, 1599 * time.Millisecond, 2 * time.Second, true},
	}
	for _, tt := range tests {
		if got := pollTooSoon(tt.last, tt.last.Add(tt.after), tt.interval); got != tt.want {
			t.Errorf("pollTooSoon(%v after, interval %v) = %v, want %v", tt.after, tt.interval, got, tt.want)
		}
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
