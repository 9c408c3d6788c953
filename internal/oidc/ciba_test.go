package oidc

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestCIBAStart(t *testing.T) {
	e := newCIBAEnv(t)
	resp, body := e.start(cibaClient, cibaForm(nil))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, body)
	}
	id, _ := body["auth_req_id"].(string)
	// At least 160 bits, of the characters CIBA Core §7.3 allows.
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(id) {
		t.Errorf("auth_req_id = %q", id)
	}
	if body["expires_in"] != float64(600) || body["interval"] != float64(5) || len(body) != 3 {
		t.Errorf("answer = %v, want auth_req_id, expires_in 600, interval 5", body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	now := e.clock.Now()
	got := e.request(id)
	want := store.LoginRequest{
		ID: id, Kind: store.KindCIBA, ClientID: cibaClient, Scopes: []string{"openid", "name", "phoneNumber"},
		State: "state-123", Nonce: "nonce-123", BindingMessage: "4MZ-CQ3", PollInterval: 5 * time.Second,
		PhoneNumber: adaPhone, ChallengeOptions: []string{}, Status: store.LoginWaiting,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(600 * time.Second),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored\n%+v\nwant\n%+v", got, want)
	}

	// The older login hint, the post client, a requested expiry and the
	// redirect variant.
	form := cibaForm(func(v url.Values) {
		v.Set("login_hint", "urn:mobilenumber:12345679")
		v.Set("requested_expiry", "60")
		v.Set("requested_flow", "login_to_webpage")
		v.Set("redirect_uri", shopCallback)
		v.Del("binding_message")
	})
	resp, body = e.start(cibaPostClient, form)
	if resp.StatusCode != 200 || body["expires_in"] != float64(60) {
		t.Fatalf("status %d, %v", resp.StatusCode, body)
	}
	got = e.request(body["auth_req_id"].(string))
	if got.PhoneNumber != nilsPhone || got.ClientID != cibaPostClient || got.RequestedFlow != "login_to_webpage" ||
		got.RedirectURI != shopCallback || got.BindingMessage != "" || !got.ExpiresAt.Equal(now.Add(time.Minute)) {
		t.Errorf("stored %+v", got)
	}
}

func TestCIBAStartErrors(t *testing.T) {
	e := newCIBAEnv(t)
	set := func(k, v string) func(url.Values) { return func(f url.Values) { f.Set(k, v) } }
	del := func(k string) func(url.Values) { return func(f url.Values) { f.Del(k) } }
	basic := asClient(cibaClient)
	tests := []struct {
		name      string
		change    func(url.Values)
		auth      func(*http.Request)
		status    int
		code      string
		errorCode string
	}{
		{"no client authentication", nil, func(*http.Request) {}, 401, ErrInvalidClient, ""},
		{"wrong secret", nil, func(r *http.Request) { r.SetBasicAuth(cibaClient, "wrong") }, 401, ErrInvalidClient, ""},
		{"client without the ciba flow", nil, asClient(basicClient), 400, ErrUnauthorizedClient, ""},
		{"JSON body", nil, func(r *http.Request) { basic(r); r.Header.Set("Content-Type", "application/json") }, 400, ErrInvalidRequest, ""},
		{"repeated parameter", func(f url.Values) { f.Add("scope", "openid") }, basic, 400, ErrInvalidRequest, ""},
		{"body too large", set("pad", strings.Repeat("a", maxFormBody)), basic, 400, ErrInvalidRequest, ""},
		{"parameter too long", set("state", strings.Repeat("s", 2049)), basic, 400, ErrInvalidRequest, ""},
		{"no login_hint", del("login_hint"), basic, 400, ErrInvalidRequest, ""},
		{"signed request", set("request", "eyJhbGciOiJub25lIn0.e30."), basic, 400, ErrInvalidRequest, ""},
		{"request_uri", set("request_uri", "https://shop.example/req"), basic, 400, ErrInvalidRequest, ""},
		{"login_hint_token", set("login_hint_token", "x"), basic, 400, ErrInvalidRequest, ""},
		{"id_token_hint", set("id_token_hint", "x"), basic, 400, ErrInvalidRequest, ""},
		{"bare number", set("login_hint", adaPhone), basic, 400, ErrInvalidRequest, ""},
		{"msisdn with +", set("login_hint", "urn:msisdn:+4712345678"), basic, 400, ErrInvalidRequest, ""},
		{"msisdn with letters", set("login_hint", "urn:msisdn:47abc"), basic, 400, ErrInvalidRequest, ""},
		{"msisdn too long", set("login_hint", "urn:msisdn:4712345678901234"), basic, 400, ErrInvalidRequest, ""},
		// One phone number rule (store.ValidPhoneNumber): an MSISDN has its
		// country code, so 8 digits are not one ("urn:msisdn:4712345678").
		{"msisdn without country code", set("login_hint", "urn:msisdn:12345678"), basic, 400, ErrInvalidRequest, ""},
		{"msisdn with a leading 0", set("login_hint", "urn:msisdn:0712345678"), basic, 400, ErrInvalidRequest, ""},
		{"mobilenumber of 10 digits", set("login_hint", "urn:mobilenumber:4712345678"), basic, 400, ErrInvalidRequest, ""},
		{"email hint", set("login_hint", "urn:email:ada@example.com"), basic, 400, ErrInvalidRequest, ""},
		{"no scope", del("scope"), basic, 400, ErrInvalidRequest, ""},
		{"blank scope", set("scope", " "), basic, 400, ErrInvalidRequest, ""},
		{"nnin", set("scope", "openid nnin"), basic, 400, ErrInvalidScope, ""},
		{"offline", set("scope", "openid offline"), basic, 400, ErrInvalidScope, ""},
		{"offline_access", set("scope", "openid offline_access"), basic, 400, ErrInvalidScope, ""},
		{"scope not granted", set("scope", "openid accountNumbers"), basic, 400, ErrInvalidScope, ""},
		{"no known scope", set("scope", "profile"), basic, 400, ErrInvalidScope, ""},
		{"login_to_webpage without openid", func(f url.Values) {
			f.Set("requested_flow", "login_to_webpage")
			f.Set("redirect_uri", shopCallback)
			f.Set("scope", "name")
		}, basic, 400, ErrInvalidScope, ""},
		{"login_to_webpage without redirect_uri", set("requested_flow", "login_to_webpage"), basic, 400, ErrInvalidRequest, ""},
		{"unregistered redirect_uri", func(f url.Values) {
			f.Set("requested_flow", "login_to_webpage")
			f.Set("redirect_uri", shopCallback+"/")
		}, basic, 400, ErrInvalidRequest, ""},
		{"redirect_uri without requested_flow", set("redirect_uri", shopCallback), basic, 400, ErrInvalidRequest, ""},
		{"unknown requested_flow", set("requested_flow", "app_to_app"), basic, 400, ErrInvalidRequest, ""},
		{"binding_message lower case", set("binding_message", "4mz-cq3"), basic, 400, ErrInvalidBindingMessage, ""},
		{"binding_message too short", set("binding_message", "4MZC"), basic, 400, ErrInvalidBindingMessage, ""},
		{"binding_message too long", set("binding_message", "4MZ-CQ3-X"), basic, 400, ErrInvalidBindingMessage, ""},
		{"binding_message empty", set("binding_message", ""), basic, 400, ErrInvalidBindingMessage, ""},
		{"binding_message with space", set("binding_message", "4MZ CQ3"), basic, 400, ErrInvalidBindingMessage, ""},
		{"requested_expiry too short", set("requested_expiry", "59"), basic, 400, ErrInvalidRequest, ""},
		{"requested_expiry too long", set("requested_expiry", "901"), basic, 400, ErrInvalidRequest, ""},
		{"requested_expiry not a number", set("requested_expiry", "ten"), basic, 400, ErrInvalidRequest, ""},
		{"nonce too long", set("nonce", strings.Repeat("n", 513)), basic, 400, ErrInvalidRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", BackchannelPath, cibaForm(tt.change), tt.auth)
			wantError(t, resp, body, tt.status, tt.code)
			if got, _ := body["error_code"].(string); got != tt.errorCode {
				t.Errorf("error_code = %q, want %q", got, tt.errorCode)
			}
			if body["error_description"] == "" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("no description or cacheable: %v %v", body, resp.Header)
			}
		})
	}
	// None of them left a request for the app.
	for _, phone := range []string{adaPhone, nilsPhone} {
		if rs, _ := e.st.ListWaitingLoginRequests(e.ctx, phone, e.clock.Now()); len(rs) != 0 {
			t.Errorf("%s has %d waiting requests", phone, len(rs))
		}
	}

	// Turning 15 today is old enough: the app is asked.
	e.mustStart(cibaClient, cibaForm(func(f url.Values) { f.Set("login_hint", "urn:msisdn:"+nilsPhone) }))
	if rs, _ := e.st.ListWaitingLoginRequests(e.ctx, nilsPhone, e.clock.Now()); len(rs) != 1 {
		t.Errorf("a user who turns 15 today has %d waiting requests, want 1", len(rs))
	}
}

