package web

import (
	"embed"
	"html/template"
	"net/http"
)

//go:embed demo/*.html
var demoFS embed.FS

var demoTemplate = template.Must(template.ParseFS(demoFS, "demo/*.html"))

// DemoPage is what the demo shop shows: the start button and phone number
// form, a login from phone number waiting, or the result of a login.
type DemoPage struct {
	Scopes   string
	Error    string
	Name     string
	IDToken  string
	Userinfo string
	// LogoutURL ends the login's session at the issuer and comes back to
	// the shop; no button when empty.
	LogoutURL string
	// Waiting is the page of a login from phone number waiting for the
	// user: it shows BindingMessage and reloads itself after Refresh
	// seconds (a meta refresh: the pages allow no script).
	Waiting        bool
	Refresh        int
	BindingMessage string
	// QRURL is what the shop's QR code holds; QRImage its picture and
	// QRTestApp the test app ready to scan it, relative to the shop. Empty
	// when the shop shows no code.
	QRURL, QRImage, QRTestApp string
}

// RenderDemo renders the demo shop's page; a template error is a plain 500.
func RenderDemo(w http.ResponseWriter, r *http.Request, status int, p DemoPage) {
	render(w, r, status, demoTemplate, "shop.html", p)
}
