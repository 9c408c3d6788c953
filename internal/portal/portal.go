// Package portal is the merchant portal at B/portal/ (DESIGN §1, issue
// 14): server-rendered pages, usable without JavaScript, where an operator
// signed in with the admin token configures sale units (clients), their QR
// codes and webhook deliveries, test users and signing keys.
//
// The portal has no path to the store of its own: every page reads and
// writes through the admin API's Go client (admin.Client), whose requests
// go to the admin API's handler in this process (admin.InProcessClient). What the
// admin API refuses, the page shows next to the form field it concerns.
package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Portal serves the merchant portal.
type Portal struct {
	// BaseURL is the server's public base URL: the session cookie's
	// attributes and the trusted origin of its forms.
	BaseURL string
	// API checks the token the sign-in form is given (admin.API.CheckToken,
	// where wrong tokens are counted) and holds the token the portal's own
	// calls carry.
	API *admin.API
	// Admin is the admin API's handler as the server mounts it (the routes
	// under /admin/): the portal's calls go through it.
	Admin http.Handler
	// Now is the clock of sessions; time.Now when nil.
	Now func() time.Time
}

// Limits on what a browser sends.
const maxForm = 64 << 10

// Mount registers the portal's pages on mux.
//
// Every POST is refused when it comes from another origin
// (http.CrossOriginProtection, as the login pages do). That is the
// portal's CSRF defence, and enough without per-form tokens: browsers that
// send Sec-Fetch-Site or Origin, which every browser this server supports
// does, cannot be made to post a portal form from another site, and the
// session cookie is SameSite=Strict besides. The pages refuse to be framed
// (web.SecurityHeaders: frame-ancestors 'none', X-Frame-Options DENY).
func (p *Portal) Mount(mux *http.ServeMux) {
	cop := web.CrossOriginProtection(p.BaseURL)
	cop.SetDenyHandler(p.page(func(http.ResponseWriter, *http.Request) error {
		return &pageError{status: http.StatusForbidden, title: "Request refused",
			detail: "The form was sent from another site, so it was not carried out. Open the portal and try again."}
	}))
	get := func(h handlerFunc) http.Handler { return p.page(p.signedIn(h)) }
	post := func(h handlerFunc) http.Handler { return cop.Handler(p.page(p.signedIn(h))) }

	mux.Handle("GET /portal/{$}", p.page(p.home))
	mux.Handle("POST /portal/signin", cop.Handler(p.page(p.signIn)))
	mux.Handle("POST /portal/signout", cop.Handler(p.page(p.signOut)))

	mux.Handle("GET /portal/clients/{$}", get(p.listClients))
	mux.Handle("GET /portal/clients/new", get(p.newClient))
	mux.Handle("POST /portal/clients/{$}", post(p.createClient))
	mux.Handle("GET /portal/clients/{client_id}/{$}", get(p.editClient))
	mux.Handle("POST /portal/clients/{client_id}/{$}", post(p.updateClient))
	mux.Handle("POST /portal/clients/{client_id}/secret", post(p.rotateSecret))
	mux.Handle("GET /portal/clients/{client_id}/delete", get(p.confirmDeleteClient))
	mux.Handle("POST /portal/clients/{client_id}/delete", post(p.deleteClient))
	mux.Handle("GET /portal/clients/{client_id}/qr/{$}", get(p.listQRCodes))
	mux.Handle("POST /portal/clients/{client_id}/qr/{$}", post(p.createQRCode))
	mux.Handle("GET /portal/clients/{client_id}/qr/{qr_id}/print", get(p.printQRCode))
	mux.Handle("POST /portal/clients/{client_id}/qr/{qr_id}/delete", post(p.deleteQRCode))
	mux.Handle("GET /portal/clients/{client_id}/webhooks/{$}", get(p.listWebhooks))
	mux.Handle("POST /portal/clients/{client_id}/webhooks/{id}/resend", post(p.resendWebhook))
	mux.Handle("GET /portal/clients/{client_id}/events/{$}", get(p.listEvents))

	mux.Handle("GET /portal/users/{$}", get(p.listUsers))
	mux.Handle("GET /portal/users/new", get(p.newUser))
	mux.Handle("POST /portal/users/{$}", post(p.createUser))
	mux.Handle("GET /portal/users/{phone_number}/{$}", get(p.editUser))
	mux.Handle("POST /portal/users/{phone_number}/{$}", post(p.updateUser))
	mux.Handle("POST /portal/users/{phone_number}/state", post(p.setUserState))

	mux.Handle("GET /portal/keys/{$}", get(p.listKeys))
	mux.Handle("POST /portal/keys/rotate", post(p.rotateKeys))
}

