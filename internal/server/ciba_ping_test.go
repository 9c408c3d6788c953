package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/store"
)

// pingToken is the client_notification_token the ping tests send.
const pingToken = "notify-8f2c.Q~x+/w=="

// cibaPingClient registers a CIBA client whose ciba_ping_url is ping, or a
// poll client when ping is "".
func (e *qrEnv) cibaPingClient(id, ping string) {
	e.t.Helper()
	e.client(admin.ClientRequest{ClientID: id, Name: "Shop " + id, Flows: []string{"ciba"}, CIBAPingURL: ping})
}

// backchannel starts a CIBA login for Ada as clientID, with the extra
// parameters, and returns the status and the JSON answer.
func (e *qrEnv) backchannel(clientID string, extra url.Values) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"openid name"}}
	for k, v := range extra {
		form[k] = v
	}
	req, _ := http.NewRequestWithContext(e.ctx, http.MethodPost, e.base+oidc.BackchannelPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(qrSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatalf("backchannel: %d, not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

// startPing starts a CIBA login for Ada as a ping client and returns its
// auth_req_id.
func (e *qrEnv) startPing(clientID string) string {
	e.t.Helper()
	status, body := e.backchannel(clientID, url.Values{"client_notification_token": {pingToken}})
	id, _ := body["auth_req_id"].(string)
	if status != http.StatusOK || id == "" {
		e.t.Fatalf("backchannel: %d %v", status, body)
	}
	return id
}

// pollCIBA asks for the tokens of an auth_req_id with the CIBA grant.
func (e *qrEnv) pollCIBA(clientID, authReqID string) (int, map[string]any) {
	e.t.Helper()
	return e.token(clientID, url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {authReqID}})
}

// wantPing checks that the receiver got exactly the one ping CIBA Core
// §10.2 describes for authReqID, and that the outbox has nothing more.
func (e *qrEnv) wantPing(rcv *receiver, authReqID string) {
	e.t.Helper()
	if n := e.deliver(); n != 1 {
		e.t.Fatalf("%d delivery attempts, want 1", n)
	}
	e.clock.Add(time.Hour)
	if n := e.deliver(); n != 0 {
		e.t.Errorf("a delivered ping was sent again (%d attempts)", n)
	}
	got := rcv.posts()
	if len(got) != 1 {
		e.t.Fatalf("the ping URL got %d POSTs, want 1: %+v", len(got), got)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(got[0].Body), &body); err != nil || len(body) != 1 || body["auth_req_id"] != authReqID {
		e.t.Errorf("ping body %q (%v), want {\"auth_req_id\": %q}", got[0].Body, err, authReqID)
	}
	if got[0].Authorization != "Bearer "+pingToken || got[0].ContentType != "application/json" || got[0].ID == "" {
		e.t.Errorf("ping %+v", got[0])
	}
}

// A ping client starts a login; Ada approves; the ping URL gets exactly
// one POST with the bearer token and the auth_req_id; the client then
// fetches the tokens, once.
func TestCIBAPingApprove(t *testing.T) {
	e := newQREnv(t)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	e.cibaPingClient("shop", hook.URL+"/vipps/ping")
	id := e.startPing("shop")

	// Polling still works for a ping client; nothing is sent before the
	// answer.
	status, body := e.pollCIBA("shop", id)
	wantOAuthError(t, "a poll before the answer", status, body, "authorization_pending")
	if n := e.deliver(); n != 0 {
		t.Errorf("%d deliveries before the answer", n)
	}

	phone := e.phone(devseed.Ada)
	reqs, err := phone.Requests(e.ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].ID != id || reqs[0].Kind != app.KindCIBA {
		t.Fatalf("requests = %+v, %v", reqs, err)
	}
	if _, err := phone.Approve(e.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	e.wantPing(rcv, id)
	e.clock.Set(e.clock.Now().Add(-time.Hour + time.Second)) // back inside the request's life

	status, tokens := e.pollCIBA("shop", id)
	if status != http.StatusOK || !strings.HasPrefix(tokens["access_token"].(string), "ciba.") || tokens["id_token"] == nil {
		t.Fatalf("token after the ping: %d %v", status, tokens)
	}
	status, body = e.pollCIBA("shop", id)
	wantOAuthError(t, "a second redemption", status, body, "invalid_grant")

	log, err := e.adm.ListWebhooks(e.ctx, "shop")
	if err != nil || len(log) != 1 || log[0].Event != store.EventCIBAPing || log[0].State != "delivered" {
		t.Errorf("delivery log %+v, %v", log, err)
	}
	if raw, _ := json.Marshal(log); strings.Contains(string(raw), pingToken) {
		t.Errorf("the delivery log shows the notification token: %s", raw)
	}
}

// Ada rejects: the ping comes all the same, and the token endpoint then
// answers access_denied.
func TestCIBAPingReject(t *testing.T) {
	e := newQREnv(t)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	e.cibaPingClient("shop", hook.URL+"/vipps/ping")
	id := e.startPing("shop")

	phone := e.phone(devseed.Ada)
	if err := phone.Reject(e.ctx, id); err != nil {
		t.Fatalf("reject: %v", err)
	}
	// A second answer loses and sends no second ping.
	if _, err := phone.Approve(e.ctx, id, app.ApproveRequest{}); err == nil {
		t.Error("approving a rejected request succeeded")
	}
	e.wantPing(rcv, id)
	e.clock.Set(e.clock.Now().Add(-time.Hour + time.Second))

	status, body := e.pollCIBA("shop", id)
	if status != http.StatusForbidden && status != http.StatusBadRequest || body["error"] != "access_denied" {
		t.Errorf("token after a reject: %d %v, want access_denied", status, body)
	}
}

// A ping client must send client_notification_token, a bearer token of at
// most 1024 characters; a poll client's is ignored, and it gets no ping.
func TestCIBAPingNotificationToken(t *testing.T) {
	e := newQREnv(t)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	e.cibaPingClient("shop", hook.URL+"/vipps/ping")
	e.cibaPingClient("poller", "")

	for _, tt := range []struct {
		name  string
		token []string
	}{
		{"missing", nil},
		{"empty", []string{""}},
		{"too long", []string{strings.Repeat("a", 1025)}},
		{"not a bearer token", []string{"has space"}},
	} {
		extra := url.Values{}
		if tt.token != nil {
			extra["client_notification_token"] = tt.token
		}
		status, body := e.backchannel("shop", extra)
		wantOAuthError(t, tt.name, status, body, "invalid_request")
		if d, _ := body["error_description"].(string); !strings.Contains(d, "client_notification_token") {
			t.Errorf("%s: error_description %q does not name client_notification_token", tt.name, d)
		}
	}
	// 1024 characters are allowed.
	status, body := e.backchannel("shop", url.Values{"client_notification_token": {strings.Repeat("a", 1024)}})
	if status != http.StatusOK {
		t.Fatalf("a 1024-character token: %d %v", status, body)
	}
	if err := e.phone(devseed.Ada).Reject(e.ctx, body["auth_req_id"].(string)); err != nil {
		t.Fatal(err)
	}

	// A poll client's token is ignored: not kept, no ping.
	id := e.startPing("poller")
	lr, err := e.st.GetLoginRequest(e.ctx, id)
	if err != nil || lr.NotificationToken != "" {
		t.Errorf("a poll client's request keeps NotificationToken %q (%v)", lr.NotificationToken, err)
	}
	if _, err := e.phone(devseed.Ada).Approve(e.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := e.deliver(); n != 1 { // the 1024-character reject's ping only
		t.Errorf("%d deliveries, want the one ping of the ping client", n)
	}
	if got := rcv.posts(); len(got) != 1 || got[0].Authorization != "Bearer "+strings.Repeat("a", 1024) {
		t.Errorf("the ping URL got %+v", got)
	}
	if status, tokens := e.pollCIBA("poller", id); status != http.StatusOK {
		t.Errorf("the poll client's tokens: %d %v", status, tokens)
	}
}
