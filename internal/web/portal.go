package web

import (
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// The merchant portal's pages (B/portal/, internal/portal): the login
// pages' layout and stylesheet, with portal.css for its tables and forms.

//go:embed portal/*.html
var portalFS embed.FS

var portalTemplates = template.Must(template.Must(
	template.New("").Funcs(template.FuncMap{
		"lines":     func(ss []string) string { return strings.Join(ss, "\n") },
		"date":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"has":       slices.Contains[[]string],
		"flowLabel": FlowLabel,
	}).ParseFS(templateFS, "templates/layout.html")).ParseFS(portalFS, "portal/*.html"))

// RenderPortal renders the portal's page name with data into a buffer and
// only then writes it with status, so that a template error is a clean
// error and never half a page.
func RenderPortal(w http.ResponseWriter, status int, name string, data any) error {
	return execute(w, status, portalTemplates, name, data)
}

// FlowLabel is what the portal calls a flow (store.Flow*): the login
// product's name in Vipps' portal.
func FlowLabel(flow string) string {
	switch flow {
	case store.FlowBrowser:
		return "Browser (Vipps Login)"
	case store.FlowCIBA:
		return "Phone number (CIBA)"
	case store.FlowQR:
		return "QR code"
	}
	return flow
}
