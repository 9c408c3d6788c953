package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestAuthorizeSpecialFlows(t *testing.T) {
	p, h := authorizeEnv(t)
	for _, tt := range []struct {
		name   string
		change func(url.Values)
		check  func(store.LoginRequest) bool
	}{
		{"no_dialog", func(v url.Values) { v.Set("requested_flow", "no_dialog") },
			func(r store.LoginRequest) bool { return r.RequestedFlow == "no_dialog" }},
		{"prompt=none is no_dialog", func(v url.Values) { v.Set("prompt", "none") },
			func(r store.LoginRequest) bool { return r.RequestedFlow == "no_dialog" }},
		{"app_to_app", func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", "shop-app://callback")
		}, func(r store.LoginRequest) bool {
			return r.RequestedFlow == "app_to_app" && r.AppCallbackURI == "shop-app://callback"
		}},
		{"app_to_app_v2 with S256", func(v url.Values) {
			v.Set("requested_flow", "app_to_app_v2")
			v.Set("app_callback_uri", "shop-app://callback")
		}, func(r store.LoginRequest) bool { return r.RequestedFlow == "app_to_app_v2" }},
		{"automatic return", func(v url.Values) { v.Set("requested_flow", "automatic_return_from_vipps_app") },
			func(r store.LoginRequest) bool { return r.RequestedFlow == "automatic_return_from_vipps_app" }},
		{"prompt=login", func(v url.Values) { v.Set("prompt", "login") },
			func(r store.LoginRequest) bool { return r.ForceLogin && r.MaxAuthAge == 0 }},
		{"max_age=0", func(v url.Values) { v.Set("max_age", "0") },
			func(r store.LoginRequest) bool { return r.ForceLogin }},
		{"max_age=600", func(v url.Values) { v.Set("max_age", "600") },
			func(r store.LoginRequest) bool { return !r.ForceLogin && r.MaxAuthAge == 10*time.Minute }},
		{"acr", func(v url.Values) { v.Set("acr_values", "urn:other urn:vipps:acr:app_auth") },
			func(r store.LoginRequest) bool { return r.ACR == "urn:vipps:acr:app_auth" }},
		{"unknown acr ignored", func(v url.Values) { v.Set("acr_values", "urn:other") },
			func(r store.LoginRequest) bool { return r.ACR == "" }},
		{"login_hint msisdn", func(v url.Values) { v.Set("login_hint", "urn:msisdn:4712345678") },
			func(r store.LoginRequest) bool { return r.LoginHint == "4712345678" }},
		{"login_hint mobilenumber", func(v url.Values) { v.Set("login_hint", "urn:mobilenumber:12345678") },
			func(r store.LoginRequest) bool { return r.LoginHint == "4712345678" }},
		// Phone numbers follow the market (issue 12, point 7): a Danish
		// login's 8 national digits are a Danish number.
		{"login_hint mobilenumber in Denmark", func(v url.Values) { v.Set("login_hint", "urn:mobilenumber:12345678"); v.Set("market", "DK") },
			func(r store.LoginRequest) bool { return r.LoginHint == "4512345678" }},
		{"market", func(v url.Values) { v.Set("market", "dk") },
			func(r store.LoginRequest) bool { return r.Market == "DK" }},
		{"ui_locales", func(v url.Values) { v.Set("ui_locales", "fr nb-NO") },
			func(r store.LoginRequest) bool { return r.Locale == "nb" }},
		{"final_redirect_is_app", func(v url.Values) { v.Set("final_redirect_is_app", "true") },
			func(r store.LoginRequest) bool { return r.FinalRedirectIsApp }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+authorizeQuery(tt.change).Encode(), nil))
			loc, _ := url.Parse(rec.Header().Get("Location"))
			if rec.Code != http.StatusFound || loc == nil || loc.Query().Get("tabId") == "" {
				t.Fatalf("status %d, Location %q; want the login pages", rec.Code, rec.Header().Get("Location"))
			}
			r, err := p.Store.GetLoginRequest(context.Background(), loc.Query().Get("tabId"))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(r) {
				t.Errorf("stored request %+v does not hold what %s asks for", r, tt.name)
			}
		})
	}
}

