package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// loginRequestColumns lists id last: one list of arguments
// (loginRequestArgs) serves the INSERT and updateChanged, which needs the
// key last.
const loginRequestColumns = `kind, browser_binding_hash, client_id, redirect_uri, scopes,
	state, nonce, code_challenge, code_challenge_method, requested_flow,
	app_callback_uri, final_redirect_is_app, mobile, locale, acr, market, login_hint,
	force_login, max_auth_age, resume_secret_hash, binding_message, notification_token, poll_interval,
	last_polled_at, qr_id, qr_description, phone_number,
	remember, challenge, challenge_options, status, error, error_description,
	session_id, auth_time, created_at, updated_at, expires_at, id`

var (
	insertLoginRequest      = `INSERT INTO login_requests (` + loginRequestColumns + `) VALUES (` + placeholders(loginRequestColumns) + `)`
	loginRequestColumnNames = columnNames(loginRequestColumns)
	getLoginRequestSQL      = `SELECT ` + loginRequestColumns + ` FROM login_requests WHERE id = ?`
)

// CreateLoginRequest stores a new login request; store.ErrExists if the id
// is taken.
func (s *Store) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	args, _, err := loginRequestArgs(r)
	if err == nil {
		err = s.write(ctx, func(tx *wtx) error {
			_, err := tx.exec(insertLoginRequest, args...)
			return err
		})
	}
	if err != nil {
		return errorf("sqlite: create login request %q: %w", r.ID, created(err))
	}
	return nil
}

// GetLoginRequest returns the login request with the given id, expired or
// not, or store.ErrNotFound.
func (s *Store) GetLoginRequest(ctx context.Context, id string) (store.LoginRequest, error) {
	r, err := getLoginRequest(s.read(ctx), id)
	if err != nil {
		return store.LoginRequest{}, errorf("sqlite: get login request %q: %w", id, err)
	}
	return r, nil
}

// UpdateLoginRequest reads the request, hands it to update and stores the
// result, all in one transaction: the browser and the app move one login
// along at the same time, and neither may undo the other's step. An error
// from update is returned as is and nothing is written.
func (s *Store) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	return s.UpdateLoginRequestWith(ctx, id, func(r store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		r, err := update(r)
		return r, store.Effects{}, err
	})
}

// UpdateLoginRequestWith is UpdateLoginRequest that also writes the effects
// update returns in the same write job: the step that ends a login and the
// code it issues, the consent it keeps and the event it owes commit
// together or not at all.
func (s *Store) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (store.LoginRequest, error) {
	var (
		stored    store.LoginRequest
		updateErr error
	)
	err := s.write(ctx, func(tx *wtx) error {
		old, err := getLoginRequest(tx, id)
		if err != nil {
			return err
		}
		r, effects, err := update(old)
		if err != nil {
			updateErr = err
			return err
		}
		if r.ID != id {
			return fmt.Errorf("the update changed the id to %q", r.ID)
		}
		oldArgs, _, err := loginRequestArgs(old)
		if err != nil {
			return err
		}
		var args []any
		if args, stored, err = loginRequestArgs(r); err != nil {
			return err
		}
		if err := updateChanged(tx, "login_requests", loginRequestColumnNames, oldArgs, args); err != nil {
			return err
		}
		return writeEffects(tx, effects)
	})
	switch {
	case updateErr != nil:
		return store.LoginRequest{}, updateErr
	case err != nil:
		return store.LoginRequest{}, errorf("sqlite: update login request %q: %w", id, err)
	}
	return stored, nil
}

// writeEffects writes each effect that is set, in tx.
func writeEffects(tx *wtx, e store.Effects) error {
	if e.Webhook != nil {
		if err := enqueueWebhook(tx, *e.Webhook); err != nil {
			return err
		}
	}
	if e.Consent != nil {
		if err := widenConsent(tx, *e.Consent); err != nil {
			return err
		}
	}
	if e.AuthCode != nil {
		if err := insertAuthCode(tx, *e.AuthCode); err != nil {
			return err
		}
	}
	if e.AccessToken != nil {
		return insertAccessToken(tx, *e.AccessToken)
	}
	return nil
}

// ListWaitingLoginRequests returns the user's requests in status
// store.LoginWaiting that expire after now, oldest first; requests made in
// the same microsecond are ordered by id.
func (s *Store) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	rs, err := list(s.read(ctx), scanLoginRequest, `SELECT `+loginRequestColumns+` FROM login_requests
		WHERE phone_number = ? AND status = ? AND expires_at > ?
		ORDER BY created_at, id`, phoneNumber, store.LoginWaiting, micros(now))
	if err != nil {
		return nil, errorf("sqlite: list waiting login requests for %q: %w", phoneNumber, err)
	}
	return rs, nil
}

