package oidc

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// countingStore is a probe around a real store: every call goes through to
// it unchanged and is recorded by method name, so that a test can say how
// many store calls, and how many write transactions, a request makes. It is
// not a mock: the answers are the real store's.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	calls []string
}

// writeMethods are the store methods that take the write lock: every one
// that may change a row, whether or not it ends up changing one (an Update
// whose closure refuses still holds the write transaction while it reads).
var writeMethods = map[string]bool{
	"CreateClient": true, "UpdateClient": true, "DeleteClient": true,
	"CreateUser": true, "CreateUsers": true, "UpdateUser": true, "DeleteUser": true,
	"CreateSigningKey": true, "CreateAppSession": true, "DeleteAppSession": true, "DeleteExpired": true,
	"CreateLoginRequest": true, "UpdateLoginRequest": true, "UpdateLoginRequestWith": true,
	"FailExpiredLoginRequests": true, "CreateBrowserSession": true, "DeleteBrowserSession": true,
	"EndBrowserSession": true, "SaveConsent": true, "DeleteConsent": true, "CreateAuthCode": true,
	"RedeemAuthCode": true, "CreateAccessToken": true, "RevokeAccessToken": true,
	"RevokeAccessTokensByCode": true, "PairwiseSubject": true, "EnqueueWebhook": true,
	"ClaimWebhooks": true, "RecordWebhookAttempt": true, "CreateQRCode": true, "DeleteQRCode": true,
	"CountHit": true, "UpdateClientAuthFailures": true,
}

func (c *countingStore) hit(method string) {
	c.mu.Lock()
	c.calls = append(c.calls, method)
	c.mu.Unlock()
}

// take returns the calls recorded since the last take, and forgets them.
func (c *countingStore) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

// storeCalls is what one request did to the store.
type storeCalls struct {
	Calls, Writes int
	Methods       []string
}

func countCalls(methods []string) storeCalls {
	sc := storeCalls{Calls: len(methods), Methods: methods}
	for _, m := range methods {
		if writeMethods[m] {
			sc.Writes++
		}
	}
	return sc
}

func (sc storeCalls) String() string {
	var b strings.Builder
	for i, m := range sc.Methods {
		if i > 0 {
			b.WriteString(", ")
		}
		if writeMethods[m] {
			b.WriteString("W:")
		}
		b.WriteString(m)
	}
	return b.String()
}

func (c *countingStore) CreateClient(ctx context.Context, cl store.Client) error {
	c.hit("CreateClient")
	return c.Store.CreateClient(ctx, cl)
}

func (c *countingStore) GetClient(ctx context.Context, id string) (store.Client, error) {
	c.hit("GetClient")
	return c.Store.GetClient(ctx, id)
}

func (c *countingStore) ListClients(ctx context.Context) ([]store.Client, error) {
	c.hit("ListClients")
	return c.Store.ListClients(ctx)
}

func (c *countingStore) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (store.Client, error) {
	c.hit("UpdateClient")
	return c.Store.UpdateClient(ctx, id, update)
}

func (c *countingStore) DeleteClient(ctx context.Context, id string) error {
	c.hit("DeleteClient")
	return c.Store.DeleteClient(ctx, id)
}

func (c *countingStore) CreateUser(ctx context.Context, u store.User) error {
	c.hit("CreateUser")
	return c.Store.CreateUser(ctx, u)
}

func (c *countingStore) CreateUsers(ctx context.Context, users []store.User) error {
	c.hit("CreateUsers")
	return c.Store.CreateUsers(ctx, users)
}

func (c *countingStore) GetUser(ctx context.Context, phoneNumber string) (store.User, error) {
	c.hit("GetUser")
	return c.Store.GetUser(ctx, phoneNumber)
}

func (c *countingStore) ListUsers(ctx context.Context) ([]store.User, error) {
	c.hit("ListUsers")
	return c.Store.ListUsers(ctx)
}

func (c *countingStore) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (store.User, error) {
	c.hit("UpdateUser")
	return c.Store.UpdateUser(ctx, phoneNumber, update)
}

func (c *countingStore) DeleteUser(ctx context.Context, phoneNumber string) error {
	c.hit("DeleteUser")
	return c.Store.DeleteUser(ctx, phoneNumber)
}

