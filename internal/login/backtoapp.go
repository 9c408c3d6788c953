package login

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// appScheme reports whether a final redirect goes to an app by a custom
// scheme (demo-app://callback), not to a web page. Schemes that run code or
// read local data never count: the admin API refuses them as redirect URIs,
// and this page must not be the one place that lets them through.
func appScheme(to string) bool {
	u, err := url.Parse(to)
	if err != nil || u.Scheme == "" {
		return false
	}
	switch u.Scheme {
	case "http", "https", "javascript", "data", "vbscript", "file", "blob", "about", "filesystem":
		return false
	}
	return true
}

// renderBackToApp is the final_redirect_is_app compatibility page
// (vipps-login-api-2.0 "Authorization endpoint": "compatibility features to
// make sure the user is returned to the app"): instead of a bare 303 to
// the app's custom scheme, which a browser may refuse to follow at the end
// of a redirect chain that no tap started (and which leaves Chromium on a
// blank page), the browser gets a page that opens the app by itself (meta
// refresh, which Chromium follows to a custom scheme while the page stays
// shown) and a button that does it with a tap. to is the redirect URI the
// client registered, with the code or the error that flow.Complete added.
func (p *Pages) renderBackToApp(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, to string) {
	v := p.newView(r, lr, func(t text) string { return t.BackTitle })
	v.Refresh = template.URL(to) // a registered redirect URI, checked by appScheme
	v.BackURL = v.Refresh
	web.Render(w, r, http.StatusOK, "backtoapp.html", v)
}
