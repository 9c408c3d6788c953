package server

import (
	"cmp"
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/store"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// JanitorInterval is how often expired records are swept from the store.
const JanitorInterval = 10 * time.Minute

// How long past its expiry each kind of record is kept: only as long as it
// is of use (issue 17; docs/operations.md, "Database size"). Past its
// expiry no record lets anyone in: every read refuses it as expired. What
// a kept record still does is below.
const (
	// ExpiryGrace keeps app and browser sessions, login requests and
	// access tokens briefly, so that one used just too late is answered
	// for what it is: a CIBA poll that comes after the request expired is
	// told expired_token (CIBA Core §11), the error it stops on, rather
	// than invalid_grant; an old tab of the login pages says the login
	// expired; userinfo says the token expired rather than that it is
	// unknown. Ten minutes covers a client polling at any interval the
	// spec allows, and a user back at the tab after a short while.
	ExpiryGrace = 10 * time.Minute
	// CodeGrace keeps a code for as long as the tokens it issued may
	// live: a code redeemed a second time is a replay, which revokes the
	// tokens the first redemption issued (RFC 6749 §4.1.2), and a code
	// redeemed at its last moment issues tokens that live
	// flow.AccessTokenTTL more. Once those have expired, a replay has
	// nothing left to revoke, and an unknown code gets the same
	// invalid_grant.
	CodeGrace = flow.AccessTokenTTL
	// WebhookLogGrace keeps a delivered webhook, and one that expired
	// undelivered, in the client's delivery log (admin API, portal),
	// where an operator finds out why deliveries fail and sends a failed
	// one again. An undelivered webhook is owed until it expires.
	WebhookLogGrace = time.Hour
)

// ExpiredBatch is how many rows of one table a transaction of the sweep
// deletes: with SQLite's one writer, a write of a login that comes during a
// sweep waits for at most one such transaction. The keys of codes and
// tokens are random, so each deleted row dirties pages of its own in two
// indexes and costs ~40 µs: 1,000 rows held the writer 35–60 ms, 250 rows
// under 22 ms (sqlite.TestSweepLeavesRoomForLogins, 2 shared cores).
const ExpiredBatch = 200

// cutoffs are the sweep's cutoffs at now. A rate limit window is of use
// only while it is the current one, and the longest is a minute.
func cutoffs(now time.Time) store.Cutoffs {
	return store.Cutoffs{
		AppSessions:     now.Add(-ExpiryGrace),
		BrowserSessions: now.Add(-ExpiryGrace),
		LoginRequests:   now.Add(-ExpiryGrace),
		AccessTokens:    now.Add(-ExpiryGrace),
		Codes:           now.Add(-CodeGrace),
		Webhooks:        now.Add(-WebhookLogGrace),
		RateLimits:      now.Add(-oidc.UserExistsWindow),
	}
}

// Janitor deletes expired records every interval until ctx is done. Expired
// records are already refused where they are read; sweeping only keeps the
// database from growing. It deletes in batches of ExpiredBatch rows, so
// that logins go on beside it. Every replica may run it: the deletes are
// idempotent.
func (s *Server) Janitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep deletes the expired records once. With tracing on it is a trace of
// its own, a root span janitor.sweep, so that its store call nests under it
// and its log lines carry the trace id.
func (s *Server) sweep(ctx context.Context) {
	var span trace.Span // nil while tracing is off
	if tracer := s.tracer(); tracer != nil {
		ctx, span = tracer.Start(ctx, "janitor.sweep", trace.WithNewRoot())
		defer span.End()
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// The events go first, so that the store's upkeep after DeleteExpired
	// (SQLite gives free pages back and empties its log) covers them too.
	s.trimEvents(ctx, now())
	// With metrics, the store counts the abandoned logins it removes
	// (vippslogin_logins_abandoned_total) as it reports them.
	swept, err := s.store().DeleteExpired(ctx, cutoffs(now()), ExpiredBatch)
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.WarnContext(ctx, "janitor: deleting expired records failed", "err", err)
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "deleting expired records failed")
		}
	case swept.Rows > 0:
		abandoned := 0
		for _, n := range swept.Abandoned {
			abandoned += n
		}
		s.Logger.InfoContext(ctx, "janitor: deleted expired records", "count", swept.Rows, "abandoned_logins", abandoned)
	}
	if span != nil {
		span.SetAttributes(attribute.Int("janitor.deleted", swept.Rows))
	}
}

// maxTrimBatches only guards against a trim that never ends: one sweep
// deletes all that ten minutes left, even at a high rate (some 290,000
// events at 243 logins/s, 583 batches of about 2 ms each on SQLite), so
// that the table stays bounded. A bound of 100 batches let it grow.
const maxTrimBatches = 10_000

// trimEvents deletes the debugger's events older than the retention or
// beyond debugger.MaxPerClient of a client, debugger.TrimBatch per write,
// so that the writes of logins never wait long behind it.
func (s *Server) trimEvents(ctx context.Context, now time.Time) {
	before := now.Add(-cmp.Or(s.EventsRetention, debugger.DefaultRetention))
	total := 0
	for range maxTrimBatches {
		n, err := s.store().TrimEvents(ctx, before, debugger.MaxPerClient, debugger.TrimBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "janitor: trimming debugger events failed", "err", err)
			}
			break
		}
		total += n
		if n < debugger.TrimBatch {
			break
		}
	}
	if total > 0 {
		s.Logger.InfoContext(ctx, "janitor: deleted old debugger events", "count", total)
	}
}
