// Package web holds the embedded templates and static files of every page
// vippslogin serves, and renders them with the headers pages need.
//
// Every page template starts with {{template "top" .}} and ends with
// {{template "bottom" .}} (templates/layout.html); its data embeds Page, which
// is what that layout reads.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// SecurityHeaders sets the headers every page carries: no framing, no
// referrer, nothing loaded from elsewhere, nothing cached.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// Render writes the named template with data and status. The page is
// rendered before anything is written, so that a template error is a clean
// 500 and never half a page with the status meant for a whole one.
func Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	render(w, r, status, templates, name, data)
}

// render writes a page of t, or, when its template fails, logs the error
// and answers a plain 500.
func render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, name string, data any) {
	if err := execute(w, status, t, name, data); err != nil {
		slog.ErrorContext(r.Context(), "render page", "template", name, "err", err)
		http.Error(w, "The page could not be rendered; it has been logged.", http.StatusInternalServerError)
	}
}

// execute is how every page is written: the template runs into a buffer,
// and only a whole page goes out, with the security headers and status. A
// template error writes nothing and is returned, so the caller can still
// answer with an error of its own.
func execute(w http.ResponseWriter, status int, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	SecurityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// Page is what the shared layout reads from a page's data.
type Page struct {
	// Lang is the page's language, "nb" or "en": <html lang> and the
	// layout's own words.
	Lang  string
	Title string
	// Root leads from the page's URL back to the base URL ("../" for
	// B/vipps-login-idp/index.html). Links to static files are relative so
	// that they work whatever path the base URL has.
	Root string
	// Script is a file in static/ that the page loads, or "". Pages have no
	// inline script: the Content-Security-Policy forbids it.
	Script string
	// Stylesheet is a file in static/ that the page loads after vipps.css,
	// or "" (the portal's wider pages).
	Stylesheet string
	// Brand is the app the page speaks of, Vipps (when empty) or MobilePay
	// (Brand): it picks the header, the title and the colours.
	Brand string
	// Refresh is where the page sends the browser at once by itself (a meta
	// refresh, which the Content-Security-Policy does not restrict), or "".
	// It must be a URL the server trusts: html/template does not filter it.
	Refresh template.URL
	// RefreshAfter is how many seconds the page shows before Refresh goes:
	// 0 for at once. Chromium and WebKit put a refresh of 1 s or less in
	// the page's place in the history, so that Back skips the page; after
	// 2 s or more, Back comes back to it.
	RefreshAfter int
}

// NewPage returns the layout data for the page that answers r.
func NewPage(r *http.Request, lang, title string) Page {
	return Page{Lang: lang, Title: title, Root: root(r), Brand: Vipps}
}

// root is the relative path from r's URL to the base URL. The server strips
// the base URL's own path before routing, so r.URL.Path has one "/" per
// directory below the base URL, and the browser resolves "../" from the
// unstripped URL to the same place.
func root(r *http.Request) string {
	depth := strings.Count(r.URL.EscapedPath(), "/") - 1
	if depth <= 0 {
		return "./"
	}
	return strings.Repeat("../", depth)
}

// ErrorPage renders the Vipps-styled page for an error the user cannot be
// sent back to the client with: a title, a short description and the
// request id to quote. It speaks English; ErrorPageLang picks the language.
func ErrorPage(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	ErrorPageLang(w, r, status, "en", title, detail)
}

// ErrorPageLang is ErrorPage in lang ("nb" or "en"); title and detail must
// already be in that language.
func ErrorPageLang(w http.ResponseWriter, r *http.Request, status int, lang, title, detail string) {
	RenderError(w, r, status, NewPage(r, lang, title), detail)
}

// RenderError is ErrorPage for a page made by NewPage and dressed by the
// caller (language, brand); page.Title is the error's title.
func RenderError(w http.ResponseWriter, r *http.Request, status int, page Page, detail string) {
	page.Lang = Supported(page.Lang)
	Render(w, r, status, "error.html", struct {
		Page
		Detail, RequestID, RequestIDLabel string
	}{page, detail, w.Header().Get("X-Request-Id"), requestIDLabel[page.Lang]})
}
