package metrics

import (
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Store wraps st so that every call is timed by operation
// (vippslogin_store_duration_seconds), and the login requests and webhook
// attempts written through it are counted. Every flow's life cycle passes
// through the store (DESIGN §4), so this is the one place a login's start
// and end are seen, whichever package made the change.
func (m *Metrics) Store(st store.Store) store.Store {
	return &timedStore{st: st, m: m}
}

type timedStore struct {
	st store.Store
	m  *Metrics
}

var _ store.Store = (*timedStore)(nil)

// since records the duration of op begun at start: defer t.since("Op", time.Now()).
func (t *timedStore) since(op string, start time.Time) {
	t.m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// loginChanged counts what a committed change of a login request from
// before to after means. Each event is a one-way step of the life cycle, so
// a login counts at most once as completed and once as failed.
func (m *Metrics) loginChanged(before, after store.LoginRequest) {
	flow := flowOf(after.Kind)
	if before.Error == "" && after.Error != "" {
		m.loginsFailed.WithLabelValues(flow, after.Error).Inc()
	}
	if before.Status != store.LoginDone && after.Status == store.LoginDone && after.Error == "" {
		m.loginsCompleted.WithLabelValues(flow).Inc()
	}
}

// watched is what an update closure's last run changed: the run that was
// committed, when the update succeeds (a backend may run it again after a
// conflict).
type watched struct {
	before, after store.LoginRequest
	ran           bool
}

func (w *watched) saw(before, after store.LoginRequest) {
	w.before, w.after, w.ran = before, after, true
}

func (t *timedStore) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	defer t.since("CreateLoginRequest", time.Now())
	err := t.st.CreateLoginRequest(ctx, r)
	if err == nil {
		t.m.loginsStarted.WithLabelValues(flowOf(r.Kind)).Inc()
	}
	return err
}

func (t *timedStore) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	defer t.since("UpdateLoginRequest", time.Now())
	var w watched
	lr, err := t.st.UpdateLoginRequest(ctx, id, func(old store.LoginRequest) (store.LoginRequest, error) {
		n, err := update(old)
		w.saw(old, n)
		return n, err
	})
	if err == nil && w.ran {
		t.m.loginChanged(w.before, w.after)
	}
	return lr, err
}

func (t *timedStore) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (store.LoginRequest, error) {
	defer t.since("UpdateLoginRequestWith", time.Now())
	var w watched
	lr, err := t.st.UpdateLoginRequestWith(ctx, id, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		n, e, err := update(old)
		w.saw(old, n)
		return n, e, err
	})
	if err == nil && w.ran {
		t.m.loginChanged(w.before, w.after)
	}
	return lr, err
}

func (t *timedStore) FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (int, error) {
	defer t.since("FailExpiredLoginRequests", time.Now())
	n, err := t.st.FailExpiredLoginRequests(ctx, phoneNumber, kind, now)
	if err == nil && n > 0 {
		// The store ends them with expired_token (store.Store's contract).
		t.m.loginsFailed.WithLabelValues(flowOf(kind), "expired_token").Add(float64(n))
	}
	return n, err
}

func (t *timedStore) RecordWebhookAttempt(ctx context.Context, id string, a store.WebhookAttempt) error {
	defer t.since("RecordWebhookAttempt", time.Now())
	err := t.st.RecordWebhookAttempt(ctx, id, a)
	if err == nil {
		result := "failed"
		if a.Delivered {
			result = "delivered"
		}
		t.m.webhookAttempts.WithLabelValues(result).Inc()
	}
	return err
}

// The rest only time the call.

func (t *timedStore) Ping(ctx context.Context) error {
	defer t.since("Ping", time.Now())
	return t.st.Ping(ctx)
}

func (t *timedStore) Close() error { return t.st.Close() }

func (t *timedStore) CreateClient(ctx context.Context, c store.Client) error {
	defer t.since("CreateClient", time.Now())
	return t.st.CreateClient(ctx, c)
}

func (t *timedStore) GetClient(ctx context.Context, id string) (store.Client, error) {
	defer t.since("GetClient", time.Now())
	return t.st.GetClient(ctx, id)
}

func (t *timedStore) ListClients(ctx context.Context) ([]store.Client, error) {
	defer t.since("ListClients", time.Now())
	return t.st.ListClients(ctx)
}

func (t *timedStore) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (store.Client, error) {
	defer t.since("UpdateClient", time.Now())
	return t.st.UpdateClient(ctx, id, update)
}

