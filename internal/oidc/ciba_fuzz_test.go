package oidc

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// FuzzLoginHint: login_hint (Vipps "Authentication Request"), read by one
// function for the backchannel and authorize, yields a phone number only
// from urn:msisdn: and a stored-form number (store.ValidPhoneNumber), given
// back verbatim, or from urn:mobilenumber: and digits that are a national
// number in the market (store.NormalizePhoneNumber adds the country code); everything else is
// invalid_request. The browser flow's login_hint gives the number the
// backchannel does, for a login in no market.
func FuzzLoginHint(f *testing.F) {
	for _, s := range []string{
		"urn:msisdn:4712345678", "urn:msisdn:12345678", "urn:msisdn:123456789012345", "urn:msisdn:1234567890123456",
		"urn:msisdn:+4712345678", "urn:msisdn:0712345678", "urn:msisdn:47 12345678", "urn:msisdn:４７12345678",
		"urn:mobilenumber:12345678", "urn:mobilenumber:4712345678", "URN:MSISDN:4712345678", "urn:msisdn:",
		"4712345678", "urn:msisdn:4712345678\n", "urn:mobilenumber:1234567", "urn:mobilenumber:+4712345678", "",
	} {
		f.Add(s)
	}
	browser := store.Client{Scopes: store.Scopes}
	f.Fuzz(func(t *testing.T, hint string) {
		for _, market := range []string{"", "NO", "DK", "FI", "SE"} {
			phone, oerr := parseLoginHint(hint, market)
			if oerr != nil {
				if oerr.Code != ErrInvalidRequest || phone != "" {
					t.Fatalf("parseLoginHint(%q, %q) = %q, %v", hint, market, phone, oerr)
				}
			} else {
				n, isMSISDN := strings.CutPrefix(hint, "urn:msisdn:")
				m, isMobile := strings.CutPrefix(hint, "urn:mobilenumber:")
				want, ok := store.NormalizePhoneNumber(m, market)
				switch {
				case isMSISDN && store.ValidPhoneNumber(n):
					if phone != n {
						t.Fatalf("parseLoginHint(%q, %q) = %q", hint, market, phone)
					}
				case isMobile && allDigits(m) && ok && want != m:
					if phone != want {
						t.Fatalf("parseLoginHint(%q, %q) = %q, want %q", hint, market, phone, want)
					}
				default:
					t.Fatalf("parseLoginHint(%q, %q) accepted it as %q", hint, market, phone)
				}
			}
			// Completeness: the spec's own form is never refused.
			if n, ok := strings.CutPrefix(hint, "urn:msisdn:"); ok && allDigits(n) && len(n) >= 10 && len(n) <= 15 && n[0] != '0' && oerr != nil {
				t.Fatalf("parseLoginHint refused %q: %v", hint, oerr)
			}
		}

		phone, oerr := parseLoginHint(hint, "")
		r, berr := specialFlow(browser, url.Values{"login_hint": {hint}}, "")
		if berr == nil && hint != "" && !allDigits(r.LoginHint) {
			t.Fatalf("browser login_hint %q gave the phone number %q", hint, r.LoginHint)
		}
		if hint != "" && ((berr == nil) != (oerr == nil) || berr == nil && r.LoginHint != phone) {
			t.Fatalf("login_hint %q is %q, %v to the browser flow and %q, %v to CIBA", hint, r.LoginHint, berr, phone, oerr)
		}
	})
}

// validCIBAForm is a backchannel request the CIBA clients may make.
func validCIBAForm() url.Values {
	return url.Values{
		"login_hint": {fuzzGoodHint}, "scope": {fuzzGoodScopes},
		"binding_message": {"4MZ-CQ3"}, "state": {fuzzGoodState}, "nonce": {"nonce-123"},
	}
}

