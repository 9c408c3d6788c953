package login

import (
	"html/template"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/redirect"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// renderBackToApp is the final_redirect_is_app compatibility page
// (vipps-login-api-2.0 "Authorization endpoint": "compatibility features to
// make sure the user is returned to the app"): instead of a bare 303 to
// the app's custom scheme, which a browser may refuse to follow at the end
// of a redirect chain that no tap started (and which leaves Chromium on a
// blank page), the browser gets a page that opens the app by itself (meta
// refresh, which Chromium follows to a custom scheme while the page stays
// shown) and a button that does it with a tap. to is the redirect URI the
// client registered, with the code or the error that flow.Complete added.
func (p *Pages) renderBackToApp(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, to string) error {
	if !redirect.App(to) {
		// The page trusts to as a URL, so it checks the rule itself
		// rather than rely on every caller.
		return loginError(r, lr, http.StatusBadRequest, errUnsafeRedirect)
	}
	v := p.newView(r, lr, func(t text) string { return t.BackTitle })
	v.Refresh = template.URL(to) // a registered redirect URI, checked by redirect.App
	v.BackURL = v.Refresh
	web.Render(w, r, http.StatusOK, "backtoapp.html", v)
	return nil
}