func (c *countingStore) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	c.hit("CreateSigningKey")
	return c.Store.CreateSigningKey(ctx, k)
}

func (c *countingStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	c.hit("ListSigningKeys")
	return c.Store.ListSigningKeys(ctx)
}

func (c *countingStore) CreateAppSession(ctx context.Context, s store.AppSession) error {
	c.hit("CreateAppSession")
	return c.Store.CreateAppSession(ctx, s)
}

func (c *countingStore) GetAppSession(ctx context.Context, tokenHash string) (store.AppSession, error) {
	c.hit("GetAppSession")
	return c.Store.GetAppSession(ctx, tokenHash)
}

func (c *countingStore) DeleteAppSession(ctx context.Context, tokenHash string) error {
	c.hit("DeleteAppSession")
	return c.Store.DeleteAppSession(ctx, tokenHash)
}

func (c *countingStore) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (store.Swept, error) {
	c.hit("DeleteExpired")
	return c.Store.DeleteExpired(ctx, before, batch)
}

func (c *countingStore) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	c.hit("CreateLoginRequest")
	return c.Store.CreateLoginRequest(ctx, r)
}

func (c *countingStore) GetLoginRequest(ctx context.Context, id string) (store.LoginRequest, error) {
	c.hit("GetLoginRequest")
	return c.Store.GetLoginRequest(ctx, id)
}

func (c *countingStore) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	c.hit("UpdateLoginRequest")
	return c.Store.UpdateLoginRequest(ctx, id, update)
}

func (c *countingStore) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (store.LoginRequest, error) {
	c.hit("UpdateLoginRequestWith")
	return c.Store.UpdateLoginRequestWith(ctx, id, update)
}

func (c *countingStore) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	c.hit("ListWaitingLoginRequests")
	return c.Store.ListWaitingLoginRequests(ctx, phoneNumber, now)
}

func (c *countingStore) FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (int, error) {
	c.hit("FailExpiredLoginRequests")
	return c.Store.FailExpiredLoginRequests(ctx, phoneNumber, kind, now)
}

func (c *countingStore) CreateBrowserSession(ctx context.Context, s store.BrowserSession) error {
	c.hit("CreateBrowserSession")
	return c.Store.CreateBrowserSession(ctx, s)
}

func (c *countingStore) GetBrowserSessionByToken(ctx context.Context, tokenHash string) (store.BrowserSession, error) {
	c.hit("GetBrowserSessionByToken")
	return c.Store.GetBrowserSessionByToken(ctx, tokenHash)
}

func (c *countingStore) ListBrowserSessions(ctx context.Context, phoneNumber string) ([]store.BrowserSession, error) {
	c.hit("ListBrowserSessions")
	return c.Store.ListBrowserSessions(ctx, phoneNumber)
}

func (c *countingStore) DeleteBrowserSession(ctx context.Context, phoneNumber, id string) error {
	c.hit("DeleteBrowserSession")
	return c.Store.DeleteBrowserSession(ctx, phoneNumber, id)
}

func (c *countingStore) EndBrowserSession(ctx context.Context, id string) error {
	c.hit("EndBrowserSession")
	return c.Store.EndBrowserSession(ctx, id)
}

func (c *countingStore) SaveConsent(ctx context.Context, cn store.Consent) error {
	c.hit("SaveConsent")
	return c.Store.SaveConsent(ctx, cn)
}

func (c *countingStore) GetConsent(ctx context.Context, phoneNumber, clientID string) (store.Consent, error) {
	c.hit("GetConsent")
	return c.Store.GetConsent(ctx, phoneNumber, clientID)
}

func (c *countingStore) ListConsents(ctx context.Context, phoneNumber string) ([]store.Consent, error) {
	c.hit("ListConsents")
	return c.Store.ListConsents(ctx, phoneNumber)
}

func (c *countingStore) DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *store.Webhook) error {
	c.hit("DeleteConsent")
	return c.Store.DeleteConsent(ctx, phoneNumber, clientID, notify)
}

func (c *countingStore) CreateAuthCode(ctx context.Context, ac store.AuthCode) error {
	c.hit("CreateAuthCode")
	return c.Store.CreateAuthCode(ctx, ac)
}