// bindingMessageOK is Vipps' binding_message format, ^[A-Z0-9-]{5,8}$,
// written out as the oracle.
func bindingMessageOK(s string) bool {
	if len(s) < 5 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// FuzzBindingMessage: binding_message is accepted, and kept as sent, iff
// it is 5 to 8 characters of A-Z, 0-9 and '-'; anything else is
// invalid_binding_message (CIBA Core §13).
func FuzzBindingMessage(f *testing.F) {
	for _, s := range []string{"4MZ-CQ3", "ABCDE", "ABCD", "ABCDEFGH", "ABCDEFGHI", "abcde", "ABCDE\n", "ÆØÅ12", "-----", "12 345", ""} {
		f.Add(s)
	}
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, msg string) {
		form := validCIBAForm()
		form.Set("binding_message", msg)
		req, oerr := cibaParams(e.clients[fuzzCIBA], form)
		switch {
		case len(msg) > cibaMaxParam:
			if oerr == nil {
				t.Fatalf("accepted a binding_message of %d bytes", len(msg))
			}
		case bindingMessageOK(msg):
			if oerr != nil || req.bindingMessage != msg {
				t.Fatalf("binding_message %q: %+v, %v", msg, req, oerr)
			}
		default:
			if oerr == nil || oerr.Code != ErrInvalidBindingMessage {
				t.Fatalf("binding_message %q: %+v, %v; want invalid_binding_message", msg, req, oerr)
			}
		}
	})
}

// FuzzCIBAParams: a backchannel request (as readForm returns it: each
// parameter once) is either refused with an OAuth error or yields a
// request in which every part is as the spec and the client allow: the
// phone number's digits, known scopes the client was granted (each once),
// a registered redirect URI only for login_to_webpage, a well-formed
// binding message, nonce and notification token within their limits, an
// expiry within bounds.
func FuzzCIBAParams(f *testing.F) {
	f.Add(validCIBAForm().Encode(), false)
	for _, change := range []func(url.Values){
		func(v url.Values) { v.Set("requested_flow", LoginToWebpage); v.Set("redirect_uri", fuzzRedirects[0]) },
		func(v url.Values) {
			v.Set("requested_flow", LoginToWebpage)
			v.Set("redirect_uri", fuzzRedirects[0]+"/x")
		},
		func(v url.Values) { v.Set("requested_expiry", "300") },
		func(v url.Values) { v.Set("requested_expiry", "-1") },
		func(v url.Values) { v.Set("scope", "openid accountNumbers") },
		func(v url.Values) { v.Set("scope", "nnin") },
		func(v url.Values) { v.Set("scope", "name name email") },
		func(v url.Values) { v.Set("client_notification_token", "8d67dc78-7faa-4d41-aabd-67707b374255") },
		func(v url.Values) { v.Set("id_token_hint", "x") },
		func(v url.Values) { v.Set("login_hint", "urn:mobilenumber:12345678") },
	} {
		v := validCIBAForm()
		change(v)
		f.Add(v.Encode(), false)
		f.Add(v.Encode(), true)
	}
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body string, ping bool) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, vs := range form {
			if len(vs) > 1 {
				return // readForm refuses it before cibaParams sees it
			}
		}
		client := e.clients[fuzzCIBA]
		if ping {
			client = e.clients[fuzzCIBAPing]
		}
		req, oerr := cibaParams(client, form)
		if oerr != nil {
			if oerr.Code == "" || oerr.Description == "" {
				t.Fatalf("cibaParams error without code or description: %#v", oerr)
			}
			return
		}
		for k, vs := range form {
			if len(vs[0]) > cibaMaxParam {
				t.Fatalf("accepted %s of %d bytes", k, len(vs[0]))
			}
		}
		switch {
		case !allDigits(req.phone) || len(req.phone) < 8 || len(req.phone) > 15:
			t.Fatalf("accepted the phone number %q from %q", req.phone, form.Get("login_hint"))
		case len(req.scopes) == 0:
			t.Fatalf("accepted no scope from %q", form.Get("scope"))
		case req.requestedFlow != "" && req.requestedFlow != LoginToWebpage:
			t.Fatalf("accepted requested_flow %q", req.requestedFlow)
		case (req.requestedFlow == LoginToWebpage) != (req.redirectURI != ""):
			t.Fatalf("requested_flow %q with redirect URI %q", req.requestedFlow, req.redirectURI)
		case req.redirectURI != "" && !exactlyIn(req.redirectURI, client.RedirectURIs):
			t.Fatalf("accepted the unregistered redirect URI %q", req.redirectURI)
		case req.requestedFlow == LoginToWebpage && !slices.Contains(req.scopes, "openid"):
			t.Fatalf("login_to_webpage without openid: %q", req.scopes)
		case form.Has("binding_message") && !bindingMessageOK(req.bindingMessage) || req.bindingMessage != form.Get("binding_message"):
			t.Fatalf("binding message %q from %q", req.bindingMessage, form.Get("binding_message"))
		case len(req.nonce) > cibaMaxNonce || req.nonce != form.Get("nonce") || req.state != form.Get("state"):
			t.Fatalf("nonce %q, state %q from %v", req.nonce, req.state, form)
		case req.expiry < cibaMinExpiry || req.expiry > cibaMaxExpiry:
			t.Fatalf("expiry %v", req.expiry)
		case client.CIBAPingURL == "" && req.notificationToken != "":
			t.Fatalf("a poll client's request kept the notification token %q", req.notificationToken)
		case client.CIBAPingURL != "" && (req.notificationToken == "" || len(req.notificationToken) > cibaMaxNotificationToken ||
			req.notificationToken != form.Get("client_notification_token")):
			t.Fatalf("a ping client's notification token %q from %q", req.notificationToken, form.Get("client_notification_token"))
		case form.Has("login_hint_token") || form.Has("id_token_hint"):
			t.Fatal("accepted a second hint")
		}
		requested := strings.Fields(form.Get("scope"))
		for i, s := range req.scopes {
			if !slices.Contains(client.Scopes, s) || !slices.Contains(requested, s) || slices.Index(req.scopes, s) != i {
				t.Fatalf("scopes %q from %q for a client granted %q", req.scopes, form.Get("scope"), client.Scopes)
			}
		}
	})
}

