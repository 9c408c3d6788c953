package metrics

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/tracing"
)

// Store wraps st so that every call is timed by operation
// (vippslogin_store_duration_seconds), and the login requests and webhook
// attempts written through it are counted, and so are the abandoned login
// requests its sweeps delete. Every flow's life cycle passes through the
// store (DESIGN §4), so this is the one place a login's start and end are
// seen, whichever package made the change; the janitor's sweep, which
// deletes the logins nobody finished, passes through it too.
func (m *Metrics) Store(st store.Store) store.Store {
	return m.TracedStore(st, nil)
}

// TracedStore is Store that also starts a span "store.<Method>" per call
// made within a span, from tp, as a child of that span. A nil or no-op tp
// (tracing off) adds no spans and costs nothing.
func (m *Metrics) TracedStore(st store.Store, tp trace.TracerProvider) store.Store {
	t := &timedStore{st: st, m: m}
	if !tracing.IsOff(tp) {
		t.tracer = tp.Tracer("github.com/vippslogin/vippslogin/internal/metrics")
	}
	return t
}

type timedStore struct {
	st store.Store
	m  *Metrics
	// tracer starts the spans; nil while tracing is off.
	tracer trace.Tracer
}

var _ store.Store = (*timedStore)(nil)

// start begins the store call name: timed and, when tracing is on and ctx
// is in a span, in a span "store.<name>" that is a child of ctx's. A call
// outside any span (the webhook deliverer's poll for due events every
// second) gets none: it would be a trace of its own each time, noise that
// buries the requests; the background loops start a span of their own
// around the work worth tracing (a sweep, a delivery attempt). Every method
// has a named err result and begins with
// ctx, op := t.start(ctx, "Name"); defer op.end(&err).
func (t *timedStore) start(ctx context.Context, name string) (context.Context, storeOp) {
	o := storeOp{m: t.m, name: name, start: time.Now()}
	if t.tracer != nil && trace.SpanContextFromContext(ctx).IsValid() {
		ctx, o.span = t.tracer.Start(ctx, "store."+name, trace.WithSpanKind(trace.SpanKindClient))
	}
	return ctx, o
}

// storeOp is one store call under way.
type storeOp struct {
	m     *Metrics
	name  string
	start time.Time
	span  trace.Span // nil while tracing is off
	// refused, when set, is where the caller's update closure left the
	// error it last returned: the caller's answer, which the store only
	// passes on. Only a traced call sets it (watch).
	refused *error
}

// end records how long o took and ends its span, marked failed when *err
// is a failure of the store (failed).
func (o *storeOp) end(err *error) {
	o.m.storeDuration.WithLabelValues(o.name).Observe(time.Since(o.start).Seconds())
	if o.span == nil {
		return
	}
	if o.failed(*err) {
		o.span.RecordError(*err)
		o.span.SetStatus(codes.Error, "store call failed")
	}
	o.span.End()
}

// failed reports whether err, a store call's result, means the call
// failed: the database is unavailable, a query or a constraint failed, or
// the call ran out of time (context.DeadlineExceeded). The results that
// callers take as normal answers are not failures, or every unknown
// client_id, every replayed code and every closure that declines a change
// would show as a failed store call in the traces:
//   - store.ErrNotFound: no such record (an unknown client, an expired or
//     swept login, a session that is gone);
//   - store.ErrExists: the key is taken (a duplicate user, a create that
//     lost a race it is meant to lose);
//   - store.ErrUsed: a code redeemed twice, which the token endpoint answers
//     with invalid_grant after revoking what the code issued;
//   - context.Canceled: the caller gave up (the client went away, the
//     server is stopping), which says nothing about the database (the
//     PostgreSQL backend does not count it as unavailable either);
//   - an error an update closure returned: the caller refused the change
//     (a login already answered, a client's mistake), and the store only
//     passes that answer on.
func (o *storeOp) failed(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExists), errors.Is(err, store.ErrUsed),
		errors.Is(err, context.Canceled):
		return false
	case o.refused != nil && *o.refused != nil && errors.Is(err, *o.refused):
		return false
	}
	return true
}

// watch returns update, wrapped, when o is traced, so that o learns the
// error the closure returns; untraced, update as is, which costs nothing.
func watch[T any](o *storeOp, update func(T) (T, error)) func(T) (T, error) {
	if o.span == nil {
		return update
	}
	refused := new(error)
	o.refused = refused
	return func(old T) (T, error) {
		n, err := update(old)
		*refused = err
		return n, err
	}
}

