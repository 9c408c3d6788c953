package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
)

// The portal's session is stateless: the cookie holds its expiry and an
// HMAC-SHA256 of it, keyed by a key derived from the admin token. So it
// works on every replica without a store record, and changing the admin
// token signs everyone out. The price: a session cannot be ended
// server-side before it expires. Sign-out deletes the cookie from the
// browser, but a copy taken before stays good until its expiry, at most
// SessionLifetime, unless the admin token changes.
const (
	// SessionCookie is the session cookie's name (prefixed __Host- or
	// __Secure- over https: flow.Cookie).
	SessionCookie = "vl_portal"
	// SessionLifetime is how long a sign-in lasts: a working day.
	SessionLifetime = 12 * time.Hour
	// cookieScope is the path below the base URL the cookie is sent to.
	cookieScope = "/portal/"
)

// sessionKey derives the key that signs sessions from the admin token, so
// that the token itself never signs anything a browser sees.
func (p *Portal) sessionKey() []byte {
	m := hmac.New(sha256.New, []byte(p.API.Token))
	m.Write([]byte("vippslogin portal session v1"))
	return m.Sum(nil)
}

func (p *Portal) sessionMAC(expiry string) []byte {
	m := hmac.New(sha256.New, p.sessionKey())
	m.Write([]byte(expiry))
	return m.Sum(nil)
}

// startSession sets the cookie of a session that lasts SessionLifetime.
func (p *Portal) startSession(w http.ResponseWriter) {
	expiry := strconv.FormatInt(p.now().Add(SessionLifetime).Unix(), 10)
	value := expiry + "." + base64.RawURLEncoding.EncodeToString(p.sessionMAC(expiry))
	http.SetCookie(w, p.cookie(value, int(SessionLifetime/time.Second)))
}

// endSession deletes the session cookie.
func (p *Portal) endSession(w http.ResponseWriter) {
	http.SetCookie(w, p.cookie("", -1))
}

// session reports whether r carries a session this server signed and that
// has not expired.
func (p *Portal) session(r *http.Request) bool {
	if p.API == nil || p.API.Token == "" {
		return false
	}
	c, err := r.Cookie(flow.CookieName(p.BaseURL, SessionCookie))
	if err != nil {
		return false
	}
	expiry, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, p.sessionMAC(expiry)) {
		return false
	}
	exp, err := strconv.ParseInt(expiry, 10, 64)
	return err == nil && p.now().Before(time.Unix(exp, 0))
}

// signedIn sends a browser without a session to the sign-in page.
func (p *Portal) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !p.session(r) {
			return seeOther(w, r, "")
		}
		return h(w, r)
	}
}

// cookie is the session cookie: HttpOnly, Secure over https, only for the
// portal's pages, and SameSite=Strict: no other site can make a browser
// send it, not even with a link.
func (p *Portal) cookie(value string, maxAge int) *http.Cookie {
	c := flow.Cookie(p.BaseURL, cookieScope, SessionCookie, value, maxAge)
	c.SameSite = http.SameSiteStrictMode
	return c
}
