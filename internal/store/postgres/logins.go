package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
// is taken, or if it would be the user's second waiting CIBA request.
func (s *Store) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	args, err := loginRequestArgs(r)
	if err == nil {
		_, err = s.pool.Exec(ctx, insertLoginRequest.sql, insertLoginRequest.args(args)...)
	}
	if err != nil {
		return fmt.Errorf("postgres: create login request %q: %w", r.ID, mapErr(err))
	}
	return nil
}

// GetLoginRequest returns the login request with the given id, expired or
// not, or store.ErrNotFound.
func (s *Store) GetLoginRequest(ctx context.Context, id string) (store.LoginRequest, error) {
	r, err := scanLoginRequest(s.pool.QueryRow(ctx, getLoginRequestSQL, id))
	if err != nil {
		return store.LoginRequest{}, fmt.Errorf("postgres: get login request %q: %w", id, mapErr(err))
	}
	return r, nil
}

// UpdateLoginRequest reads the request, hands it to update and stores the
// result, all in one transaction that holds the row lock from the read on:
// the browser and the app move one login along at the same time, often
// through different replicas, and neither may undo the other's step. An
// error from update is returned as is and nothing is written.
func (s *Store) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	return s.UpdateLoginRequestWith(ctx, id, func(r store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		r, err := update(r)
		return r, store.Effects{}, err
	})
}

// UpdateLoginRequestWith is UpdateLoginRequest that also writes the effects
// update returns in the same transaction, in the batch that carries the
// UPDATE and COMMIT: the step that ends a login and the code it issues, the
// consent it keeps and the event it owes commit together or not at all,
// still in two round trips.
func (s *Store) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (store.LoginRequest, error) {
	var (
		stored    store.LoginRequest
		updateErr error
	)
	var old store.LoginRequest
	err := s.readModifyWrite(ctx, getLoginRequestSQL+` FOR UPDATE`, id,
		func(row pgx.Row) (err error) {
			old, err = scanLoginRequest(row)
			return err
		},
		func(b *pgx.Batch) error {
			r, effects, err := update(old)
			if err != nil {
				updateErr = err
				return err
			}
			if r.ID != id {
				return fmt.Errorf("the update changed the id to %q", r.ID)
			}
			args, err := loginRequestArgs(r)
			if err != nil {
				return err
			}
			// RETURNING hands back exactly what a later Get returns.
			b.Queue(updateLoginRequest.sql, updateLoginRequest.args(args)...).QueryRow(func(row pgx.Row) (err error) {
				stored, err = scanLoginRequest(row)
				return err
			})
			return queueEffects(b, effects)
		})
	switch {
	case updateErr != nil:
		return store.LoginRequest{}, updateErr
	case err != nil:
		return store.LoginRequest{}, fmt.Errorf("postgres: update login request %q: %w", id, mapErr(err))
	}
	return stored, nil
}

// queueEffects queues the INSERT of each effect that is set in b, to commit
// with the update that returned them.
func queueEffects(b *pgx.Batch, e store.Effects) error {
	if e.Webhook != nil {
		queueWebhook(b, *e.Webhook)
	}
	if e.Consent != nil {
		args, err := consentArgs(*e.Consent)
		if err != nil {
			return err
		}
		b.Queue(widenConsentSQL, args...)
	}
	if e.AuthCode != nil {
		args, err := authCodeArgs(*e.AuthCode)
		if err != nil {
			return err
		}
		b.Queue(insertAuthCodeSQL, args...)
	}
	if e.AccessToken != nil {
		args, err := accessTokenArgs(*e.AccessToken)
		if err != nil {
			return err
		}
		b.Queue(insertAccessTokenSQL, args...)
	}
	return nil
}

// ListWaitingLoginRequests returns the user's requests in status
// store.LoginWaiting that expire after now, oldest first; requests made in
// the same microsecond are ordered by id.
func (s *Store) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+loginRequestColumns+` FROM login_requests
		WHERE phone_number = $1 AND status = $2 AND expires_at > $3
		ORDER BY created_at, id COLLATE "C"`, phoneNumber, store.LoginWaiting, ts(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: list waiting login requests for %q: %w", phoneNumber, mapErr(err))
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.LoginRequest, error) { return scanLoginRequest(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list waiting login requests for %q: %w", phoneNumber, mapErr(err))
	}
	return orEmpty(rs), nil
}

// getLoginRequestSQL reads one request by id.
const getLoginRequestSQL = `SELECT ` + loginRequestColumns + ` FROM login_requests WHERE id = $1`

