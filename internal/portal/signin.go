package portal

import (
	"net/http"
	"strings"
)

// maxToken bounds the token a sign-in form may carry.
const maxToken = 1024

// home is the sign-in page, or the sale units for a browser signed in.
func (p *Portal) home(w http.ResponseWriter, r *http.Request) error {
	if p.session(r) {
		return seeOther(w, r, "clients/")
	}
	v := p.view(r, "Sign in", "")
	v.SignedIn = false
	return render(w, http.StatusOK, "signin.html", v)
}

// signIn checks the admin token with the admin API's own check
// (admin.API.CheckToken), which counts wrong tokens and locks after too
// many, and starts a session when it is right.
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	var err error
	if len(token) > maxToken {
		token = token[:maxToken] // still a wrong token, and still counted
	}
	if err = p.API.CheckToken(token); err == nil {
		p.startSession(w)
		return seeOther(w, r, "clients/")
	}
	status, detail := problemOf(err)
	if status == 0 {
		return err
	}
	if ra := retryAfter(err); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	if status == http.StatusUnauthorized && p.API.Token != "" {
		detail = "That is not the admin token. Wrong tokens are counted: after several in a row, sign-in is locked for a while."
	}
	v := p.view(r, "Sign in", "")
	v.SignedIn = false
	v.Problem = detail
	return render(w, status, "signin.html", v)
}

// signOut ends the session in this browser.
func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) error {
	p.endSession(w)
	return seeOther(w, r, "")
}