// loginChanged counts what a committed change of a login request from
// before to after means. Each event is a one-way step of the life cycle, so
// a login counts at most once as completed and once as failed.
func (m *Metrics) loginChanged(before, after store.LoginRequest) {
	flow := store.FlowOf(after.Kind)
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
	// refused is the error the closure returned (storeOp.refused).
	refused error
}

func (w *watched) saw(before, after store.LoginRequest, err error) {
	w.before, w.after, w.ran, w.refused = before, after, true, err
}

func (t *timedStore) CreateLoginRequest(ctx context.Context, r store.LoginRequest) (err error) {
	ctx, op := t.start(ctx, "CreateLoginRequest")
	defer op.end(&err)
	err = t.st.CreateLoginRequest(ctx, r)
	if err == nil {
		t.m.loginsStarted.WithLabelValues(store.FlowOf(r.Kind)).Inc()
		// A login can be born ended: a CIBA request for a user who cannot
		// log in is stored failed, to be answered at the first poll.
		t.m.loginChanged(store.LoginRequest{Kind: r.Kind}, r)
	}
	return err
}

func (t *timedStore) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (_ store.LoginRequest, err error) {
	ctx, op := t.start(ctx, "UpdateLoginRequest")
	defer op.end(&err)
	var w watched
	lr, err := t.st.UpdateLoginRequest(ctx, id, func(old store.LoginRequest) (store.LoginRequest, error) {
		n, err := update(old)
		w.saw(old, n, err)
		return n, err
	})
	op.refused = &w.refused
	if err == nil && w.ran {
		t.m.loginChanged(w.before, w.after)
	}
	return lr, err
}

func (t *timedStore) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (_ store.LoginRequest, err error) {
	ctx, op := t.start(ctx, "UpdateLoginRequestWith")
	defer op.end(&err)
	var w watched
	lr, err := t.st.UpdateLoginRequestWith(ctx, id, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		n, e, err := update(old)
		w.saw(old, n, err)
		return n, e, err
	})
	op.refused = &w.refused
	if err == nil && w.ran {
		t.m.loginChanged(w.before, w.after)
	}
	return lr, err
}

func (t *timedStore) FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (_ int, err error) {
	ctx, op := t.start(ctx, "FailExpiredLoginRequests")
	defer op.end(&err)
	n, err := t.st.FailExpiredLoginRequests(ctx, phoneNumber, kind, now)
	if err == nil && n > 0 {
		// The store ends them with expired_token (store.Store's contract).
		t.m.loginsFailed.WithLabelValues(store.FlowOf(kind), "expired_token").Add(float64(n))
	}
	return n, err
}

