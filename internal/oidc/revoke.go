package oidc

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// revoke is the token revocation endpoint (RFC 7009 §2): an authenticated
// client revokes one of its access tokens. token_type_hint is ignored, as
// §2.1 allows: access tokens are the only tokens there are.
//
// The answer is 200 whether or not anything was revoked. An unknown,
// expired or already revoked token is 200 by §2.2. So is another client's
// token, which is left alone: §2.1 lets the server refuse it with an error,
// but an error would tell the caller that the string is a live token of
// someone else, and 200 tells it nothing.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) error {
	form, err := readForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return err
	}
	tok := form.Get("token")
	if tok == "" {
		return oauthError(ErrInvalidRequest, "The request lacks token.")
	}
	hash := secret.Digest(tok)
	t, err := p.Store.GetAccessToken(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// RFC 7009 §2.2: an invalid token is no error.
	case err != nil:
		return err
	case t.ClientID != client.ID:
		slog.InfoContext(ctx, "revocation of another client's token refused", "client_id", client.ID, "token_client_id", t.ClientID)
	default:
		if err := p.Store.RevokeAccessToken(ctx, hash, p.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	return nil
}
