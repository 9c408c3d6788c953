package oidc

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// badCredentials is the one description for an unknown client and a wrong
// secret, whatever the method, so that the answer does not tell which of
// them it was.
const badCredentials = "Client authentication failed: unknown client_id or wrong client_secret."

// errNoSecret answers a request that sends no client_secret, with or
// without a client_id. It depends on the request alone, never on the
// stored client, so it is the same for a known and an unknown client_id.
var errNoSecret = &Error{Code: ErrInvalidClient,
	Description: "The request sends no client_secret: send the client_id and client_secret with HTTP Basic (client_secret_basic) or in the body (client_secret_post), as the client is registered."}

// A client whose secret a person chose (the admin API's client_secret) is
// locked for ClientAuthLock after ClientAuthAttempts wrong secrets in a
// row, counted in the store so that every replica shares the count: about
// a thousand guesses a day at most. Generated secrets (256 random bits,
// nothing to guess, cheap to check) are not counted, so that nobody who
// knows a client_id can lock a client out that uses one; rotating a
// secret gives a generated one.
const (
	ClientAuthAttempts = 10
	ClientAuthLock     = 15 * time.Minute
)

// clientLockout is the token endpoint's lockout (secret.Lockout).
var clientLockout = secret.Lockout{Attempts: ClientAuthAttempts, Lock: ClientAuthLock}

// authenticateClient authenticates the client of a token-endpoint request
// (RFC 6749 §2.3.1) by the one method the client is registered for
// (Vipps: "This setting will then apply to all login transactions on this
// sales unit"): client_secret_basic, the Authorization header, or
// client_secret_post, the client_id and client_secret form fields. Using
// both at once is invalid_request (RFC 6749 §2.3: "MUST NOT use more than
// one authentication method in each request"); anything else that fails is
// invalid_client. The grants of every flow share it.
//
// The secret is checked before the method, and only a caller who proved
// it learns how the client must authenticate: an unknown client and a
// wrong secret get the one answer (badCredentials), whatever the method,
// and an unknown client costs what a wrong chosen secret costs
// (secret.VerifyAbsent). A chosen secret is under clientLockout.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (store.Client, error) {
	id, pass, method, err := clientCredentials(r, form)
	if err != nil {
		return store.Client{}, err
	}
	c, err := p.Store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		p.auth.checkAbsent(pass, p.now())
		return store.Client{}, errBadCredentials()
	}
	if err != nil {
		return store.Client{}, err
	}
	if err := p.checkSecret(ctx, c, pass); err != nil {
		if e, ok := errors.AsType[*Error](err); ok && e.Code == ErrInvalidClient {
			e.explain = debugger.WrongSecret(method)
		}
		return store.Client{}, err
	}
	if method != c.TokenEndpointAuthMethod {
		return store.Client{}, explained(oauthError(ErrInvalidClient,
			"The client is registered for %s and must authenticate %s; this request %s.",
			c.TokenEndpointAuthMethod, methodHow(c.TokenEndpointAuthMethod), requestHow(method)),
			debugger.WrongAuthMethod(c.TokenEndpointAuthMethod, method))
	}
	return c, nil
}

// clientCredentials reads the client_id, the client_secret and the method
// that carried them from the request. A request with no client_secret is
// errNoSecret.
func clientCredentials(r *http.Request, form url.Values) (id, pass, method string, err error) {
	basicID, basicSecret, hasBasic, err := basicCredentials(r)
	if err != nil {
		return "", "", "", err
	}
	_, hasPostSecret := form["client_secret"]
	switch {
	case hasBasic && hasPostSecret:
		return "", "", "", oauthError(ErrInvalidRequest,
			"The request authenticates the client twice, with HTTP Basic and with client_secret in the body; use only the method the client is registered for.")
	case hasBasic:
		if fid := form.Get("client_id"); fid != "" && fid != basicID {
			return "", "", "", oauthError(ErrInvalidRequest,
				"The client_id in the body is not the one in the Authorization header.")
		}
		id, pass, method = basicID, basicSecret, store.AuthSecretBasic
	case hasPostSecret:
		id, pass, method = form.Get("client_id"), form.Get("client_secret"), store.AuthSecretPost
	default:
		return "", "", "", errNoSecret
	}
	if id == "" {
		return "", "", "", oauthError(ErrInvalidClient, "The request sends a client_secret but no client_id; send both.")
	}
	return id, pass, method, nil
}

// errBadCredentials is the answer to an unknown client or a wrong secret.
func errBadCredentials() *Error {
	return oauthError(ErrInvalidClient, badCredentials)
}