func (t *timedStore) RecordWebhookAttempt(ctx context.Context, id string, a store.WebhookAttempt) (err error) {
	ctx, op := t.start(ctx, "RecordWebhookAttempt")
	defer op.end(&err)
	err = t.st.RecordWebhookAttempt(ctx, id, a)
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

func (t *timedStore) Ping(ctx context.Context) (err error) {
	ctx, op := t.start(ctx, "Ping")
	defer op.end(&err)
	return t.st.Ping(ctx)
}

func (t *timedStore) CheckWrite(ctx context.Context) (err error) {
	ctx, op := t.start(ctx, "CheckWrite")
	defer op.end(&err)
	return t.st.CheckWrite(ctx)
}

func (t *timedStore) Close() error { return t.st.Close() }

func (t *timedStore) CreateClient(ctx context.Context, c store.Client) (err error) {
	ctx, op := t.start(ctx, "CreateClient")
	defer op.end(&err)
	return t.st.CreateClient(ctx, c)
}

func (t *timedStore) GetClient(ctx context.Context, id string) (_ store.Client, err error) {
	ctx, op := t.start(ctx, "GetClient")
	defer op.end(&err)
	return t.st.GetClient(ctx, id)
}

func (t *timedStore) ListClients(ctx context.Context) (_ []store.Client, err error) {
	ctx, op := t.start(ctx, "ListClients")
	defer op.end(&err)
	return t.st.ListClients(ctx)
}

func (t *timedStore) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (_ store.Client, err error) {
	ctx, op := t.start(ctx, "UpdateClient")
	defer op.end(&err)
	return t.st.UpdateClient(ctx, id, watch(&op, update))
}

func (t *timedStore) DeleteClient(ctx context.Context, id string) (err error) {
	ctx, op := t.start(ctx, "DeleteClient")
	defer op.end(&err)
	return t.st.DeleteClient(ctx, id)
}

func (t *timedStore) CreateUser(ctx context.Context, u store.User) (err error) {
	ctx, op := t.start(ctx, "CreateUser")
	defer op.end(&err)
	return t.st.CreateUser(ctx, u)
}

func (t *timedStore) CreateUsers(ctx context.Context, users []store.User) (err error) {
	ctx, op := t.start(ctx, "CreateUsers")
	defer op.end(&err)
	return t.st.CreateUsers(ctx, users)
}

func (t *timedStore) GetUser(ctx context.Context, phoneNumber string) (_ store.User, err error) {
	ctx, op := t.start(ctx, "GetUser")
	defer op.end(&err)
	return t.st.GetUser(ctx, phoneNumber)
}

func (t *timedStore) ListUsers(ctx context.Context) (_ []store.User, err error) {
	ctx, op := t.start(ctx, "ListUsers")
	defer op.end(&err)
	return t.st.ListUsers(ctx)
}

func (t *timedStore) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (_ store.User, err error) {
	ctx, op := t.start(ctx, "UpdateUser")
	defer op.end(&err)
	return t.st.UpdateUser(ctx, phoneNumber, watch(&op, update))
}

func (t *timedStore) DeleteUser(ctx context.Context, phoneNumber string) (err error) {
	ctx, op := t.start(ctx, "DeleteUser")
	defer op.end(&err)
	return t.st.DeleteUser(ctx, phoneNumber)
}

func (t *timedStore) CreateSigningKey(ctx context.Context, k store.SigningKey) (err error) {
	ctx, op := t.start(ctx, "CreateSigningKey")
	defer op.end(&err)
	return t.st.CreateSigningKey(ctx, k)
}

func (t *timedStore) ListSigningKeys(ctx context.Context) (_ []store.SigningKey, err error) {
	ctx, op := t.start(ctx, "ListSigningKeys")
	defer op.end(&err)
	return t.st.ListSigningKeys(ctx)
}

func (t *timedStore) ResealSigningKey(ctx context.Context, id string, privateJWK []byte) (err error) {
	ctx, op := t.start(ctx, "ResealSigningKey")
	defer op.end(&err)
	return t.st.ResealSigningKey(ctx, id, privateJWK)
}

func (t *timedStore) CreateAppSession(ctx context.Context, s store.AppSession) (err error) {
	ctx, op := t.start(ctx, "CreateAppSession")
	defer op.end(&err)
	return t.st.CreateAppSession(ctx, s)
}

func (t *timedStore) GetAppSession(ctx context.Context, tokenHash string) (_ store.AppSession, err error) {
	ctx, op := t.start(ctx, "GetAppSession")
	defer op.end(&err)
	return t.st.GetAppSession(ctx, tokenHash)
}

func (t *timedStore) DeleteAppSession(ctx context.Context, tokenHash string) (err error) {
	ctx, op := t.start(ctx, "DeleteAppSession")
	defer op.end(&err)
	return t.st.DeleteAppSession(ctx, tokenHash)
}

func (t *timedStore) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (_ store.Swept, err error) {
	ctx, op := t.start(ctx, "DeleteExpired")
	defer op.end(&err)
	swept, err := t.st.DeleteExpired(ctx, before, batch)
	// Even a sweep that failed midway reports what it removed before: those
	// logins are gone, and no later sweep will see them.
	for flow, n := range swept.Abandoned {
		t.m.loginsAbandoned.WithLabelValues(flow).Add(float64(n))
	}
	return swept, err
}

func (t *timedStore) GetLoginRequest(ctx context.Context, id string) (_ store.LoginRequest, err error) {
	ctx, op := t.start(ctx, "GetLoginRequest")
	defer op.end(&err)
	return t.st.GetLoginRequest(ctx, id)
}

func (t *timedStore) ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) (_ []store.LoginRequest, err error) {
	ctx, op := t.start(ctx, "ListWaitingLoginRequests")
	defer op.end(&err)
	return t.st.ListWaitingLoginRequests(ctx, phoneNumber, now)
}