func (t *timedStore) DeleteClient(ctx context.Context, id string) error {
	defer t.since("DeleteClient", time.Now())
	return t.st.DeleteClient(ctx, id)
}

func (t *timedStore) CreateUser(ctx context.Context, u store.User) error {
	defer t.since("CreateUser", time.Now())
	return t.st.CreateUser(ctx, u)
}

func (t *timedStore) CreateUsers(ctx context.Context, users []store.User) error {
	defer t.since("CreateUsers", time.Now())
	return t.st.CreateUsers(ctx, users)
}

func (t *timedStore) GetUser(ctx context.Context, phoneNumber string) (store.User, error) {
	defer t.since("GetUser", time.Now())
	return t.st.GetUser(ctx, phoneNumber)
}

func (t *timedStore) ListUsers(ctx context.Context) ([]store.User, error) {
	defer t.since("ListUsers", time.Now())
	return t.st.ListUsers(ctx)
}

func (t *timedStore) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (store.User, error) {
	defer t.since("UpdateUser", time.Now())
	return t.st.UpdateUser(ctx, phoneNumber, update)
}

func (t *timedStore) DeleteUser(ctx context.Context, phoneNumber string) error {
	defer t.since("DeleteUser", time.Now())
	return t.st.DeleteUser(ctx, phoneNumber)
}

func (t *timedStore) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	defer t.since("CreateSigningKey", time.Now())
	return t.st.CreateSigningKey(ctx, k)
}

func (t *timedStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	defer t.since("ListSigningKeys", time.Now())
	return t.st.ListSigningKeys(ctx)
}

func (t *timedStore) CreateAppSession(ctx context.Context, s store.AppSession) error {
	defer t.since("CreateAppSession", time.Now())
	return t.st.CreateAppSession(ctx, s)
}

func (t *timedStore) GetAppSession(ctx context.Context, tokenHash string) (store.AppSession, error) {
	defer t.since("GetAppSession", time.Now())
	return t.st.GetAppSession(ctx, tokenHash)
}

func (t *timedStore) DeleteAppSession(ctx context.Context, tokenHash string) error {
	defer t.since("DeleteAppSession", time.Now())
	return t.st.DeleteAppSession(ctx, tokenHash)
}

func (t *timedStore) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	defer t.since("DeleteExpired", time.Now())
	return t.st.DeleteExpired(ctx, before)
}

func (t *timedStore) GetLoginRequest(ctx context.Context, id string) (store.LoginRequest, error) {
	defer t.since("GetLoginRequest", time.Now())
	return t.st.GetLoginRequest(ctx, id)
}

func (t *timedStore) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	defer t.since("ListWaitingLoginRequests", time.Now())
	return t.st.ListWaitingLoginRequests(ctx, phoneNumber, now)
}

func (t *timedStore) CreateBrowserSession(ctx context.Context, s store.BrowserSession) error {
	defer t.since("CreateBrowserSession", time.Now())
	return t.st.CreateBrowserSession(ctx, s)
}

func (t *timedStore) GetBrowserSessionByToken(ctx context.Context, tokenHash string) (store.BrowserSession, error) {
	defer t.since("GetBrowserSessionByToken", time.Now())
	return t.st.GetBrowserSessionByToken(ctx, tokenHash)
}

func (t *timedStore) ListBrowserSessions(ctx context.Context, phoneNumber string) ([]store.BrowserSession, error) {
	defer t.since("ListBrowserSessions", time.Now())
	return t.st.ListBrowserSessions(ctx, phoneNumber)
}

func (t *timedStore) DeleteBrowserSession(ctx context.Context, phoneNumber, id string) error {
	defer t.since("DeleteBrowserSession", time.Now())
	return t.st.DeleteBrowserSession(ctx, phoneNumber, id)
}

func (t *timedStore) EndBrowserSession(ctx context.Context, id string) error {
	defer t.since("EndBrowserSession", time.Now())
	return t.st.EndBrowserSession(ctx, id)
}

func (t *timedStore) SaveConsent(ctx context.Context, c store.Consent) error {
	defer t.since("SaveConsent", time.Now())
	return t.st.SaveConsent(ctx, c)
}

func (t *timedStore) GetConsent(ctx context.Context, phoneNumber, clientID string) (store.Consent, error) {
	defer t.since("GetConsent", time.Now())
	return t.st.GetConsent(ctx, phoneNumber, clientID)
}