func (p *Portal) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// client is the admin API's Go client, calling the admin handler in this
// process with the admin token.
func (p *Portal) client() *admin.Client {
	return admin.InProcessClient(p.Admin, p.API.Token)
}

type handlerFunc func(http.ResponseWriter, *http.Request) error

// pageError is a page that says what went wrong instead of the one asked
// for.
type pageError struct {
	status        int
	title, detail string
}

func (e *pageError) Error() string { return e.title + ": " + e.detail }

// page adapts a handler that returns an error: a *pageError or an admin
// API problem that the handler did not show on its form is rendered as an
// error page; anything else is logged and answered with a plain 500.
func (p *Portal) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if jsonapi.ClientGone(w, r, err) {
			return
		}
		var pe *pageError
		var prob *jsonapi.Problem
		switch {
		case errors.As(err, &pe):
		case errors.As(err, &prob) && prob.Status < 500:
			pe = &pageError{status: prob.Status, title: http.StatusText(prob.Status), detail: prob.Detail}
			if ra := prob.Header.Get("Retry-After"); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
		default:
			slog.ErrorContext(r.Context(), "portal page", "path", r.URL.Path, "err", err)
			pe = &pageError{status: http.StatusInternalServerError, title: "Something went wrong",
				detail: "The page could not be made; the server's log says why. Try again in a moment."}
		}
		v := p.view(r, pe.title, "")
		v.SignedIn = p.session(r)
		v.Data = pe.detail
		if err := web.RenderPortal(w, pe.status, "error.html", v); err != nil {
			slog.ErrorContext(r.Context(), "portal error page", "err", err)
			http.Error(w, pe.detail, pe.status)
		}
	})
}

// view is what every portal page's template reads.
type view struct {
	web.Page
	// Home leads from the page to B/portal/, relative like Page.Root.
	Home     string
	SignedIn bool
	// Section is the part of the portal the page belongs to: clients,
	// users or keys.
	Section string
	// Notice says what the last action did; Problem what went wrong with
	// it, when no form field is to blame; Fields what is wrong with each
	// form field, by its name.
	Notice, Problem string
	Fields          map[string]string
	// Client is the sale unit whose pages these are, with its Tabs, and
	// Tab the one showing.
	Client *admin.ClientResponse
	Tabs   []tab
	Tab    string
	Data   any
}

func (p *Portal) view(r *http.Request, title, section string) view {
	page := web.NewPage(r, "en", title)
	page.Stylesheet = "portal.css"
	page.Script = "portal.js"
	return view{Page: page, Home: page.Root + "portal/", SignedIn: true, Section: section}
}

// render writes the page name with v.
func render(w http.ResponseWriter, status int, name string, v view) error {
	return web.RenderPortal(w, status, name, v)
}

// seeOther sends the browser on to to, a path below B/portal/ such as
// "clients/", after a POST. The Location is relative to the request's
// page, so that it works below whatever path the base URL has (the server
// strips that before routing).
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	w.Header().Set("Location", web.NewPage(r, "en", "").Root+"portal/"+to)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// form parses a POST body of at most maxForm bytes.
func form(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return &pageError{status: http.StatusBadRequest, title: "Form not accepted",
			detail: "The form could not be read, or it was larger than 64 KiB."}
	}
	return nil
}

// lines splits a textarea into its non-empty lines, trimmed.
func lines(s string) []string {
	out := []string{}
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