func (t *timedStore) ListPendingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) (_ []store.LoginRequest, err error) {
	ctx, op := t.start(ctx, "ListPendingLoginRequests")
	defer op.end(&err)
	return t.st.ListPendingLoginRequests(ctx, phoneNumber, now)
}

func (t *timedStore) CreateBrowserSession(ctx context.Context, s store.BrowserSession) (err error) {
	ctx, op := t.start(ctx, "CreateBrowserSession")
	defer op.end(&err)
	return t.st.CreateBrowserSession(ctx, s)
}

func (t *timedStore) GetBrowserSessionByToken(ctx context.Context, tokenHash string) (_ store.BrowserSession, err error) {
	ctx, op := t.start(ctx, "GetBrowserSessionByToken")
	defer op.end(&err)
	return t.st.GetBrowserSessionByToken(ctx, tokenHash)
}

func (t *timedStore) ListBrowserSessions(ctx context.Context, phoneNumber string) (_ []store.BrowserSession, err error) {
	ctx, op := t.start(ctx, "ListBrowserSessions")
	defer op.end(&err)
	return t.st.ListBrowserSessions(ctx, phoneNumber)
}

func (t *timedStore) DeleteBrowserSession(ctx context.Context, phoneNumber, id string) (err error) {
	ctx, op := t.start(ctx, "DeleteBrowserSession")
	defer op.end(&err)
	return t.st.DeleteBrowserSession(ctx, phoneNumber, id)
}

func (t *timedStore) EndBrowserSession(ctx context.Context, id string) (err error) {
	ctx, op := t.start(ctx, "EndBrowserSession")
	defer op.end(&err)
	return t.st.EndBrowserSession(ctx, id)
}

func (t *timedStore) SaveConsent(ctx context.Context, c store.Consent) (err error) {
	ctx, op := t.start(ctx, "SaveConsent")
	defer op.end(&err)
	return t.st.SaveConsent(ctx, c)
}

func (t *timedStore) GetConsent(ctx context.Context, phoneNumber, clientID string) (_ store.Consent, err error) {
	ctx, op := t.start(ctx, "GetConsent")
	defer op.end(&err)
	return t.st.GetConsent(ctx, phoneNumber, clientID)
}

func (t *timedStore) ListConsents(ctx context.Context, phoneNumber string) (_ []store.Consent, err error) {
	ctx, op := t.start(ctx, "ListConsents")
	defer op.end(&err)
	return t.st.ListConsents(ctx, phoneNumber)
}

func (t *timedStore) DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *store.Webhook) (err error) {
	ctx, op := t.start(ctx, "DeleteConsent")
	defer op.end(&err)
	return t.st.DeleteConsent(ctx, phoneNumber, clientID, notify)
}

func (t *timedStore) CreateAuthCode(ctx context.Context, c store.AuthCode) (err error) {
	ctx, op := t.start(ctx, "CreateAuthCode")
	defer op.end(&err)
	return t.st.CreateAuthCode(ctx, c)
}

func (t *timedStore) GetAuthCode(ctx context.Context, hash string) (_ store.AuthCode, err error) {
	ctx, op := t.start(ctx, "GetAuthCode")
	defer op.end(&err)
	return t.st.GetAuthCode(ctx, hash)
}

func (t *timedStore) RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue store.AccessToken) (_ store.AuthCode, err error) {
	ctx, op := t.start(ctx, "RedeemAuthCode")
	defer op.end(&err)
	return t.st.RedeemAuthCode(ctx, hash, now, issue)
}

func (t *timedStore) CreateAccessToken(ctx context.Context, tok store.AccessToken) (err error) {
	ctx, op := t.start(ctx, "CreateAccessToken")
	defer op.end(&err)
	return t.st.CreateAccessToken(ctx, tok)
}

func (t *timedStore) GetAccessToken(ctx context.Context, hash string) (_ store.AccessToken, err error) {
	ctx, op := t.start(ctx, "GetAccessToken")
	defer op.end(&err)
	return t.st.GetAccessToken(ctx, hash)
}

func (t *timedStore) RevokeAccessToken(ctx context.Context, hash string, now time.Time) (err error) {
	ctx, op := t.start(ctx, "RevokeAccessToken")
	defer op.end(&err)
	return t.st.RevokeAccessToken(ctx, hash, now)
}

