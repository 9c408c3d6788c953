package server

import (
	"context"
	"time"
)

// JanitorInterval is how often expired records are swept from the store.
const JanitorInterval = 10 * time.Minute

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

func (s *Server) sweep(ctx context.Context) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	n, err := s.Store.DeleteExpiredAppSessions(ctx, now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.WarnContext(ctx, "janitor: deleting expired app sessions failed", "err", err)
	case n > 0:
		s.Logger.InfoContext(ctx, "janitor: deleted expired app sessions", "count", n)
	}
}
