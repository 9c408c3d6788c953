package server

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/webhook"
)

// Webhooks delivers the webhook outbox until ctx is done (DESIGN §8). Like
// the janitor, every replica may run it: the store's claim gives each event
// to one deliverer at a time, and the events wait in the store, not in this
// process, so a restart loses none.
func (s *Server) Webhooks(ctx context.Context) {
	(&webhook.Deliverer{Store: s.store(), Now: s.Now, Logger: s.Logger, Tracer: s.tracer(), Events: s.Events()}).Run(ctx)
}
