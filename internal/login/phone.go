package login

import (
	"errors"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// phone takes the number typed on the phone page (vipps-login-api-2.0
// "Desktop flow - phone number based push flow"): an active Vipps user's
// number sends the login to their app with a fresh challenge; anything
// else shows the page again with what was wrong.
func (p *Pages) phone(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	lr, err := p.load(w, r, r.PostForm.Get("tabId"))
	if err != nil {
		return err
	}
	if lr.Status != store.LoginCreated || lr.Mobile || !interactive(lr) {
		seeIndex(w, lr.ID)
		return nil
	}
	typed, remember := r.PostForm.Get("phone_number"), r.PostForm.Get("remember") != ""
	t := words(r, lr)
	msisdn, ok := store.NormalizePhoneNumber(typed, lr.Market)
	if !ok {
		p.renderPhone(w, r, lr, http.StatusBadRequest, typed, t.PhoneMalformed, remember)
		return nil
	}
	// An account that is not active cannot log in: its number is answered
	// as one with no account (Vipps' invalid_user covers both).
	if u, err := p.Store.GetUser(r.Context(), msisdn); errors.Is(err, store.ErrNotFound) || err == nil && u.Inactive {
		p.renderPhone(w, r, lr, http.StatusBadRequest, typed, t.PhoneUnknown, remember)
		return nil
	} else if err != nil {
		return err
	}
	challenge, options := flow.Challenge()
	_, err = p.advance(r.Context(), lr, "", func(x *store.LoginRequest) {
		x.PhoneNumber, x.Remember = msisdn, remember
		x.Challenge, x.ChallengeOptions = challenge, options
		x.Status = store.LoginWaiting
		x.ExpiresAt = p.now().Add(flow.LoginTTL)
	})
	if err != nil && !errors.Is(err, errMoved) {
		return err
	}
	seeIndex(w, lr.ID)
	return nil
}

// renderPhone shows the phone-number page, with what was typed (or the
// client's login_hint) and a message when the number was not accepted. The remember box is off until
// the user ticks it (DESIGN §6).
func (p *Pages) renderPhone(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, status int, typed, message string, remember bool) {
	v := p.newView(r, lr, func(t text) string { return t.PhoneTitle })
	v.PhoneNumber, v.Message, v.Remember = typed, message, remember
	web.Render(w, r, status, "phone.html", v)
}

// parseForm reads a posted form of at most maxForm bytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return &pageError{status: http.StatusBadRequest, kind: errBadRequest}
	}
	return nil
}