// FuzzUserExistsPhone: user-exists reads phoneNumber with the one phone
// number rule, store.NormalizePhoneNumber: it answers exists iff the
// number normalises to a user's, not-exists for any other well-formed
// number, and invalid_request for the rest. The clock moves a window on
// per call, so that the rate limit stays out of the way.
func FuzzUserExistsPhone(f *testing.F) {
	for _, s := range []string{
		"4712345678", "12345678", "+47 123 45 678", "0047 12345678", "(+47) 123.45.678", "4712345679",
		"123456789", "0712345678", "+4712345678 ", "47-12-34-56-78", "４７１２３４５６７８", "",
	} {
		f.Add(s)
	}
	e := newFuzzEnv(f)
	const user = "4712345678"
	if err := e.p.Store.CreateUser(f.Context(), store.User{PhoneNumber: user, PINHash: "x"}); err != nil {
		f.Fatal(err)
	}
	start, calls := e.p.now(), 0
	e.p.Now = func() time.Time { calls++; return start.Add(time.Duration(calls) * UserExistsWindow) }
	f.Fuzz(func(t *testing.T, phone string) {
		body, _ := json.Marshal(map[string]string{"phoneNumber": phone, "client_id": fuzzCIBA, "client_secret": fuzzSecret})
		r := httptest.NewRequest(http.MethodPost, UserExistsPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, r)
		var got struct {
			Exists *bool  `json:"exists"`
			Error  string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		n, ok := store.NormalizePhoneNumber(phone, "")
		switch {
		case !ok:
			if rec.Code != http.StatusBadRequest || got.Error != ErrInvalidRequest {
				t.Fatalf("user-exists %q: %d %s, want invalid_request", phone, rec.Code, rec.Body)
			}
		case rec.Code != http.StatusOK || got.Exists == nil || *got.Exists != (n == user):
			t.Fatalf("user-exists %q (%q): %d %s", phone, n, rec.Code, rec.Body)
		}
	})
}
