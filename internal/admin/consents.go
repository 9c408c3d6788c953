package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A user's consent to a client, set by the operator rather than given on
// the consent page (DESIGN §3: consent is all or nothing, remembered per
// user and client). A seed file uses it to start a world where a user has
// already consented, so that a login there skips the consent page.

// ConsentRequest is the body of PUT
// /admin/v1/users/{phone_number}/consents/{client_id}: the scopes the user
// has consented to share with the client, which replace any consent stored.
type ConsentRequest struct {
	// Scopes are among the client's scopes; those that need no consent
	// (openid, api_version_2) are accepted and not stored.
	Scopes []string `json:"scopes"`
}

// ConsentResponse is a stored consent.
type ConsentResponse struct {
	PhoneNumber string    `json:"phone_number"`
	ClientID    string    `json:"client_id"`
	Scopes      []string  `json:"scopes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// putConsent sets the user's consent to the client to exactly the scopes
// given: 201 when there was none, 200 otherwise. A consent that already
// has those scopes is answered as it is, not written again, so putting the
// same consent twice changes nothing (not even updated_at).
func (a *API) putConsent(w http.ResponseWriter, r *http.Request) error {
	var req ConsentRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	phone, clientID := r.PathValue("phone_number"), r.PathValue("client_id")
	if _, err := a.Store.GetUser(ctx, phone); err != nil {
		return notFound(err, noUser(phone))
	}
	c, err := a.Store.GetClient(ctx, clientID)
	if err != nil {
		return notFound(err, noClient(clientID))
	}
	var p problems
	p.subset("scopes", req.Scopes, store.Scopes)
	for i, s := range req.Scopes {
		if slices.Contains(store.Scopes, s) && !slices.Contains(c.Scopes, s) {
			p.addf("scopes[%d] %q is not among client %q's scopes (%s); a consent to it would never be asked for.", i, s, clientID, strings.Join(c.Scopes, ", "))
		}
	}
	scopes := flow.ConsentScopes(req.Scopes)
	if len(p) == 0 && len(scopes) == 0 {
		p.addf("scopes must list at least one scope that needs consent, such as name or email (openid and api_version_2 need none).")
	}
	if err := p.err(); err != nil {
		return err
	}
	old, err := a.Store.GetConsent(ctx, phone, clientID)
	switch {
	case err == nil && slices.Equal(old.Scopes, scopes):
		return jsonapi.Write(w, http.StatusOK, consentResponse(old))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusCreated
	}
	now := a.now()
	if err := a.Store.SaveConsent(ctx, store.Consent{PhoneNumber: phone, ClientID: clientID, Scopes: scopes, CreatedAt: now, UpdatedAt: now}); err != nil {
		return notFound(err, fmt.Sprintf("The user %s or the client %q was deleted meanwhile.", phone, clientID))
	}
	stored, err := a.Store.GetConsent(ctx, phone, clientID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, status, consentResponse(stored))
}

func consentResponse(c store.Consent) ConsentResponse {
	return ConsentResponse{PhoneNumber: c.PhoneNumber, ClientID: c.ClientID, Scopes: nonNil(c.Scopes), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// PutConsent sets the user's consent to the client to exactly scopes.
func (c *Client) PutConsent(ctx context.Context, phone, clientID string, scopes []string) (ConsentResponse, error) {
	var out ConsentResponse
	path := "/admin/v1/users/" + url.PathEscape(phone) + "/consents/" + url.PathEscape(clientID)
	return out, c.do(ctx, http.MethodPut, path, ConsentRequest{Scopes: nonNil(scopes)}, &out)
}
