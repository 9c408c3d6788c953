package web

import (
	"embed"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                             Norwegian,
		"*":                            Norwegian,
		"nb":                           Norwegian,
		"nb-NO,nb;q=0.9,en;q=0.8":      Norwegian,
		"no":                           Norwegian,
		"NN-no":                        Norwegian,
		"en":                           English,
		"en-US,en;q=0.9":               English,
		"de-DE,de;q=0.9,nb;q=0.8":      English,
		"en;q=0.5, nb;q=0.8":           Norwegian,
		"nb;q=0, en":                   English,
		"sv;q=0.9, nb":                 Norwegian,
		"da , en;q=0.1":                English,
		"nb;q=bogus":                   Norwegian,
		"fr-CH, fr;q=0.9, en;q=0.8, *": English,
	} {
		if got := Language(header); got != want {
			t.Errorf("Language(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestErrorPage(t *testing.T) {
	for _, tc := range []struct {
		lang, path string
		want       []string
	}{
		{"", "/access-management-1.0/access/oauth2/auth", []string{`<html lang="en">`, "Request id: <code>req-1</code>",
			`href="../../../vipps-login-idp/static/vipps.css"`}},
		{"nb", "/vipps-login-idp/index.html", []string{`<html lang="nb">`, "Forespørsels-ID: <code>req-1</code>",
			`href="../vipps-login-idp/static/vipps.css"`}},
		{"en", "/app/", []string{`<html lang="en">`, `href="../vipps-login-idp/static/vipps.css"`}},
		{"xx", "/x", []string{`<html lang="nb">`, `href="./vipps-login-idp/static/vipps.css"`}},
	} {
		w := httptest.NewRecorder()
		w.Header().Set("X-Request-Id", "req-1")
		r := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.lang == "" {
			ErrorPage(w, r, http.StatusBadRequest, "Bad <client>", "The client_id is unknown.")
		} else {
			ErrorPageLang(w, r, http.StatusBadRequest, tc.lang, "Bad <client>", "The client_id is unknown.")
		}
		body := w.Body.String()
		if w.Code != http.StatusBadRequest || !strings.Contains(body, "Bad &lt;client&gt;") || !strings.Contains(body, `data-testid="error-detail">The client_id is unknown.<`) {
			t.Errorf("%s: %d\n%s", tc.path, w.Code, body)
		}
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s (%s) lacks %s:\n%s", tc.path, tc.lang, want, body)
			}
		}
		h := w.Header()
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", tc.path, h)
		}
	}
}

func TestStatic(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/s/", Static()))
	defer srv.Close()
	for path, want := range map[string]int{
		"/s/vipps.css": 200, "/s/status.js": 200, "/s/": 404, "/s/nope.css": 404, "/s/x/vipps.css": 404,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && resp.Header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}
}

// TestNoInlineCode checks that no template, the login pages' nor the
// portal's, carries inline script or style, which the
// Content-Security-Policy would block.
func TestNoInlineCode(t *testing.T) {
	for _, dir := range []struct {
		fsys embed.FS
		name string
	}{{templateFS, "templates"}, {portalFS, "portal"}} {
		entries, err := dir.fsys.ReadDir(dir.name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := dir.fsys.ReadFile(dir.name + "/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, bad := range []string{"<script>", "<style", "style=", "onclick=", "onload=", "onsubmit=", "http://", "https://"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s/%s contains %s", dir.name, e.Name(), bad)
				}
			}
		}
	}
}

func TestBrand(t *testing.T) {
	for market, want := range map[string]string{"": Vipps, "NO": Vipps, "SE": Vipps, "DK": MobilePay, "FI": MobilePay, "dk": MobilePay, "XX": Vipps} {
		if got := Brand(market); got != want {
			t.Errorf("Brand(%q) = %q, want %q", market, got, want)
		}
	}
	for _, tc := range []struct{ brand, class, logo, title string }{
		{"", "vipps", "vipps", "· Vipps</title>"},
		{Vipps, "vipps", "vipps", "· Vipps</title>"},
		{MobilePay, "mobilepay", "MobilePay", "· MobilePay</title>"},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/vipps-login-idp/index.html", nil)
		page := NewPage(r, "en", "Oops")
		page.Brand = tc.brand
		RenderError(w, r, http.StatusForbidden, page, "Detail.")
		body := w.Body.String()
		for _, want := range []string{`<body class="` + tc.class + `">`, `<span class="logo">` + tc.logo + `</span>`, tc.title} {
			if w.Code != http.StatusForbidden || !strings.Contains(body, want) {
				t.Errorf("brand %q: %d, lacks %s:\n%s", tc.brand, w.Code, want, body)
			}
		}
	}
}

// TestRefresh checks the layout's meta refresh: only when asked, and with
// the URL escaped for HTML but kept whole for a custom scheme.
func TestRefresh(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/vipps-login-idp/index.html", nil)
	w := httptest.NewRecorder()
	ErrorPageLang(w, r, http.StatusOK, "en", "x", "y")
	if strings.Contains(w.Body.String(), "refresh") {
		t.Error("a page without Refresh refreshes")
	}
	page := NewPage(r, "en", "x")
	page.Refresh = "demo-app://callback?code=a&state=b"
	w = httptest.NewRecorder()
	RenderError(w, r, http.StatusOK, page, "y")
	if want := `<meta http-equiv="refresh" content="0;url=demo-app://callback?code=a&amp;state=b">`; !strings.Contains(w.Body.String(), want) {
		t.Errorf("lacks %s:\n%s", want, w.Body.String())
	}
}

// TestThemes checks that the stylesheet has a theme for each brand's body
// class.
func TestThemes(t *testing.T) {
	css, err := staticFS.ReadFile("static/vipps.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"body.mobilepay {", "--brand: #5a78ff;", "--brand: #ff5b24;"} {
		if !strings.Contains(string(css), want) {
			t.Errorf("vipps.css lacks %s", want)
		}
	}
	if strings.Contains(string(css), "--orange") {
		t.Error("vipps.css still names a colour by the brand's old variable")
	}
}

// TestDocTitle checks that the <title> names the brand once: after a title
// that does not, and not again after one that does.
func TestDocTitle(t *testing.T) {
	for _, tc := range []struct{ title, brand, want string }{
		{"Logg inn med Vipps", Vipps, "<title>Logg inn med Vipps</title>"},
		{"Log in with MobilePay", MobilePay, "<title>Log in with MobilePay</title>"},
		{"Del informasjon", Vipps, "<title>Del informasjon · Vipps</title>"},
		{"Share information", MobilePay, "<title>Share information · MobilePay</title>"},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/vipps-login-idp/index.html", nil)
		page := NewPage(r, "en", tc.title)
		page.Brand = tc.brand
		RenderError(w, r, http.StatusOK, page, "Detail.")
		if !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%q (%s): lacks %s:\n%s", tc.title, tc.brand, tc.want, w.Body.String())
		}
	}
}
