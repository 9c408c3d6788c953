package demo

import (
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/web"
)

// The shop's "log in with QR code": the page shows the shop's QR code
// (one with a redirect URI, seeded by devseed); the user scans it with the
// app, approves, and the app opens qrCallbackPath?code=… in the phone's
// browser, where the shop redeems the code with the qr-redirect grant as a
// merchant's back end does.

// grantQRRedirect is Vipps' grant type for the code of a QR login.
const grantQRRedirect = "urn:vipps:params:grant-type:qr-redirect"

// qrCallback redeems the code and shows the tokens. A QR login has no
// state or nonce: the code is all the shop gets, bound to it by its secret.
func (s *Shop) qrCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		web.RenderDemo(w, r, http.StatusOK, web.DemoPage{Error: e + ": " + q.Get("error_description")})
		return
	}
	ctx := s.ctx(r)
	provider, _, err := s.oauth(ctx)
	if err != nil {
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: err.Error()})
		return
	}
	status, a, err := s.post(ctx, provider.Endpoint().TokenURL, url.Values{
		"grant_type": {grantQRRedirect}, "code": {q.Get("code")},
	})
	switch {
	case err != nil:
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: "token exchange: " + err.Error()})
		return
	case status != http.StatusOK:
		web.RenderDemo(w, r, http.StatusOK, web.DemoPage{Error: a.Error + ": " + a.ErrorDescription})
		return
	}
	page, code := s.show(ctx, provider, a.IDToken, &oauth2.Token{AccessToken: a.AccessToken, TokenType: "Bearer"}, "")
	web.RenderDemo(w, r, code, page)
}

// qrSection is what the home page shows of the shop's QR code, or nothing
// when it has none.
func (s *Shop) qrSection(page *web.DemoPage) {
	if s.QRID == "" {
		return
	}
	page.QRURL = flow.QRURL(s.BaseURL, s.QRID)
	page.QRImage = "../qr/" + url.PathEscape(s.QRID) + "/image"
	page.QRTestApp = "../app/?" + url.Values{"qr": {page.QRURL}}.Encode()
}