func (t *timedStore) RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (_ int, err error) {
	ctx, op := t.start(ctx, "RevokeAccessTokensByCode")
	defer op.end(&err)
	return t.st.RevokeAccessTokensByCode(ctx, codeHash, now)
}

func (t *timedStore) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (_ string, err error) {
	ctx, op := t.start(ctx, "PairwiseSubject")
	defer op.end(&err)
	return t.st.PairwiseSubject(ctx, phoneNumber, clientID, candidate)
}

func (t *timedStore) EnqueueWebhook(ctx context.Context, w store.Webhook) (err error) {
	ctx, op := t.start(ctx, "EnqueueWebhook")
	defer op.end(&err)
	return t.st.EnqueueWebhook(ctx, w)
}

func (t *timedStore) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) (_ []store.Webhook, err error) {
	ctx, op := t.start(ctx, "ClaimWebhooks")
	defer op.end(&err)
	return t.st.ClaimWebhooks(ctx, now, lease, limit)
}

func (t *timedStore) ListWebhooks(ctx context.Context, clientID string, limit int) (_ []store.Webhook, err error) {
	ctx, op := t.start(ctx, "ListWebhooks")
	defer op.end(&err)
	return t.st.ListWebhooks(ctx, clientID, limit)
}

func (t *timedStore) CreateQRCode(ctx context.Context, q store.QRCode) (err error) {
	ctx, op := t.start(ctx, "CreateQRCode")
	defer op.end(&err)
	return t.st.CreateQRCode(ctx, q)
}

func (t *timedStore) GetQRCode(ctx context.Context, id string) (_ store.QRCode, err error) {
	ctx, op := t.start(ctx, "GetQRCode")
	defer op.end(&err)
	return t.st.GetQRCode(ctx, id)
}

func (t *timedStore) ListQRCodes(ctx context.Context, clientID string) (_ []store.QRCode, err error) {
	ctx, op := t.start(ctx, "ListQRCodes")
	defer op.end(&err)
	return t.st.ListQRCodes(ctx, clientID)
}

func (t *timedStore) DeleteQRCode(ctx context.Context, clientID, id string) (err error) {
	ctx, op := t.start(ctx, "DeleteQRCode")
	defer op.end(&err)
	return t.st.DeleteQRCode(ctx, clientID, id)
}

func (t *timedStore) CountHit(ctx context.Context, key string, windowStart time.Time) (_ int, err error) {
	ctx, op := t.start(ctx, "CountHit")
	defer op.end(&err)
	return t.st.CountHit(ctx, key, windowStart)
}

func (t *timedStore) GetClientAuthFailures(ctx context.Context, clientID string) (_ store.ClientAuthFailures, err error) {
	ctx, op := t.start(ctx, "GetClientAuthFailures")
	defer op.end(&err)
	return t.st.GetClientAuthFailures(ctx, clientID)
}

func (t *timedStore) UpdateClientAuthFailures(ctx context.Context, clientID string, update func(store.ClientAuthFailures) (store.ClientAuthFailures, error)) (_ store.ClientAuthFailures, err error) {
	ctx, op := t.start(ctx, "UpdateClientAuthFailures")
	defer op.end(&err)
	return t.st.UpdateClientAuthFailures(ctx, clientID, watch(&op, update))
}

func (t *timedStore) Backlog(ctx context.Context, now time.Time) (_ store.Backlog, err error) {
	ctx, op := t.start(ctx, "Backlog")
	defer op.end(&err)
	return t.st.Backlog(ctx, now)
}

func (t *timedStore) AddEvents(ctx context.Context, events []store.Event) (err error) {
	ctx, op := t.start(ctx, "AddEvents")
	defer op.end(&err)
	return t.st.AddEvents(ctx, events)
}

func (t *timedStore) ListEvents(ctx context.Context, clientID string, q store.EventQuery) (_ []store.Event, err error) {
	ctx, op := t.start(ctx, "ListEvents")
	defer op.end(&err)
	return t.st.ListEvents(ctx, clientID, q)
}

func (t *timedStore) TrimEvents(ctx context.Context, before time.Time, keep, limit int) (_ int, err error) {
	ctx, op := t.start(ctx, "TrimEvents")
	defer op.end(&err)
	return t.st.TrimEvents(ctx, before, keep, limit)
}