func getLoginRequest(q querier, id string) (store.LoginRequest, error) {
	r, err := scanLoginRequest(q.queryRow(getLoginRequestSQL, id))
	return r, notFound(err)
}

// loginRequestArgs is r as arguments, one per column of
// loginRequestColumns, and r as it reads back from them.
func loginRequestArgs(r store.LoginRequest) ([]any, store.LoginRequest, error) {
	scopes, err1 := listJSON(r.Scopes)
	options, err2 := listJSON(r.ChallengeOptions)
	if err := errors.Join(err1, err2); err != nil {
		return nil, store.LoginRequest{}, err
	}
	args := make([]any, 0, 39)
	args = append(args, r.Kind, r.BrowserBindingHash, r.ClientID, r.RedirectURI, scopes,
		r.State, r.Nonce, r.CodeChallenge, r.CodeChallengeMethod, r.RequestedFlow,
		r.AppCallbackURI, r.FinalRedirectIsApp, r.Mobile, r.Locale, r.ACR, r.Market, r.LoginHint,
		r.ForceLogin, durationMicros(r.MaxAuthAge), r.ResumeSecretHash, r.BindingMessage, r.NotificationToken, durationMicros(r.PollInterval),
		micros(r.LastPolledAt), r.QRID, r.QRDescription, r.PhoneNumber,
		r.Remember, r.Challenge, options, r.Status, r.Error, r.ErrorDescription,
		r.SessionID, micros(r.AuthTime), micros(r.CreatedAt), micros(r.UpdatedAt), micros(r.ExpiresAt), r.ID)
	var err error
	r.Scopes, err1 = fromListJSON[string]("scopes", scopes)
	r.ChallengeOptions, err2 = fromListJSON[string]("challenge_options", options)
	if err = errors.Join(err1, err2); err != nil {
		return nil, store.LoginRequest{}, err
	}
	r.MaxAuthAge, r.PollInterval = fromDurationMicros(durationMicros(r.MaxAuthAge)), fromDurationMicros(durationMicros(r.PollInterval))
	r.LastPolledAt, r.AuthTime = storedTime(r.LastPolledAt), storedTime(r.AuthTime)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = storedTime(r.CreatedAt), storedTime(r.UpdatedAt), storedTime(r.ExpiresAt)
	return args, r, nil
}

// scanLoginRequest reads one row of loginRequestColumns.
func scanLoginRequest(row scanner) (store.LoginRequest, error) {
	var (
		r                                         store.LoginRequest
		scopes, options                           string
		authTime, createdAt, updatedAt, expiresAt int64
		maxAuthAge, pollInterval, lastPolledAt    int64
	)
	err := row.Scan(&r.Kind, &r.BrowserBindingHash, &r.ClientID, &r.RedirectURI, &scopes,
		&r.State, &r.Nonce, &r.CodeChallenge, &r.CodeChallengeMethod, &r.RequestedFlow,
		&r.AppCallbackURI, &r.FinalRedirectIsApp, &r.Mobile, &r.Locale, &r.ACR, &r.Market, &r.LoginHint,
		&r.ForceLogin, &maxAuthAge, &r.ResumeSecretHash, &r.BindingMessage, &r.NotificationToken, &pollInterval,
		&lastPolledAt, &r.QRID, &r.QRDescription, &r.PhoneNumber,
		&r.Remember, &r.Challenge, &options, &r.Status, &r.Error, &r.ErrorDescription,
		&r.SessionID, &authTime, &createdAt, &updatedAt, &expiresAt, &r.ID)
	if err != nil {
		return store.LoginRequest{}, err
	}
	var err1, err2 error
	r.Scopes, err1 = fromListJSON[string]("scopes", scopes)
	r.ChallengeOptions, err2 = fromListJSON[string]("challenge_options", options)
	if err := errors.Join(err1, err2); err != nil {
		return store.LoginRequest{}, err
	}
	r.AuthTime = fromMicros(authTime)
	r.MaxAuthAge, r.PollInterval = fromDurationMicros(maxAuthAge), fromDurationMicros(pollInterval)
	r.LastPolledAt = fromMicros(lastPolledAt)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = fromMicros(createdAt), fromMicros(updatedAt), fromMicros(expiresAt)
	return r, nil
}
