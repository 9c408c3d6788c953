package server

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// slowStore is a real store whose DeleteExpired and ClaimWebhooks, like a
// long sweep or delivery claim on a busy database, are still at work when
// the server is told to stop; each is let go by its own channel.
type slowStore struct {
	store.Store
	swept, claimed               sync.Once
	entered                      sync.WaitGroup // both loops are in their call
	releaseSweep, releaseClaimed chan struct{}
}

func (s *slowStore) hold(ctx context.Context, once *sync.Once, release chan struct{}) bool {
	held := false
	once.Do(func() {
		held = true
		s.entered.Done()
		<-ctx.Done()
		<-release
	})
	return held
}

func (s *slowStore) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (store.Swept, error) {
	if s.hold(ctx, &s.swept, s.releaseSweep) {
		ctx = context.WithoutCancel(ctx)
	}
	return s.Store.DeleteExpired(ctx, before, batch)
}

func (s *slowStore) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	if s.hold(ctx, &s.claimed, s.releaseClaimed) {
		ctx = context.WithoutCancel(ctx)
	}
	return s.Store.ClaimWebhooks(ctx, now, lease, limit)
}

// TestRunJoinsBackgroundLoops: Run returns only after the janitor's and the
// webhook deliverer's store calls have returned, whichever ends last, so
// that serve and dev close the store after them and not under them
// (issue 11, point 10).
func TestRunJoinsBackgroundLoops(t *testing.T) {
	for _, last := range []string{"janitor", "deliverer"} {
		t.Run(last+" last", func(t *testing.T) {
			var logs bytes.Buffer
			s, st := newServer(t, "http://localhost", &logs)
			slow := &slowStore{Store: st, releaseSweep: make(chan struct{}), releaseClaimed: make(chan struct{})}
			slow.entered.Add(2)
			s.Store = slow
			first, second := slow.releaseClaimed, slow.releaseSweep
			if last == "deliverer" {
				first, second = second, first
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx, ln) }()
			slow.entered.Wait()
			cancel()
			close(first)
			// Run cannot return while the other loop is held; the wait only
			// bounds how long a broken Run has to show itself.
			select {
			case err := <-done:
				t.Fatalf("Run returned (%v) while the %s was still in a store call", err, last)
			case <-time.After(200 * time.Millisecond):
			}
			close(second)
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}
