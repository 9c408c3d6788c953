package login

import (
	"flag"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden keeps the words of each page in testdata/*.txt: the visible
// text, not the markup, so that a change of markup does not churn them but
// a change of wording shows in review. go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		scopes     []string
		walk       walk
		change     func(*store.LoginRequest) // the login's special parameters
	}{
		{"phone_nb", "nb", nil, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, id) }, nil},
		{"phone_en", "en", nil, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, id) }, nil},
		{"phone_unknown_en", "en", nil, func(t *testing.T, e *env, b *browser, id string) response {
			b.index(t, id)
			return b.post(t, "/vipps-login-idp/phone", map[string][]string{"tabId": {id}, "phone_number": {"41234567"}})
		}, nil},
		{"wait_nb", "nb", nil, waitPage, nil},
		{"wait_en", "en", nil, waitPage, nil},
		{"deeplink_en", "en", nil, func(t *testing.T, e *env, b *browser, id string) response {
			b.ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36"
			return b.index(t, id)
		}, nil},
		{"consent_nb", "nb", []string{"openid", "name", "email", "address"}, consentPage, nil},
		{"consent_en", "en", []string{"openid", "name", "email", "address"}, consentPage, nil},
		{"error_en", "en", nil, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, "gone") }, nil},
		{"error_nb", "nb", nil, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, "gone") }, nil},
		{"backtoapp_nb", "nb", nil, backToAppPage, nil},
		{"backtoapp_en", "en", nil, backToAppPage, nil},
		{"return_invalid_nb", "nb", nil, returnInvalidPage, automaticReturn},
		{"return_invalid_en", "en", nil, returnInvalidPage, automaticReturn},
		{"return_early_nb", "nb", nil, returnEarlyPage, automaticReturn},
		{"return_early_en", "en", nil, returnEarlyPage, automaticReturn},
		{"moved_on_nb", "nb", nil, movedOnPage, automaticReturn},
		{"moved_on_en", "en", nil, movedOnPage, automaticReturn},
		{"phone_dk_nb", "nb", nil, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, id) }, inDenmark},
		{"consent_fi_en", "en", []string{"openid", "name"}, consentPage, func(r *store.LoginRequest) { r.Market = "FI" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(t)
			b.header.Set("Accept-Language", tc.lang)
			id := e.start(t, tc.scopes...)
			if tc.change != nil {
				e.update(t, id, tc.change)
			}
			r := tc.walk(t, e, b, id)
			testenv.CheckGolden(t, filepath.Join("testdata", tc.name+".txt"), visibleText(r.body), *update)
		})
	}
}

func inDenmark(r *store.LoginRequest) { r.Market = "DK" }

func waitPage(t *testing.T, e *env, b *browser, id string) response {
	b.index(t, id)
	b.enterPhone(t, id, testUser, true)
	e.update(t, id, func(r *store.LoginRequest) { r.Challenge = "42" })
	return b.index(t, id)
}

func consentPage(t *testing.T, e *env, b *browser, id string) response {
	b.index(t, id)
	b.enterPhone(t, id, testUser, false)
	e.approve(t, id)
	return b.index(t, id)
}

var (
	hidden = regexp.MustCompile(`(?is)<(head|script|style)\b.*?</(head|script|style)>`)
	inline = regexp.MustCompile(`(?i)</?(strong|em|b|i|code|span|small)\b[^>]*>`)
	tag    = regexp.MustCompile(`<[^>]*>`)
)

// visibleText is the text a person reads on a rendered page: one line per
// block, markup and hidden elements dropped. noscript's text is kept: some
// people see it.
func visibleText(page string) string {
	s := hidden.ReplaceAllString(page, "")
	s = inline.ReplaceAllString(s, "")
	s = tag.ReplaceAllString(s, "\n")
	var lines []string
	for line := range strings.SplitSeq(html.UnescapeString(s), "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
