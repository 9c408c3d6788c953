package login

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The login pages' cookies, flow's: their names and attributes have one
// owner, which logout shares. These are the bare names; the browser holds
// them under flow.CookieName's.
const (
	browserCookie  = flow.BrowserCookie
	rememberCookie = flow.RememberCookie
)

// browserToken returns the browser's vl_browser cookie, setting a new one
// when it has none.
func (p *Pages) browserToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(flow.CookieName(p.BaseURL, browserCookie)); err == nil && c.Value != "" && len(c.Value) <= 64 {
		return c.Value
	}
	return p.setBrowserToken(w)
}

// setBrowserToken gives the browser a new vl_browser cookie.
func (p *Pages) setBrowserToken(w http.ResponseWriter) string {
	token := secret.New()
	http.SetCookie(w, flow.PageCookie(p.BaseURL, browserCookie, token, 0))
	return token
}

// remembered returns the browser session of the browser's vl_remember
// cookie when it is still good: known and not expired. Its user is still a
// Vipps user: deleting a user deletes their browser sessions (store
// DeleteUser), so the session is not found once the user is gone. stale is
// true when the browser has a cookie that is not good.
func (p *Pages) remembered(ctx context.Context, r *http.Request) (s store.BrowserSession, ok, stale bool, err error) {
	token := flow.RememberToken(r, p.BaseURL)
	if token == "" {
		return s, false, false, nil
	}
	s, err = p.Store.GetBrowserSessionByToken(ctx, secret.Digest(token))
	if errors.Is(err, store.ErrNotFound) {
		return s, false, true, nil
	}
	if err != nil {
		return s, false, false, err
	}
	if !p.now().Before(s.ExpiresAt) {
		return s, false, true, nil
	}
	return s, true, false, nil
}

// forget deletes the browser's vl_remember cookie, in its legacy form too.
func (p *Pages) forget(w http.ResponseWriter) {
	flow.SetRememberCookie(w, p.BaseURL, "", -1)
}

// rememberBrowser makes this browser remember the login's user, as the user
// chose on the phone page or in the app: a BrowserSession whose id is the
// login's sid, created at the login's auth_time, and a cookie holding its
// token. A browser already on this login's session keeps it (a reload of
// the consent page). A session the browser had before (another user's, or
// one that prompt=login or max_age made the user confirm again) is
// replaced: its cookie is overwritten, so it is deleted too, and the next
// login's auth_time is this confirmation's.
func (p *Pages) rememberBrowser(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) error {
	ctx := r.Context()
	old, ok, _, err := p.remembered(ctx, r)
	if err != nil || (ok && old.ID == lr.SessionID) {
		return err
	}
	id := lr.SessionID
	if id == "" {
		id = uuid.NewString()
	}
	token, now := secret.New(), p.now()
	authTime := lr.AuthTime
	if authTime.IsZero() {
		authTime = now
	}
	err = p.Store.CreateBrowserSession(ctx, store.BrowserSession{
		ID:          id,
		TokenHash:   secret.Digest(token),
		PhoneNumber: lr.PhoneNumber,
		Description: describeBrowser(r.UserAgent()),
		CreatedAt:   authTime,
		ExpiresAt:   now.Add(flow.BrowserSessionTTL),
	})
	if errors.Is(err, store.ErrExists) {
		// This login's session was made on an earlier view whose cookie
		// never arrived; its token is gone, so the browser stays unknown.
		return nil
	}
	if err != nil {
		return err
	}
	if ok {
		if err := p.Store.DeleteBrowserSession(ctx, old.PhoneNumber, old.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	flow.SetRememberCookie(w, p.BaseURL, token, int(flow.BrowserSessionTTL.Seconds()))
	return nil
}

// describeBrowser names a browser from its User-Agent for the app's list of
// remembered browsers, e.g. "Chrome on Linux".
func describeBrowser(ua string) string {
	name := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			name = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return name + " on " + o.name
		}
	}
	return name
}
