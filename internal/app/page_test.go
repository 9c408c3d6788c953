package app

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	w := newWorld(t)
	fetch := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := w.ada.HTTP.Get(w.ada.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	var all string
	for _, tt := range []struct{ path, contentType string }{
		{"/app/", "text/html"},
		{"/app/static/app.js", "text/javascript"},
		{"/app/static/app.css", "text/css"},
	} {
		resp, body := fetch(tt.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) {
			t.Errorf("GET %s = %d %s, want 200 %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.contentType)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: missing security headers: %v", tt.path, resp.Header)
		}
		all += body
	}
	for _, hook := range []string{"app-phone", "app-pin", "app-signin", "challenge-option", "app-approve", "app-reject", "app-reject-unknown", "app-remember"} {
		if !strings.Contains(all, `"`+hook+`"`) {
			t.Errorf("the test app has no data-testid %q", hook)
		}
	}
	// The CSP forbids inline code: every script has a src, nothing has a
	// style attribute or an inline handler.
	_, index := fetch("/app/")
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`<script>`), regexp.MustCompile(`\sstyle=`), regexp.MustCompile(`\son[a-z]+=`), regexp.MustCompile(`<style`)} {
		if bad.MatchString(index) {
			t.Errorf("index.html has inline code matching %s", bad)
		}
	}
	for _, path := range []string{"/app/static/nope.js", "/app/static/index.html"} {
		if resp, _ := fetch(path); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}
