package server

import (
	"cmp"
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// JanitorInterval is how often expired records are swept from the store.
const JanitorInterval = 10 * time.Minute

// ExpiryGrace is how long past its expiry a record is kept: longer than an
// access token lives.
const ExpiryGrace = 2 * time.Hour

// Janitor deletes expired records every interval until ctx is done. Expired
// records are already refused where they are read; sweeping only keeps the
// database from growing. Every replica may run it: the deletes are
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
	// The grace keeps a used code past its expiry for as long as the tokens
	// it issued live, so that a late replay still revokes them.
	n, err := s.store().DeleteExpired(ctx, now().Add(-ExpiryGrace))
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.WarnContext(ctx, "janitor: deleting expired records failed", "err", err)
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "deleting expired records failed")
		}
	case n > 0:
		s.Logger.InfoContext(ctx, "janitor: deleted expired records", "count", n)
	}
	if span != nil {
		span.SetAttributes(attribute.Int("janitor.deleted", n))
	}
	s.trimEvents(ctx, now())
}

// maxTrimBatches bounds one sweep's event deletes; what is left waits for
// the next sweep.
const maxTrimBatches = 100

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