func (c *countingStore) GetAuthCode(ctx context.Context, hash string) (store.AuthCode, error) {
	c.hit("GetAuthCode")
	return c.Store.GetAuthCode(ctx, hash)
}

func (c *countingStore) RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue store.AccessToken) (store.AuthCode, error) {
	c.hit("RedeemAuthCode")
	return c.Store.RedeemAuthCode(ctx, hash, now, issue)
}

func (c *countingStore) CreateAccessToken(ctx context.Context, t store.AccessToken) error {
	c.hit("CreateAccessToken")
	return c.Store.CreateAccessToken(ctx, t)
}

func (c *countingStore) GetAccessToken(ctx context.Context, hash string) (store.AccessToken, error) {
	c.hit("GetAccessToken")
	return c.Store.GetAccessToken(ctx, hash)
}

func (c *countingStore) RevokeAccessToken(ctx context.Context, hash string, now time.Time) error {
	c.hit("RevokeAccessToken")
	return c.Store.RevokeAccessToken(ctx, hash, now)
}

func (c *countingStore) RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (int, error) {
	c.hit("RevokeAccessTokensByCode")
	return c.Store.RevokeAccessTokensByCode(ctx, codeHash, now)
}

// PairwiseSubject is recorded as a write only when it stored the candidate:
// once the sub exists the store reads it without a write transaction
// (read before insert), which is what makes userinfo read-only.
func (c *countingStore) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	sub, err := c.Store.PairwiseSubject(ctx, phoneNumber, clientID, candidate)
	if err == nil && sub != candidate {
		c.hit("PairwiseSubject(read)")
	} else {
		c.hit("PairwiseSubject")
	}
	return sub, err
}

func (c *countingStore) EnqueueWebhook(ctx context.Context, w store.Webhook) error {
	c.hit("EnqueueWebhook")
	return c.Store.EnqueueWebhook(ctx, w)
}

func (c *countingStore) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	c.hit("ClaimWebhooks")
	return c.Store.ClaimWebhooks(ctx, now, lease, limit)
}

func (c *countingStore) RecordWebhookAttempt(ctx context.Context, id string, a store.WebhookAttempt) error {
	c.hit("RecordWebhookAttempt")
	return c.Store.RecordWebhookAttempt(ctx, id, a)
}

func (c *countingStore) ListWebhooks(ctx context.Context, clientID string, limit int) ([]store.Webhook, error) {
	c.hit("ListWebhooks")
	return c.Store.ListWebhooks(ctx, clientID, limit)
}

func (c *countingStore) CreateQRCode(ctx context.Context, q store.QRCode) error {
	c.hit("CreateQRCode")
	return c.Store.CreateQRCode(ctx, q)
}

func (c *countingStore) GetQRCode(ctx context.Context, id string) (store.QRCode, error) {
	c.hit("GetQRCode")
	return c.Store.GetQRCode(ctx, id)
}

func (c *countingStore) ListQRCodes(ctx context.Context, clientID string) ([]store.QRCode, error) {
	c.hit("ListQRCodes")
	return c.Store.ListQRCodes(ctx, clientID)
}

func (c *countingStore) DeleteQRCode(ctx context.Context, clientID, id string) error {
	c.hit("DeleteQRCode")
	return c.Store.DeleteQRCode(ctx, clientID, id)
}

func (c *countingStore) CountHit(ctx context.Context, key string, windowStart time.Time) (int, error) {
	c.hit("CountHit")
	return c.Store.CountHit(ctx, key, windowStart)
}

func (c *countingStore) Ping(ctx context.Context) error {
	c.hit("Ping")
	return c.Store.Ping(ctx)
}

func (c *countingStore) GetClientAuthFailures(ctx context.Context, clientID string) (store.ClientAuthFailures, error) {
	c.hit("GetClientAuthFailures")
	return c.Store.GetClientAuthFailures(ctx, clientID)
}

func (c *countingStore) UpdateClientAuthFailures(ctx context.Context, clientID string, update func(store.ClientAuthFailures) (store.ClientAuthFailures, error)) (store.ClientAuthFailures, error) {
	c.hit("UpdateClientAuthFailures")
	return c.Store.UpdateClientAuthFailures(ctx, clientID, update)
}