// checkSecret checks pass against c's stored secret. A chosen secret is
// checked under clientLockout, one check at a time per client in this
// process (clientAuth.turn): the lock is read first, so that a locked
// client is refused without a hash, not even a right secret getting in;
// a wrong secret is counted before the next check starts, so that
// parallel guesses cannot all be checked before the lock; a right one
// clears the count. A right secret on an outdated hash is stored again at
// the current count.
func (p *Provider) checkSecret(ctx context.Context, c store.Client, pass string) error {
	if !secret.Chosen(c.SecretHash) {
		if !p.auth.check(c.SecretHash, pass) {
			return errBadCredentials()
		}
		return nil
	}
	release, err := p.auth.turn(ctx, c.ID)
	if err != nil {
		return err
	}
	defer release()
	now := p.now()
	f, err := p.Store.GetClientAuthFailures(ctx, c.ID)
	switch {
	case errors.Is(err, store.ErrNotFound): // deleted since it was read
		return errBadCredentials()
	case err != nil:
		return err
	case secret.Locked(f.LockedUntil, now):
		return errClientLocked(f.LockedUntil, now)
	}
	if !p.auth.check(c.SecretHash, pass) {
		f, err := p.Store.UpdateClientAuthFailures(ctx, c.ID, func(f store.ClientAuthFailures) (store.ClientAuthFailures, error) {
			f.Failures, f.LockedUntil = clientLockout.Fail(f.Failures, f.LockedUntil, now)
			return f, nil
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return errBadCredentials()
		case err != nil:
			return err
		case secret.Locked(f.LockedUntil, now):
			return errClientLocked(f.LockedUntil, now)
		}
		return errBadCredentials()
	}
	if f != (store.ClientAuthFailures{}) {
		_, err := p.Store.UpdateClientAuthFailures(ctx, c.ID, func(store.ClientAuthFailures) (store.ClientAuthFailures, error) {
			return store.ClientAuthFailures{}, nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if secret.NeedsRehash(c.SecretHash) {
		p.upgradeSecret(ctx, c, pass)
	}
	return nil
}

// errClientLocked refuses a client locked by clientLockout until until.
// It is not invalid_client, which RFC 6749 §5.2 answers with 401 and a
// Basic challenge, telling the client to fix its credentials, which may be
// right: the client is to wait, as temporarily_unavailable with 429 and
// Retry-After say (this server answers an unreachable database with
// temporarily_unavailable too).
func errClientLocked(until, now time.Time) *Error {
	secs := secret.RetryAfter(until, now)
	return &Error{
		Code: ErrTemporarilyUnavailable,
		Description: "Too many wrong client secrets in a row: this client cannot authenticate for " +
			strconv.Itoa((secs+59)/60) + " more minute(s), not even with the right secret. Check the client_secret the client sends, " +
			"and retry after " + strconv.Itoa(secs) + " seconds.",
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(secs)}},
	}
}

// errSecretChanged aborts the upgrade of a secret that was rotated since
// it was checked.
var errSecretChanged = errors.New("the client secret changed")

// upgradeSecret stores a current Hash of pass, the secret of c that just
// matched its outdated hash, unless the stored hash is no longer that one
// (a rotation meanwhile wins). It runs once per outdated hash in this
// process, so that requests racing with the first, or reading a client
// cached from before, do not each pay for another Hash. A failure is
// logged and changes nothing for the request, which has authenticated.
func (p *Provider) upgradeSecret(ctx context.Context, c store.Client, pass string) {
	old := c.SecretHash
	if !p.auth.claimRehash(old) {
		return
	}
	h := p.auth.secrets.Rehash(pass)
	_, err := p.Store.UpdateClient(ctx, c.ID, func(cur store.Client) (store.Client, error) {
		if cur.SecretHash != old {
			return cur, errSecretChanged
		}
		cur.SecretHash = h
		return cur, nil
	})
	if err != nil && !errors.Is(err, errSecretChanged) && !errors.Is(err, store.ErrNotFound) {
		p.auth.unclaimRehash(old) // the next success tries again
		slog.WarnContext(ctx, "client secret not rehashed", "client_id", c.ID, "err", err)
	}
}

// basicCredentials reads the HTTP Basic credentials of r, if it has any.
// RFC 6749 §2.3.1 has the client id and secret form-url-encoded before they
// are joined and base64-encoded, so both are decoded after base64; a
// secret with '+' or '%' depends on it. Go's r.BasicAuth skips that step.
func basicCredentials(r *http.Request) (id, pass string, ok bool, err error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", "", false, nil
	}
	scheme, payload, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, oauthError(ErrInvalidClient,
			"The Authorization header must use the Basic scheme to authenticate the client.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", false, oauthError(ErrInvalidClient, "The Authorization header is not valid base64.")
	}
	encID, encPass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, oauthError(ErrInvalidClient, "The Basic credentials lack the ':' between client_id and client_secret.")
	}
	id, err1 := url.QueryUnescape(encID)
	pass, err2 := url.QueryUnescape(encPass)
	if err1 != nil || err2 != nil {
		return "", "", false, oauthError(ErrInvalidClient,
			"The Basic credentials are not form-url-encoded as RFC 6749 §2.3.1 requires.")
	}
	return id, pass, true, nil
}

// methodHow says how a client registered for method authenticates.
func methodHow(method string) string {
	if method == store.AuthSecretPost {
		return "with client_id and client_secret in the form body"
	}
	return "with HTTP Basic in the Authorization header"
}

// requestHow says how a request that proved the secret authenticated.
func requestHow(method string) string {
	if method == store.AuthSecretPost {
		return "sent client_secret in the body (client_secret_post)"
	}
	return "used HTTP Basic (client_secret_basic)"
}