func TestAuthorizeSpecialFlowErrors(t *testing.T) {
	_, h := authorizeEnv(t)
	for _, tt := range []struct {
		name   string
		change func(url.Values)
		code   string
		desc   string
	}{
		{"app_to_app without callback", func(v url.Values) { v.Set("requested_flow", "app_to_app") }, "invalid_request", "app_callback_uri"},
		{"callback without app_to_app", func(v url.Values) { v.Set("app_callback_uri", "shop-app://callback") }, "invalid_request", "only used with"},
		{"unregistered callback", func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", "other-app://callback")
		}, "app_callback_uri_not_registered", "not registered"},
		{"malformed callback", func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", "no scheme here")
		}, "invalid_app_callback_uri", "absolute"},
		{"callback with fragment", func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", "shop-app://callback#x")
		}, "invalid_app_callback_uri", "fragment"},
		{"app_to_app_v2 with plain PKCE", func(v url.Values) {
			v.Set("requested_flow", "app_to_app_v2")
			v.Set("app_callback_uri", "shop-app://callback")
			v.Set("code_challenge_method", "plain")
		}, "invalid_request", "S256"},
		{"app_to_app_v2 without PKCE", func(v url.Values) {
			v.Set("requested_flow", "app_to_app_v2")
			v.Set("app_callback_uri", "shop-app://callback")
			v.Del("code_challenge")
			v.Del("code_challenge_method")
		}, "invalid_request", "S256"},
		{"prompt none with login", func(v url.Values) { v.Set("prompt", "none login") }, "invalid_request", "prompt=none"},
		{"prompt none with app_to_app", func(v url.Values) {
			v.Set("prompt", "none")
			v.Set("requested_flow", "automatic_return_from_vipps_app")
		}, "invalid_request", "prompt=none"},
		{"unknown prompt", func(v url.Values) { v.Set("prompt", "maybe") }, "invalid_request", "maybe"},
		{"bad max_age", func(v url.Values) { v.Set("max_age", "-1") }, "invalid_request", "max_age"},
		{"bad login_hint", func(v url.Values) { v.Set("login_hint", "12345678") }, "invalid_request", "login_hint"},
		{"login_hint msisdn without country code", func(v url.Values) { v.Set("login_hint", "urn:msisdn:12345678") }, "invalid_request", "country code"},
		{"bad market", func(v url.Values) { v.Set("market", "US") }, "invalid_request", "market"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+authorizeQuery(tt.change).Encode(), nil))
			loc, err := url.Parse(rec.Header().Get("Location"))
			if rec.Code != http.StatusFound || err != nil {
				t.Fatalf("status %d; want a redirect", rec.Code)
			}
			q := loc.Query()
			if !strings.HasPrefix(loc.String(), testRedirect+"?") || q.Get("error") != tt.code || !strings.Contains(q.Get("error_description"), tt.desc) || q.Get("state") != goodState {
				t.Errorf("redirect %s: want error=%s with %q and the state", loc, tt.code, tt.desc)
			}
		})
	}
}

// An app_callback_uri is registered by listing it among the client's
// redirect URIs, as the Vipps portal has merchants do. The Vipps Login API
// ("App integration"): "Both URIs must be added in the portal.vipps.no",
// and its custom redirect errors: "app_callback_uri_not_registered The app
// callback uri is not registered as a redirect uri" and
// "invalid_app_callback_uri The app callback uri is not on a valid format".
func TestAppCallbackIsARedirectURI(t *testing.T) {
	p, h := authorizeEnv(t)
	portal := store.Client{ID: "portal", Name: "Configured as in the Vipps portal",
		RedirectURIs:            []string{testRedirect, "merchant-app://callback", "https://shop.example/app-callback"},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}, Scopes: []string{"openid"}}
	if err := p.Store.CreateClient(context.Background(), portal); err != nil {
		t.Fatal(err)
	}
	start := func(client, callback string) *http.Response {
		t.Helper()
		q := authorizeQuery(func(v url.Values) {
			v.Set("client_id", client)
			v.Set("scope", "openid")
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", callback)
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil))
		return rec.Result()
	}
	for _, tt := range []struct{ client, callback string }{
		{"portal", "merchant-app://callback"},
		{"portal", "https://shop.example/app-callback"}, // the guide's own example is an https URI
		{"shop", "shop-app://callback"},                 // the deprecated app_callback_uris list still counts
	} {
		loc, _ := url.Parse(start(tt.client, tt.callback).Header.Get("Location"))
		r, err := p.Store.GetLoginRequest(context.Background(), loc.Query().Get("tabId"))
		if err != nil || r.AppCallbackURI != tt.callback || r.RequestedFlow != "app_to_app" {
			t.Errorf("client %s, app_callback_uri %s: sent to %s (%v); want an app_to_app login with that callback", tt.client, tt.callback, loc, err)
		}
	}
	for _, tt := range []struct{ client, callback, code, desc string }{
		{"portal", "other-app://callback", "app_callback_uri_not_registered", "redirect URI"},
		{"portal", "merchant-app://callback/", "app_callback_uri_not_registered", "ends with a slash"}, // exact match, and the near miss named
		{"portal", "javascript:alert(1)", "invalid_app_callback_uri", "javascript"},
		{"portal", "merchant-app://", "invalid_app_callback_uri", "path"},
		{"portal", "/relative/callback", "invalid_app_callback_uri", "absolute"},
	} {
		loc, _ := url.Parse(start(tt.client, tt.callback).Header.Get("Location"))
		q := loc.Query()
		if q.Get("error") != tt.code || !strings.Contains(q.Get("error_description"), tt.desc) {
			t.Errorf("app_callback_uri %s: redirect %s; want error=%s with %q", tt.callback, loc, tt.code, tt.desc)
		}
	}
}
