package demo

import (
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

func TestFlowOptionsPassOnlyWhatTheFormOffers(t *testing.T) {
	cfg := &oauth2.Config{ClientID: "demo-client", Endpoint: oauth2.Endpoint{AuthURL: "https://vipps.example/auth"}}
	q := url.Values{
		"requested_flow": {"app_to_app"}, "market": {"DK"}, "ui_locales": {"en"}, "phone": {"4712345678"},
		"prompt": {"evil"}, "acr_values": {"urn:vipps:acr:app_auth"}, "redirect_uri": {"https://evil.example/"},
	}
	u, err := url.Parse(cfg.AuthCodeURL("state-123", flowOptions(q)...))
	if err != nil {
		t.Fatal(err)
	}
	got := u.Query()
	for k, want := range map[string]string{
		"requested_flow": "app_to_app", "app_callback_uri": "demo-app://callback", "market": "DK",
		"ui_locales": "en", "login_hint": "urn:msisdn:4712345678", "acr_values": "urn:vipps:acr:app_auth",
		"prompt": "", "redirect_uri": "",
	} {
		if got.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, got.Get(k), want)
		}
	}
	u, _ = url.Parse(cfg.AuthCodeURL("s", flowOptions(url.Values{"phone": {"12; drop"}})...))
	if u.Query().Has("login_hint") {
		t.Error("a phone hint that is not digits was passed on")
	}
}
