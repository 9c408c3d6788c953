// Package home is the landing page at the base URL (DESIGN §1): where a
// newcomer who opens the server's address finds everything else, and in
// dev mode the credentials to try it with.
package home

import (
	"net/http"

	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Page serves the landing page.
type Page struct {
	// BaseURL is the server's public base URL, without a trailing slash.
	BaseURL string
	// Dev is dev mode: the page links the demo shop and shows the seed
	// data's credentials and AdminToken.
	Dev        bool
	AdminToken string
	// Metrics is whether GET /metrics is served on the main listener.
	Metrics bool
}

// Mount registers the page at the base URL itself; every other path the
// server does not know stays a 404.
func (p *Page) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.serve)
}

// user is a test user as the page lists it.
type user struct{ Phone, About string }

// data is what home.html reads.
type data struct {
	web.Page
	Issuer, IssuerPath string
	Dev, Metrics       bool
	// Dev mode's credentials.
	AdminToken, ClientID, ClientSecret, PIN string
	Users                                   []user
}

func (p *Page) serve(w http.ResponseWriter, r *http.Request) {
	d := data{
		Page:       web.NewPage(r, web.English, "vippslogin"),
		Issuer:     p.BaseURL + flow.IssuerPath,
		IssuerPath: flow.IssuerPath[1:],
		Dev:        p.Dev,
		Metrics:    p.Metrics,
	}
	if p.Dev {
		d.AdminToken, d.ClientID, d.ClientSecret, d.PIN = p.AdminToken, devseed.ClientID, devseed.ClientSecret, devseed.PIN
		d.Users = []user{
			{devseed.Ada, "Ada Lovelace: every claim"},
			{devseed.NoAddress, "no address, an unverified e-mail"},
			{devseed.TooYoung, "under 15: invalid_user"},
			{devseed.OutdatedApp, "an outdated app: old_app, outdated_app_version"},
			{devseed.Inactive, "not active: cannot sign in to the app, invalid_user"},
		}
	}
	web.Render(w, r, http.StatusOK, "home.html", d)
}
