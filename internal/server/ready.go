package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// ReadyCheckEvery is how long a readiness check's outcome is reused: load
// balancers and orchestrators probe every replica every few seconds, and
// each probe that checks costs a write.
const ReadyCheckEvery = time.Second

// readyTimeout bounds one check, so that a probe is answered in time.
const readyTimeout = 2 * time.Second

// readiness is the outcome of the last readiness check, reused for
// ReadyCheckEvery.
type readiness struct {
	mu  sync.Mutex
	at  time.Time // zero before the first check
	err error
}

// ready answers GET /readyz: 200 while the store takes writes, else the
// 503 every other route answers when the database cannot be used
// (jsonapi.Unavailable), whether it does not answer, is read-only or is
// full. A database that answers reads but refuses writes would fail every
// login, so a SELECT is not enough. The check writes the store's health
// row (store.CheckWrite) at most once per ReadyCheckEvery; probes in
// between get its outcome, and a probe that comes while one checks waits
// for that check.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkWrite(r.Context()); err != nil {
		return jsonapi.Unavailable()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// checkWrite is the outcome of store.CheckWrite, from at most
// ReadyCheckEvery ago.
func (s *Server) checkWrite(ctx context.Context) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	rd := &s.readiness
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if t := now(); !rd.at.IsZero() && t.Sub(rd.at) < ReadyCheckEvery && !t.Before(rd.at) {
		return rd.err
	}
	cctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	err := s.store().CheckWrite(cctx)
	if ctx.Err() != nil {
		// The prober went away: that says nothing about the store.
		return err
	}
	if err != nil && (rd.err == nil || rd.at.IsZero()) {
		s.Logger.ErrorContext(ctx, "readiness: the store does not take writes", "err", err)
	} else if err == nil && rd.err != nil {
		s.Logger.InfoContext(ctx, "readiness: the store takes writes again")
	}
	rd.at, rd.err = now(), err
	return err
}
