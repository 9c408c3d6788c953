package login

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// view is the data of every login page: the layout's, the words, the
// login's id for forms and links, and what a page shows.
type view struct {
	web.Page
	T          text
	TabID      string
	ClientName string

	// The phone page: what was typed, the remember box, the inline message.
	PhoneNumber string
	Remember    bool
	Message     string
	// The wait page's challenge; the deeplink page's link into the app.
	Challenge string
	AppURL    string
	// Note is the line under the polling spinner.
	Note string
	// The consent page's scopes, in plain words.
	ScopeNames []string
	// BackURL is the final redirect into an app (backtoapp.go).
	BackURL template.URL
}

// newView returns the data for a page of lr titled by title, in the
// login's language and its market's brand.
func (p *Pages) newView(r *http.Request, lr store.LoginRequest, title func(text) string) view {
	t := words(r, lr)
	name := lr.ClientID
	if c, err := p.Store.GetClient(r.Context(), lr.ClientID); err == nil && c.Name != "" {
		name = c.Name
	}
	page := web.NewPage(r, lang(r, lr), title(t))
	page.Brand = web.Brand(lr.Market)
	return view{Page: page, T: t, TabID: lr.ID, ClientName: name}
}

// index is the login's one entry, LoginPath?tabId=<id>: authorize sends the
// browser here, and every step comes back here to be shown the next. The
// first view of a login binds it to the browser, in the same write as the
// step it starts when that changes the login too (created).
func (p *Pages) index(w http.ResponseWriter, r *http.Request) error {
	lr, claim, err := p.find(w, r, r.URL.Query().Get("tabId"))
	if err != nil {
		return err
	}
	if claim != "" && lr.Status == store.LoginCreated && !flow.Expired(lr, p.now()) {
		return p.created(w, r, lr, claim)
	}
	if lr, err = p.bound(r, lr, claim); err != nil {
		return err
	}
	return p.step(w, r, lr)
}

// step shows the page for where the login is, or ends it.
func (p *Pages) step(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) error {
	switch lr.Status {
	case store.LoginCreated:
		return p.created(w, r, lr, "")
	case store.LoginWaiting:
		if lr.Mobile {
			return p.renderDeeplink(w, r, lr, false)
		}
		v := p.newView(r, lr, func(t text) string { return t.WaitTitle })
		v.Script, v.Challenge, v.Note = "status.js", lr.Challenge, v.T.WaitNote
		web.Render(w, r, http.StatusOK, "wait.html", v)
		return nil
	case store.LoginApproved:
		return p.approved(w, r, lr)
	case store.LoginFailed:
		return p.complete(w, r, lr, nil, nil)
	case store.LoginDone:
		return loginError(r, lr, http.StatusGone, errDone)
	}
	return fmt.Errorf("login %s has unknown status %q", lr.ID, lr.Status)
}

// created starts a login that authorize just made. A remembered browser
// needs neither phone number nor app (vipps-login-api-2.0 "Remembered
// flow") unless the client asks for a fresh login (fresh); a no_dialog
// login that cannot use one ends at once; a phone opens the app by a
// deeplink ("Mobile flow"); a desktop asks for the phone number ("Desktop
// flow").
//
// claim is this browser's binding when this is the login's first view
// (find): it is written with the step's change, so that each of these
// steps writes the login once, a remembered browser's approval and its
// code included.
func (p *Pages) created(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, claim string) error {
	ctx := r.Context()
	s, ok, stale, err := p.remembered(ctx, r)
	if err != nil {
		return err
	}
	if stale {
		p.forget(w)
	}
	ok = ok && p.fresh(lr, s)
	if !ok && lr.RequestedFlow == flow.NoDialog {
		fail := flow.Failing("login_required", loginRequiredDescription, p.now())
		return p.complete(w, r, lr, func(x store.LoginRequest) (store.LoginRequest, error) {
			if err := claimed(&x, claim, p.now()); err != nil {
				return x, err
			}
			return fail(x)
		}, nil)
	}
	if ok {
		return p.rememberedLogin(w, r, lr, claim, s)
	}
	if mobile(r.UserAgent()) {
		lr, err = p.advance(ctx, lr, claim, func(x *store.LoginRequest) {
			x.Mobile = true
			x.Status = store.LoginWaiting
			x.ExpiresAt = p.now().Add(flow.LoginTTL)
		})
		if err != nil {
			return p.moved(w, r, lr, err)
		}
		return p.renderDeeplink(w, r, lr, true)
	}
	if claim != "" {
		if lr, err = p.bound(r, lr, claim); err != nil {
			return err
		}
	}
	p.renderPhone(w, r, lr, http.StatusOK, formatHint(lr.LoginHint), "", false)
	return nil
}