func (t *timedStore) ListConsents(ctx context.Context, phoneNumber string) ([]store.Consent, error) {
	defer t.since("ListConsents", time.Now())
	return t.st.ListConsents(ctx, phoneNumber)
}

func (t *timedStore) DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *store.Webhook) error {
	defer t.since("DeleteConsent", time.Now())
	return t.st.DeleteConsent(ctx, phoneNumber, clientID, notify)
}

func (t *timedStore) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	defer t.since("CreateAuthCode", time.Now())
	return t.st.CreateAuthCode(ctx, c)
}

func (t *timedStore) GetAuthCode(ctx context.Context, hash string) (store.AuthCode, error) {
	defer t.since("GetAuthCode", time.Now())
	return t.st.GetAuthCode(ctx, hash)
}

func (t *timedStore) RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue store.AccessToken) (store.AuthCode, error) {
	defer t.since("RedeemAuthCode", time.Now())
	return t.st.RedeemAuthCode(ctx, hash, now, issue)
}

func (t *timedStore) CreateAccessToken(ctx context.Context, tok store.AccessToken) error {
	defer t.since("CreateAccessToken", time.Now())
	return t.st.CreateAccessToken(ctx, tok)
}

func (t *timedStore) GetAccessToken(ctx context.Context, hash string) (store.AccessToken, error) {
	defer t.since("GetAccessToken", time.Now())
	return t.st.GetAccessToken(ctx, hash)
}

func (t *timedStore) RevokeAccessToken(ctx context.Context, hash string, now time.Time) error {
	defer t.since("RevokeAccessToken", time.Now())
	return t.st.RevokeAccessToken(ctx, hash, now)
}

func (t *timedStore) RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (int, error) {
	defer t.since("RevokeAccessTokensByCode", time.Now())
	return t.st.RevokeAccessTokensByCode(ctx, codeHash, now)
}

func (t *timedStore) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	defer t.since("PairwiseSubject", time.Now())
	return t.st.PairwiseSubject(ctx, phoneNumber, clientID, candidate)
}

func (t *timedStore) EnqueueWebhook(ctx context.Context, w store.Webhook) error {
	defer t.since("EnqueueWebhook", time.Now())
	return t.st.EnqueueWebhook(ctx, w)
}

func (t *timedStore) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	defer t.since("ClaimWebhooks", time.Now())
	return t.st.ClaimWebhooks(ctx, now, lease, limit)
}

func (t *timedStore) ListWebhooks(ctx context.Context, clientID string, limit int) ([]store.Webhook, error) {
	defer t.since("ListWebhooks", time.Now())
	return t.st.ListWebhooks(ctx, clientID, limit)
}

func (t *timedStore) CreateQRCode(ctx context.Context, q store.QRCode) error {
	defer t.since("CreateQRCode", time.Now())
	return t.st.CreateQRCode(ctx, q)
}

func (t *timedStore) GetQRCode(ctx context.Context, id string) (store.QRCode, error) {
	defer t.since("GetQRCode", time.Now())
	return t.st.GetQRCode(ctx, id)
}

func (t *timedStore) ListQRCodes(ctx context.Context, clientID string) ([]store.QRCode, error) {
	defer t.since("ListQRCodes", time.Now())
	return t.st.ListQRCodes(ctx, clientID)
}

func (t *timedStore) DeleteQRCode(ctx context.Context, clientID, id string) error {
	defer t.since("DeleteQRCode", time.Now())
	return t.st.DeleteQRCode(ctx, clientID, id)
}

func (t *timedStore) CountHit(ctx context.Context, key string, windowStart time.Time) (int, error) {
	defer t.since("CountHit", time.Now())
	return t.st.CountHit(ctx, key, windowStart)
}

func (t *timedStore) GetClientAuthFailures(ctx context.Context, clientID string) (store.ClientAuthFailures, error) {
	defer t.since("GetClientAuthFailures", time.Now())
	return t.st.GetClientAuthFailures(ctx, clientID)
}

func (t *timedStore) UpdateClientAuthFailures(ctx context.Context, clientID string, update func(store.ClientAuthFailures) (store.ClientAuthFailures, error)) (store.ClientAuthFailures, error) {
	defer t.since("UpdateClientAuthFailures", time.Now())
	return t.st.UpdateClientAuthFailures(ctx, clientID, update)
}

func (t *timedStore) Backlog(ctx context.Context, now time.Time) (store.Backlog, error) {
	defer t.since("Backlog", time.Now())
	return t.st.Backlog(ctx, now)
}