// A user has one CIBA login waiting at a time, whichever client asks: the
// second gets 429 until the first is answered or expires.
func TestCIBASecondLoginIsTooMany(t *testing.T) {
	e := newCIBAEnv(t)
	first := e.mustStart(cibaClient, cibaForm(nil))

	e.clock.Add(100*time.Second + 300*time.Millisecond)
	resp, body := e.start(cibaPostClient, cibaForm(nil))
	wantError(t, resp, body, http.StatusTooManyRequests, ErrInvalidRequest)
	if ra := resp.Header.Get("Retry-After"); ra != "500" {
		t.Errorf("Retry-After = %q, want 500 (seconds until the first expires, rounded up)", ra)
	}

	// Other users are not held up.
	e.mustStart(cibaClient, cibaForm(func(f url.Values) { f.Set("login_hint", "urn:msisdn:"+nilsPhone) }))

	// Once the first expires, a new one may start, and the first is over.
	e.clock.Add(500 * time.Second)
	second := e.mustStart(cibaPostClient, cibaForm(nil))
	if r := e.request(first); r.Status != store.LoginFailed || r.Error != ErrExpiredToken {
		t.Errorf("first after expiry: %s %s", r.Status, r.Error)
	}
	resp, body = e.poll(cibaClient, first)
	wantError(t, resp, body, 400, ErrExpiredToken)

	// Once the user answers, another may start at once.
	e.answer(e.phone(adaPhone), second, false)
	e.mustStart(cibaClient, cibaForm(nil))
}

func TestTooYoung(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		birthdate string
		want      bool
	}{
		{"2011-03-01", false}, // 15 today
		{"2011-03-02", true},
		{"2011-02-28", false},
		{"2012-02-29", true},
		{"1815-12-10", false},
		{"", false},
		{"not a date", false},
	}
	for _, tt := range tests {
		if got := tooYoung(tt.birthdate, now); got != tt.want {
			t.Errorf("tooYoung(%q) = %v, want %v", tt.birthdate, got, tt.want)
		}
	}
}
