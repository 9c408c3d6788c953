package login

import (
	"net/http"
	"slices"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// rejectDescription is the error_description when the user declines.
const rejectDescription = "The user did not consent to sharing the requested information."

// cancelDescription is the error_description when the user cancels.
const cancelDescription = "The user cancelled the login."

// renderConsent asks the user to share the requested scopes with the
// client, all or nothing (vipps-login-api-2.0 "Scopes": "The user can not
// make changes to the list of requested scopes").
func (p *Pages) renderConsent(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) {
	v := p.newView(r, lr, func(t text) string { return t.ConsentTitle })
	for _, s := range flow.ConsentScopes(lr.Scopes) {
		name, ok := v.T.Scopes[s]
		if !ok {
			name = s
		}
		if !slices.Contains(v.ScopeNames, name) {
			v.ScopeNames = append(v.ScopeNames, name)
		}
	}
	web.Render(w, r, http.StatusOK, "consent.html", v)
}

// consent takes the answer on the consent page. Accepting remembers the
// consent per (user, client), added to what the user allowed before, so
// the next login asking no more skips the page; declining ends the login
// with access_denied.
func (p *Pages) consent(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	lr, err := p.load(w, r, r.PostForm.Get("tabId"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	var (
		need bool
		old  store.Consent
	)
	if lr.Status == store.LoginApproved && interactive(lr) {
		if need, old, err = flow.Consent(ctx, p.Store, lr.PhoneNumber, lr.ClientID, lr.Scopes); err != nil {
			return err
		}
	}
	if !need {
		// A page left open after the login moved on: show where it is.
		seeIndex(w, lr.ID)
		return nil
	}
	switch r.PostForm.Get("action") {
	case "accept":
		c := flow.Widened(old, lr.PhoneNumber, lr.ClientID, lr.Scopes, p.now())
		return p.complete(w, r, lr, nil, &c)
	case "reject":
		return p.complete(w, r, lr, flow.Failing("access_denied", rejectDescription, p.now()), nil)
	}
	return loginError(r, lr, http.StatusBadRequest, errBadRequest)
}

// cancel ends the login at the user's wish, from any page before the
// redirect: the client gets access_denied.
func (p *Pages) cancel(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	lr, err := p.load(w, r, r.PostForm.Get("tabId"))
	if err != nil {
		return err
	}
	if lr.Status == store.LoginDone {
		return p.step(w, r, lr)
	}
	return p.complete(w, r, lr, flow.Failing("access_denied", cancelDescription, p.now()), nil)
}
