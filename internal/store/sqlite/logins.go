package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

const loginRequestColumns = `id, kind, browser_binding_hash, client_id, redirect_uri, scopes,
	state, nonce, code_challenge, code_challenge_method, requested_flow,
	app_callback_uri, final_redirect_is_app, mobile, locale, acr, market, login_hint,
	force_login, max_auth_age, resume_secret_hash, binding_message, notification_token, poll_interval,
	last_polled_at, qr_id, qr_description, phone_number,
	remember, challenge, challenge_options, status, error, error_description,
	session_id, auth_time, created_at, updated_at, expires_at`

// CreateLoginRequest stores a new login request; store.ErrExists if the id
// is taken.
func (s *Store) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	args, err := loginRequestArgs(r)
	if err == nil {
		_, err = s.db.ExecContext(ctx, `INSERT INTO login_requests (`+loginRequestColumns+`)
			VALUES (:id, :kind, :browser_binding_hash, :client_id, :redirect_uri, :scopes,
				:state, :nonce, :code_challenge, :code_challenge_method, :requested_flow,
				:app_callback_uri, :final_redirect_is_app, :mobile, :locale, :acr, :market, :login_hint,
				:force_login, :max_auth_age, :resume_secret_hash, :binding_message, :notification_token, :poll_interval,
				:last_polled_at, :qr_id, :qr_description, :phone_number,
				:remember, :challenge, :challenge_options, :status, :error, :error_description,
				:session_id, :auth_time, :created_at, :updated_at, :expires_at)`, args...)
	}
	if err != nil {
		return errorf("sqlite: create login request %q: %w", r.ID, created(err))
	}
	return nil
}

// GetLoginRequest returns the login request with the given id, expired or
// not, or store.ErrNotFound.
func (s *Store) GetLoginRequest(ctx context.Context, id string) (store.LoginRequest, error) {
	r, err := getLoginRequest(ctx, s.db, id)
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
	return s.UpdateLoginRequestNotify(ctx, id, func(r store.LoginRequest) (store.LoginRequest, *store.Webhook, error) {
		r, err := update(r)
		return r, nil, err
	})
}

