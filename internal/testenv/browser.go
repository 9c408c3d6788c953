package testenv

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Browser is a cookie-keeping HTTP client that plays a browser in tests. It
// follows redirects until one goes to a URL that starts with StopAt (the
// merchant's redirect URI, where the test plays the merchant); there it
// stops and records the URL in Landed.
type Browser struct {
	t      testing.TB
	Client *http.Client
	StopAt string
	// Landed is the URL the last navigation stopped at, or nil.
	Landed *url.URL
}

// NewBrowser returns a browser with an empty cookie jar that stops at
// stopAt.
func NewBrowser(t testing.TB, stopAt string) *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{t: t, StopAt: stopAt}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), b.StopAt) {
			b.Landed = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// Page is where a navigation ended: its URL, status and body.
type Page struct {
	URL    *url.URL
	Status int
	Body   string
}

// Do sends req and follows its redirects.
func (b *Browser) Do(req *http.Request) Page {
	b.t.Helper()
	b.Landed = nil
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Page{URL: resp.Request.URL, Status: resp.StatusCode, Body: string(body)}
}

// Get navigates to u.
func (b *Browser) Get(u string) Page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.Do(req)
}

// Post submits form to u as a browser submits an HTML form.
func (b *Browser) Post(u string, form url.Values) Page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}
