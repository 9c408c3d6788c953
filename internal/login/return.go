package login

import (
	"errors"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// maxSecret bounds the secret a browser sends; secret.New makes 43
// characters.
const maxSecret = 128

// automaticReturn is flow.ReturnPath?tabId=<id>&secret=<s>, the URL the
// Vipps app opens after the user approved an automatic_return_from_vipps_app
// login (vipps-login-api-2.0 "Automatic return from Vipps app"). Whatever
// browser opens it takes the login over (rebind) and is sent to the login's
// page, which goes on as in the browser that started it: consent if needed,
// then the code. The secret works once.
//
// Whichever browser finishes the login first wins (flow.Complete): when
// the browser that started it got there before the link was opened, the
// link says the login is already completed; once the link has been used,
// the first browser is told the login went on elsewhere (checkBrowser).
func (p *Pages) automaticReturn(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id, s := q.Get("tabId"), q.Get("secret")
	if id == "" || len(id) > maxTabID {
		return &pageError{status: http.StatusNotFound, kind: errNotFound}
	}
	if len(s) > maxSecret {
		s = "" // no secret is that long: refused below
	}
	_, err := p.rebind(w, r, id, s)
	switch {
	case err == nil:
		seeIndex(w, id)
		return nil
	case errors.Is(err, store.ErrNotFound):
		return &pageError{status: http.StatusNotFound, kind: errNotFound}
	case !errors.Is(err, errBadSecret):
		return err
	}
	// Say why the link did not work, from the login as it is now.
	lr, err := p.Store.GetLoginRequest(r.Context(), id)
	if err != nil {
		return err
	}
	switch {
	case lr.RequestedFlow != flow.AutomaticReturn:
	case (lr.Status == store.LoginCreated || lr.Status == store.LoginWaiting) && !flow.Expired(lr, p.now()):
		return loginError(r, lr, http.StatusConflict, errNotApproved)
	case lr.Status == store.LoginDone && lr.ResumeSecretHash != "" && s != "" && secret.Equal(lr.ResumeSecretHash, secret.Digest(s)):
		// The browser that started the login finished it first.
		return loginError(r, lr, http.StatusGone, errDone)
	}
	return loginError(r, lr, http.StatusForbidden, errBadReturn)
}
