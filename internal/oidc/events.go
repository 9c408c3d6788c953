package oidc

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The integration debugger's view of this package: which events the
// authorize and token endpoints record, after they have decided their
// answer. Recording changes no answer and costs a request no database
// write (debugger.Recorder).

// recordAuthorize records a failed authorize request of the known client
// (the error page's or the redirect's error code and the explanation).
func (p *Provider) recordAuthorize(clientID string, params url.Values, code, explanation string) {
	if p.Events == nil {
		return
	}
	p.Events.Record(store.Event{
		ClientID: clientID, Time: p.now(), Flow: store.FlowBrowser, Step: debugger.StepAuthorize,
		Outcome: store.OutcomeFailure, Error: code, Explanation: explanation, Params: debugger.Params(params),
	})
}

// recordToken records the outcome of a token request of grant type gt that
// named a known client. authorization_pending is no outcome, and a poll
// that relays how a login ended (Error.relayed) is that login's event; an
// error that is not an *Error (the server's own) is in the log instead.
func (p *Provider) recordToken(r *http.Request, form url.Values, gt string, err error) {
	if p.Events == nil {
		return
	}
	var e *Error
	if err != nil && (!errors.As(err, &e) || e.Code == ErrAuthorizationPending || e.relayed) {
		return
	}
	id, method := requestClient(r, form)
	if id == "" {
		return
	}
	if e != nil {
		// Unknown clients get no events. The client was read just now by
		// the grant, through the client cache, so this costs a failure
		// nothing more in the usual case.
		if _, err := p.Store.GetClient(r.Context(), id); err != nil {
			return
		}
	}
	params := url.Values{}
	for k, v := range form {
		params[k] = v
	}
	params.Set("auth_method", method)
	ev := store.Event{ClientID: id, Time: p.now(), Flow: grantFlow(gt), Step: debugger.StepToken, Params: debugger.Params(params)}
	if e == nil {
		ev.Outcome, ev.Explanation = store.OutcomeSuccess, debugger.TokensIssued(gt)
	} else {
		ev.Outcome, ev.Error, ev.Explanation = store.OutcomeFailure, e.Code, cmp.Or(e.explain, e.Description)
	}
	p.Events.Record(ev)
}

// requestClient is the client_id a token request names and the method it
// authenticates with ("none" when it sends no secret), read as
// clientCredentials reads them but without judging them: a request that
// fails authentication still says which client it was for.
func requestClient(r *http.Request, form url.Values) (id, method string) {
	if basicID, _, ok, err := basicCredentials(r); ok && err == nil {
		return basicID, store.AuthSecretBasic
	}
	if _, ok := form["client_secret"]; ok {
		return form.Get("client_id"), store.AuthSecretPost
	}
	return form.Get("client_id"), "none"
}

// grantFlow is the flow whose tokens a grant type redeems.
func grantFlow(gt string) string {
	switch gt {
	case grantAuthorizationCode:
		return store.FlowBrowser
	case grantCIBA, grantCIBARedirect:
		return store.FlowCIBA
	case grantQR, grantQRRedirect:
		return store.FlowQR
	}
	return debugger.FlowToken
}