// rememberedLogin approves a login for the user of the remembered browser
// session s and, unless consent must be asked first, ends it with the code
// in the same write. A no_dialog login that needs consent ends with
// interaction_required instead.
func (p *Pages) rememberedLogin(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, claim string, s store.BrowserSession) error {
	need, err := flow.ConsentRequired(r.Context(), p.Store, s.PhoneNumber, lr.ClientID, lr.Scopes)
	if err != nil {
		return err
	}
	now := p.now()
	approve := func(x *store.LoginRequest) {
		x.PhoneNumber, x.Remember = s.PhoneNumber, false
		x.SessionID, x.AuthTime = s.ID, s.CreatedAt
		x.Status = store.LoginApproved
	}
	if need && interactive(lr) {
		lr, err = p.advance(r.Context(), lr, claim, approve)
		if err != nil {
			return p.moved(w, r, lr, err)
		}
		p.renderConsent(w, r, lr)
		return nil
	}
	fail := flow.Failing("interaction_required", interactionRequiredDescription, now)
	return p.complete(w, r, lr, func(x store.LoginRequest) (store.LoginRequest, error) {
		x, err := p.changeCreated(x, claim, approve)
		if err == nil && need {
			x, err = fail(x)
		}
		return x, err
	}, nil)
}

// moved ends a step whose change found the login moved on (errMoved) or
// taken by another browser (errClaimed): it shows where the login is now,
// or says it is another browser's. Any other error is returned as is;
// without one, the login is shown as the change left it.
func (p *Pages) moved(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, err error) error {
	switch {
	case errors.Is(err, errMoved):
		seeIndex(w, lr.ID)
		return nil
	case errors.Is(err, errClaimed):
		return loginError(r, lr, http.StatusForbidden, errOtherBrowser)
	case err != nil:
		return err
	}
	return p.step(w, r, lr)
}

// errMoved means another step moved the login on before this one could.
var errMoved = errors.New("login: the login moved on")

// changeCreated makes change to a created login inside a transaction: x is
// bound to claim's browser (claimed: errClaimed if another browser has it),
// changed and stamped; a login that is no longer created is left alone
// with errMoved.
func (p *Pages) changeCreated(x store.LoginRequest, claim string, change func(*store.LoginRequest)) (store.LoginRequest, error) {
	if err := claimed(&x, claim, p.now()); err != nil {
		return x, err
	}
	if x.Status != store.LoginCreated {
		return x, errMoved
	}
	change(&x)
	x.UpdatedAt = p.now()
	return x, nil
}

// advance changes a created login in one store transaction, binding it to
// the browser first when claim says this is its first view. If the login
// is no longer created (the user acted in another tab, the app answered),
// nothing is written: it returns the login as it is now and errMoved.
func (p *Pages) advance(ctx context.Context, lr store.LoginRequest, claim string, change func(*store.LoginRequest)) (store.LoginRequest, error) {
	var current store.LoginRequest
	updated, err := p.Store.UpdateLoginRequest(ctx, lr.ID, func(x store.LoginRequest) (store.LoginRequest, error) {
		current = x
		return p.changeCreated(x, claim, change)
	})
	if errors.Is(err, errMoved) || errors.Is(err, errClaimed) {
		return current, err
	}
	return updated, err
}

// approved finishes a login the user confirmed: the browser is remembered
// if the user asked, then consent if the scopes need it and none covers
// them (a no_dialog login may not ask: interaction_required), then back to
// the client with a code.
func (p *Pages) approved(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) error {
	if lr.Remember {
		if err := p.rememberBrowser(w, r, lr); err != nil {
			return err
		}
	}
	need, err := flow.ConsentRequired(r.Context(), p.Store, lr.PhoneNumber, lr.ClientID, lr.Scopes)
	if err != nil {
		return err
	}
	switch {
	case need && lr.RequestedFlow == flow.NoDialog:
		return p.complete(w, r, lr, flow.Failing("interaction_required", interactionRequiredDescription, p.now()), nil)
	case need:
		p.renderConsent(w, r, lr)
		return nil
	}
	return p.complete(w, r, lr, nil, nil)
}

// renderDeeplink shows a phone the way into the app: for the simulated app,
// its page for this login (vipps-login-api-2.0 "Mobile flow - deeplink
// based flow"). The page follows the login like the wait page does.
//
// open is true on the view that sends the login to the app: then the page
// opens the app by itself, as Vipps' landing page "will automatically
// trigger a deeplink to the Vipps app", with a meta refresh (no script)
// after deeplinkOpenAfter seconds; its button stays for when that does
// not happen. Later views (the user back from the app, a reload) only
// offer the button, so that coming back never throws the user into the
// app again.
func (p *Pages) renderDeeplink(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, open bool) error {
	v := p.newView(r, lr, func(t text) string { return t.DeeplinkTitle })
	v.Script, v.Note = "status.js", v.T.DeeplinkNote
	v.AppURL = p.BaseURL + "/app/?request=" + url.QueryEscape(lr.ID)
	if open {
		// Our own page: the base URL the operator configured, and the
		// login's id, escaped; no redirect rule is needed for it.
		v.Refresh, v.RefreshAfter = template.URL(v.AppURL), deeplinkOpenAfter
	}
	web.Render(w, r, http.StatusOK, "deeplink.html", v)
	return nil
}

// deeplinkOpenAfter is how many seconds the deeplink page shows before it
// opens the app. The simulated app is a web page, so it opens in the
// login's own tab, and the user comes back by Back: a refresh after 1 s
// or less would take the page's place in the history (Chromium, WebKit),
// and Back would skip the login for the shop.
const deeplinkOpenAfter = 2