// The statements that write every column, compiled once (see namedSQL).
var (
	insertLoginRequest = compileNamed(`INSERT INTO login_requests (`+loginRequestColumns+`)
		VALUES (@id, @kind, @browser_binding_hash, @client_id, @redirect_uri, @scopes,
			@state, @nonce, @code_challenge, @code_challenge_method, @requested_flow,
			@app_callback_uri, @final_redirect_is_app, @mobile, @locale, @acr, @market, @login_hint,
			@force_login, @max_auth_age, @resume_secret_hash, @binding_message, @notification_token, @poll_interval,
			@last_polled_at, @qr_id, @qr_description, @phone_number,
			@remember, @challenge, @challenge_options, @status, @error, @error_description,
			@session_id, @auth_time, @created_at, @updated_at, @expires_at)`, loginRequestArgs)
	// updateLoginRequest returns what it stored.
	updateLoginRequest = compileNamed(`UPDATE login_requests SET
		kind = @kind, market = @market, login_hint = @login_hint,
		force_login = @force_login, max_auth_age = @max_auth_age,
		resume_secret_hash = @resume_secret_hash, binding_message = @binding_message,
		notification_token = @notification_token,
		poll_interval = @poll_interval, last_polled_at = @last_polled_at,
		qr_id = @qr_id, qr_description = @qr_description,
		browser_binding_hash = @browser_binding_hash, client_id = @client_id,
		redirect_uri = @redirect_uri, scopes = @scopes, state = @state, nonce = @nonce,
		code_challenge = @code_challenge, code_challenge_method = @code_challenge_method,
		requested_flow = @requested_flow, app_callback_uri = @app_callback_uri,
		final_redirect_is_app = @final_redirect_is_app, mobile = @mobile,
		locale = @locale, acr = @acr, phone_number = @phone_number,
		remember = @remember, challenge = @challenge,
		challenge_options = @challenge_options, status = @status, error = @error,
		error_description = @error_description, session_id = @session_id,
		auth_time = @auth_time, created_at = @created_at, updated_at = @updated_at,
		expires_at = @expires_at
		WHERE id = @id RETURNING `+loginRequestColumns, loginRequestArgs)
)

// loginRequestArgs is r as named arguments, one per column.
func loginRequestArgs(r store.LoginRequest) (pgx.NamedArgs, error) {
	scopes, err1 := listJSON(r.Scopes)
	options, err2 := listJSON(r.ChallengeOptions)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return pgx.NamedArgs{
		"id":                    r.ID,
		"kind":                  r.Kind,
		"market":                r.Market,
		"login_hint":            r.LoginHint,
		"force_login":           r.ForceLogin,
		"max_auth_age":          micros(r.MaxAuthAge),
		"resume_secret_hash":    r.ResumeSecretHash,
		"binding_message":       r.BindingMessage,
		"notification_token":    r.NotificationToken,
		"poll_interval":         micros(r.PollInterval),
		"last_polled_at":        nullTS(r.LastPolledAt),
		"qr_id":                 r.QRID,
		"qr_description":        r.QRDescription,
		"browser_binding_hash":  r.BrowserBindingHash,
		"client_id":             r.ClientID,
		"redirect_uri":          r.RedirectURI,
		"scopes":                scopes,
		"state":                 r.State,
		"nonce":                 r.Nonce,
		"code_challenge":        r.CodeChallenge,
		"code_challenge_method": r.CodeChallengeMethod,
		"requested_flow":        r.RequestedFlow,
		"app_callback_uri":      r.AppCallbackURI,
		"final_redirect_is_app": r.FinalRedirectIsApp,
		"mobile":                r.Mobile,
		"locale":                r.Locale,
		"acr":                   r.ACR,
		"phone_number":          r.PhoneNumber,
		"remember":              r.Remember,
		"challenge":             r.Challenge,
		"challenge_options":     options,
		"status":                r.Status,
		"error":                 r.Error,
		"error_description":     r.ErrorDescription,
		"session_id":            r.SessionID,
		"auth_time":             nullTS(r.AuthTime),
		"created_at":            ts(r.CreatedAt),
		"updated_at":            ts(r.UpdatedAt),
		"expires_at":            ts(r.ExpiresAt),
	}, nil
}

// scanLoginRequest reads one row of loginRequestColumns.
func scanLoginRequest(row pgx.Row) (store.LoginRequest, error) {
	var (
		r                        store.LoginRequest
		scopes, options          []byte
		maxAuthAge, pollInterval int64
		lastPolledAt, authTime   pgtype.Timestamptz
	)
	err := row.Scan(&r.ID, &r.Kind, &r.BrowserBindingHash, &r.ClientID, &r.RedirectURI, &scopes,
		&r.State, &r.Nonce, &r.CodeChallenge, &r.CodeChallengeMethod, &r.RequestedFlow,
		&r.AppCallbackURI, &r.FinalRedirectIsApp, &r.Mobile, &r.Locale, &r.ACR, &r.Market, &r.LoginHint,
		&r.ForceLogin, &maxAuthAge, &r.ResumeSecretHash, &r.BindingMessage, &r.NotificationToken, &pollInterval,
		&lastPolledAt, &r.QRID, &r.QRDescription, &r.PhoneNumber,
		&r.Remember, &r.Challenge, &options, &r.Status, &r.Error, &r.ErrorDescription,
		&r.SessionID, &authTime, &r.CreatedAt, &r.UpdatedAt, &r.ExpiresAt)
	if err != nil {
		return store.LoginRequest{}, err
	}
	var err1, err2 error
	r.Scopes, err1 = fromListJSON[string]("scopes", scopes)
	r.ChallengeOptions, err2 = fromListJSON[string]("challenge_options", options)
	if err := errors.Join(err1, err2); err != nil {
		return store.LoginRequest{}, err
	}
	r.MaxAuthAge, r.PollInterval = fromMicros(maxAuthAge), fromMicros(pollInterval)
	r.LastPolledAt, r.AuthTime = fromNullTS(lastPolledAt), fromNullTS(authTime)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = fromTS(r.CreatedAt), fromTS(r.UpdatedAt), fromTS(r.ExpiresAt)
	return r, nil
}
