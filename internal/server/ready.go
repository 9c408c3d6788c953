package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// ReadyCheckEvery is how long a successful readiness check is trusted:
// load balancers and orchestrators probe every replica every few seconds,
// and each probe that checks costs a write. A failed check is not reused,
// so that a replica is ready again with the first probe after the store
// is mended.
const ReadyCheckEvery = time.Second

// readyTimeout bounds one check, so that a probe is answered in time.
const readyTimeout = 2 * time.Second

// readiness is the outcome of the last readiness check.
type readiness struct {
	mu  sync.Mutex
	at  time.Time // of the last check; zero before the first
	err error
}

// ready answers GET /readyz: 200 while the store takes writes, else the
// 503 every other route answers when the database cannot be used
// (jsonapi.Unavailable), whether it does not answer, is read-only or is
// full. A database that answers reads but refuses writes would fail every
// login, so a SELECT is not enough. The check writes the store's health
// row (store.CheckWrite), at most once per ReadyCheckEvery while it
// succeeds; probes in between are answered 200 at once, and one that comes
// while another checks waits for that check.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkWrite(r.Context()); err != nil {
		return jsonapi.Unavailable()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// checkWrite is the outcome of store.CheckWrite: a success from at most
// ReadyCheckEvery ago, or a check now.
func (s *Server) checkWrite(ctx context.Context) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	rd := &s.readiness
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if t := now(); rd.err == nil && !rd.at.IsZero() && t.Sub(rd.at) < ReadyCheckEvery && !t.Before(rd.at) {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	err := s.store().CheckWrite(cctx)
	if ctx.Err() != nil {
		// The prober went away: that says nothing about the store.
		return err
	}
	// Logged when it changes, not at every probe of an outage.
	if err != nil && (rd.err == nil || rd.at.IsZero()) {
		s.Logger.ErrorContext(ctx, "readiness: the store does not take writes", "err", err)
	} else if err == nil && rd.err != nil {
		s.Logger.InfoContext(ctx, "readiness: the store takes writes again")
	}
	rd.at, rd.err = now(), err
	return err
}