// UpdateLoginRequestNotify is UpdateLoginRequest that also enqueues the
// event update returns, if any, in the same transaction: the approval of a
// QR login and the webhook that tells the client of it commit together.
func (s *Store) UpdateLoginRequestNotify(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, *store.Webhook, error)) (store.LoginRequest, error) {
	var (
		stored    store.LoginRequest
		updateErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getLoginRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		r, notify, err := update(old)
		if err != nil {
			updateErr = err
			return err
		}
		if r.ID != id {
			return fmt.Errorf("the update changed the id to %q", r.ID)
		}
		args, err := loginRequestArgs(r)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE login_requests SET
				kind = :kind, market = :market, login_hint = :login_hint,
				force_login = :force_login, max_auth_age = :max_auth_age,
				resume_secret_hash = :resume_secret_hash, binding_message = :binding_message,
				notification_token = :notification_token,
				poll_interval = :poll_interval, last_polled_at = :last_polled_at,
				qr_id = :qr_id, qr_description = :qr_description,
				browser_binding_hash = :browser_binding_hash, client_id = :client_id,
				redirect_uri = :redirect_uri, scopes = :scopes, state = :state, nonce = :nonce,
				code_challenge = :code_challenge, code_challenge_method = :code_challenge_method,
				requested_flow = :requested_flow, app_callback_uri = :app_callback_uri,
				final_redirect_is_app = :final_redirect_is_app, mobile = :mobile,
				locale = :locale, acr = :acr, phone_number = :phone_number,
				remember = :remember, challenge = :challenge,
				challenge_options = :challenge_options, status = :status, error = :error,
				error_description = :error_description, session_id = :session_id,
				auth_time = :auth_time, created_at = :created_at, updated_at = :updated_at,
				expires_at = :expires_at
				WHERE id = :id`, args...)
		}
		if err != nil {
			return err
		}
		if notify != nil {
			if err := enqueueWebhook(ctx, tx, *notify); err != nil {
				return err
			}
		}
		// Read it back so the caller gets exactly what a later Get returns.
		stored, err = getLoginRequest(ctx, tx, id)
		return err
	})
	switch {
	case updateErr != nil:
		return store.LoginRequest{}, updateErr
	case err != nil:
		return store.LoginRequest{}, errorf("sqlite: update login request %q: %w", id, err)
	}
	return stored, nil
}

// ListWaitingLoginRequests returns the user's requests in status
// store.LoginWaiting that expire after now, oldest first; requests made in
// the same microsecond are ordered by id.
func (s *Store) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+loginRequestColumns+` FROM login_requests
		WHERE phone_number = ? AND status = ? AND expires_at > ?
		ORDER BY created_at, id`, phoneNumber, store.LoginWaiting, micros(now))
	if err != nil {
		return nil, errorf("sqlite: list waiting login requests for %q: %w", phoneNumber, err)
	}
	defer rows.Close()
	rs := []store.LoginRequest{}
	for rows.Next() {
		r, err := scanLoginRequest(rows)
		if err != nil {
			return nil, errorf("sqlite: list waiting login requests for %q: %w", phoneNumber, err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errorf("sqlite: list waiting login requests for %q: %w", phoneNumber, err)
	}
	return rs, nil
}

func getLoginRequest(ctx context.Context, q queryer, id string) (store.LoginRequest, error) {
	r, err := scanLoginRequest(q.QueryRowContext(ctx, `SELECT `+loginRequestColumns+` FROM login_requests WHERE id = ?`, id))
	return r, notFound(err)
}

// loginRequestArgs is r as named arguments, one per column.
func loginRequestArgs(r store.LoginRequest) ([]any, error) {
	scopes, err1 := listJSON(r.Scopes)
	options, err2 := listJSON(r.ChallengeOptions)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return []any{
		sql.Named("id", r.ID),
		sql.Named("kind", r.Kind),
		sql.Named("market", r.Market),
		sql.Named("login_hint", r.LoginHint),
		sql.Named("force_login", r.ForceLogin),
		sql.Named("max_auth_age", int64(r.MaxAuthAge/time.Microsecond)),
		sql.Named("resume_secret_hash", r.ResumeSecretHash),
		sql.Named("binding_message", r.BindingMessage),
		sql.Named("notification_token", r.NotificationToken),
		sql.Named("poll_interval", int64(r.PollInterval/time.Microsecond)),
		sql.Named("last_polled_at", micros(r.LastPolledAt)),
		sql.Named("qr_id", r.QRID),
		sql.Named("qr_description", r.QRDescription),
		sql.Named("browser_binding_hash", r.BrowserBindingHash),
		sql.Named("client_id", r.ClientID),
		sql.Named("redirect_uri", r.RedirectURI),
		sql.Named("scopes", scopes),
		sql.Named("state", r.State),
		sql.Named("nonce", r.Nonce),
		sql.Named("code_challenge", r.CodeChallenge),
		sql.Named("code_challenge_method", r.CodeChallengeMethod),
		sql.Named("requested_flow", r.RequestedFlow),
		sql.Named("app_callback_uri", r.AppCallbackURI),
		sql.Named("final_redirect_is_app", r.FinalRedirectIsApp),
		sql.Named("mobile", r.Mobile),
		sql.Named("locale", r.Locale),
		sql.Named("acr", r.ACR),
		sql.Named("phone_number", r.PhoneNumber),
		sql.Named("remember", r.Remember),
		sql.Named("challenge", r.Challenge),
		sql.Named("challenge_options", options),
		sql.Named("status", r.Status),
		sql.Named("error", r.Error),
		sql.Named("error_description", r.ErrorDescription),
		sql.Named("session_id", r.SessionID),
		sql.Named("auth_time", micros(r.AuthTime)),
		sql.Named("created_at", micros(r.CreatedAt)),
		sql.Named("updated_at", micros(r.UpdatedAt)),
		sql.Named("expires_at", micros(r.ExpiresAt)),
	}, nil
}

// scanLoginRequest reads one row of loginRequestColumns.
func scanLoginRequest(row scanner) (store.LoginRequest, error) {
	var (
		r                                         store.LoginRequest
		scopes, options                           string
		authTime, createdAt, updatedAt, expiresAt int64
		maxAuthAge, pollInterval, lastPolledAt    int64
	)
	err := row.Scan(&r.ID, &r.Kind, &r.BrowserBindingHash, &r.ClientID, &r.RedirectURI, &scopes,
		&r.State, &r.Nonce, &r.CodeChallenge, &r.CodeChallengeMethod, &r.RequestedFlow,
		&r.AppCallbackURI, &r.FinalRedirectIsApp, &r.Mobile, &r.Locale, &r.ACR, &r.Market, &r.LoginHint,
		&r.ForceLogin, &maxAuthAge, &r.ResumeSecretHash, &r.BindingMessage, &r.NotificationToken, &pollInterval,
		&lastPolledAt, &r.QRID, &r.QRDescription, &r.PhoneNumber,
		&r.Remember, &r.Challenge, &options, &r.Status, &r.Error, &r.ErrorDescription,
		&r.SessionID, &authTime, &createdAt, &updatedAt, &expiresAt)
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
	r.MaxAuthAge = time.Duration(maxAuthAge) * time.Microsecond
	r.PollInterval = time.Duration(pollInterval) * time.Microsecond
	r.LastPolledAt = fromMicros(lastPolledAt)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = fromMicros(createdAt), fromMicros(updatedAt), fromMicros(expiresAt)
	return r, nil
}
