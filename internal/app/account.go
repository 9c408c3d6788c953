package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// listConsents answers GET /app/v1/consents: what the user let each client
// see (DESIGN §3: consent is remembered per user and client, and revocable
// from the app).
func (a *API) listConsents(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	cs, err := a.Store.ListConsents(r.Context(), user.PhoneNumber)
	if err != nil {
		return err
	}
	out := ConsentList{Consents: make([]Consent, 0, len(cs))}
	for _, c := range cs {
		name := c.ClientID
		cl, err := a.Store.GetClient(r.Context(), c.ClientID)
		switch {
		case err == nil:
			name = cl.Name
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		out.Consents = append(out.Consents, Consent{
			ClientID: c.ClientID, ClientName: name, Scopes: c.Scopes, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		})
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// revokeConsent answers DELETE /app/v1/consents/{client_id}: the next login
// at that client asks for consent again, and a client with a consent webhook
// is told (vipps-login-webhooks "Revoke").
func (a *API) revokeConsent(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	clientID := r.PathValue("client_id")
	notify, err := a.consentRevokedEvent(r.Context(), user.PhoneNumber, clientID)
	if err != nil {
		return err
	}
	err = a.Store.DeleteConsent(r.Context(), user.PhoneNumber, clientID, notify)
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "You have not given consent to client %q.", clientID)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// consentRevokedEvent is the CONSENT_REVOKED event for the client, or nil
// if the client has no consent webhook. The store enqueues it with the
// revocation, in one transaction. The sub is the user's pairwise subject at
// the client, made here as the ID token would make it if the user never got
// one, so the client can match it.
func (a *API) consentRevokedEvent(ctx context.Context, phoneNumber, clientID string) (*store.Webhook, error) {
	c, err := a.Store.GetClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) || err == nil && c.ConsentWebhookURL == "" {
		return nil, nil // gone, or not interested
	}
	if err != nil {
		return nil, err
	}
	sub, err := a.Store.PairwiseSubject(ctx, phoneNumber, clientID, uuid.NewString())
	if err != nil {
		return nil, err
	}
	ev := webhook.ConsentRevoked(c, sub, a.now())
	return &ev, nil
}

// listBrowsers answers GET /app/v1/browsers: the browsers that log the user
// in without asking the app, so that a forgotten one can be forgotten.
func (a *API) listBrowsers(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	bss, err := a.Store.ListBrowserSessions(r.Context(), user.PhoneNumber)
	if err != nil {
		return err
	}
	now := a.now()
	out := BrowserList{Browsers: []Browser{}}
	for _, bs := range bss {
		if !now.Before(bs.ExpiresAt) {
			continue // no longer remembers anyone; the janitor removes it
		}
		out.Browsers = append(out.Browsers, Browser{
			ID: bs.ID, Description: bs.Description, CreatedAt: bs.CreatedAt, ExpiresAt: bs.ExpiresAt,
		})
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// forgetBrowser answers DELETE /app/v1/browsers/{id}: that browser must go
// through the app again next time. Another user's browser is not found.
func (a *API) forgetBrowser(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	err = a.Store.DeleteBrowserSession(r.Context(), user.PhoneNumber, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "No browser %q remembers you.", r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
