package oidc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// userExists posts a JSON body to user-exists as the client.
func (e *cibaEnv) userExists(client, body string) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.do("POST", UserExistsPath, url.Values{}, func(r *http.Request) {
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		r.Header.Set("Content-Type", "application/json")
		if client != "" {
			r.SetBasicAuth(client, url.QueryEscape(basicSecret))
		}
	})
}

func TestUserExists(t *testing.T) {
	e := newCIBAEnv(t)
	for number, want := range map[string]bool{
		adaPhone: true, "+47 123 45 678": true, "12345678": true, "4799999999": false, "4512345678": false,
	} {
		resp, body := e.userExists(cibaClient, `{"phoneNumber": "`+number+`"}`)
		if resp.StatusCode != 200 || body["exists"] != want || len(body) != 1 {
			t.Errorf("%s: %d %v, want exists %v", number, resp.StatusCode, body, want)
		}
	}
	// A client_secret_post client sends its credentials in the body.
	resp, body := e.userExists("", `{"phoneNumber": "4712345678", "client_id": "`+cibaPostClient+`", "client_secret": "`+postSecret+`"}`)
	if resp.StatusCode != 200 || body["exists"] != true {
		t.Errorf("post client: %d %v", resp.StatusCode, body)
	}

	tests := []struct {
		name   string
		client string
		body   string
		status int
		code   string
	}{
		{"no client authentication", "", `{"phoneNumber": "4712345678"}`, 401, ErrInvalidClient},
		{"wrong post secret", "", `{"phoneNumber": "4712345678", "client_id": "` + cibaPostClient + `", "client_secret": "x"}`, 401, ErrInvalidClient},
		{"client without the ciba flow", basicClient, `{"phoneNumber": "4712345678"}`, 400, ErrUnauthorizedClient},
		{"no phone number", cibaClient, `{}`, 400, ErrInvalidRequest},
		{"not a phone number", cibaClient, `{"phoneNumber": "ada@example.com"}`, 400, ErrInvalidRequest},
		{"not JSON", cibaClient, `phoneNumber=4712345678`, 400, ErrInvalidRequest},
		{"wrong type", cibaClient, `{"phoneNumber": 4712345678}`, 400, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.userExists(tt.client, tt.body)
			wantError(t, resp, body, tt.status, tt.code)
		})
	}
	resp, body = e.do("POST", UserExistsPath, url.Values{"phoneNumber": {adaPhone}}, asClient(cibaClient))
	wantError(t, resp, body, 400, ErrInvalidRequest)
}

// user-exists answers a client UserExistsLimit times a minute, then 429
// with Retry-After until the minute is over; other clients are not held up.
// The count is the store's: a second replica sharing it counts into the
// same window, and the window is the clock's minute, not one starting at
// the client's first request.
func TestUserExistsRateLimit(t *testing.T) {
	e := newCIBAEnv(t)
	replica := &Provider{Keys: e.p.Keys, Store: e.st, Now: e.clock.Now}
	mux := http.NewServeMux()
	replica.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	replica.BaseURL = srv.URL
	other := *e.tokenEnv
	other.srv = srv
	replicas := []*cibaEnv{e, {&other}}

	ask := func(e *cibaEnv, client string) *http.Response {
		if client == cibaPostClient {
			resp, _ := e.userExists("", `{"phoneNumber": "4712345678", "client_id": "`+cibaPostClient+`", "client_secret": "`+postSecret+`"}`)
			return resp
		}
		resp, _ := e.userExists(client, `{"phoneNumber": "4712345678"}`)
		return resp
	}
	e.clock.Add(30 * time.Second) // 12:00:30; the window still started at 12:00
	for i := range UserExistsLimit {
		if resp := ask(replicas[i%2], cibaClient); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	e.clock.Add(10*time.Second + 500*time.Millisecond)
	for i, r := range replicas {
		resp, body := r.userExists(cibaClient, `{"phoneNumber": "4712345678"}`)
		wantError(t, resp, body, http.StatusTooManyRequests, ErrInvalidRequest)
		if ra := resp.Header.Get("Retry-After"); ra != "20" {
			t.Errorf("replica %d: Retry-After = %q, want 20", i, ra)
		}
	}
	if resp := ask(e, cibaPostClient); resp.StatusCode != 200 {
		t.Errorf("another client: %d", resp.StatusCode)
	}
	e.clock.Add(19*time.Second + 500*time.Millisecond) // 12:01:00, a new window
	if resp := ask(e, cibaClient); resp.StatusCode != 200 {
		t.Errorf("after the minute: %d", resp.StatusCode)
	}
}
