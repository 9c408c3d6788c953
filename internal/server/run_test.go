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
// the server is told to stop.
type slowStore struct {
	store.Store
	swept, claimed sync.Once
	entered        sync.WaitGroup // both loops are in their call
	release        chan struct{}
}

func (s *slowStore) hold(ctx context.Context, once *sync.Once) bool {
	held := false
	once.Do(func() {
		held = true
		s.entered.Done()
		<-ctx.Done()
		<-s.release
	})
	return held
}

func (s *slowStore) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	if s.hold(ctx, &s.swept) {
		ctx = context.WithoutCancel(ctx)
	}
	return s.Store.DeleteExpired(ctx, before)
}

func (s *slowStore) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	if s.hold(ctx, &s.claimed) {
		ctx = context.WithoutCancel(ctx)
	}
	return s.Store.ClaimWebhooks(ctx, now, lease, limit)
}

// TestRunJoinsBackgroundLoops: Run returns only after the janitor's and the
// webhook deliverer's store calls have returned, so that serve and dev close the store after it and not
// under it (issue 11, point 10).
func TestRunJoinsBackgroundLoops(t *testing.T) {
	var logs bytes.Buffer
	s, st := newServer(t, "http://localhost", &logs)
	slow := &slowStore{Store: st, release: make(chan struct{})}
	slow.entered.Add(2)
	s.Store = slow
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	slow.entered.Wait()
	cancel()
	// Run cannot return while the sweep is held; the wait only bounds how
	// long a broken Run has to show itself.
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while the janitor and the deliverer were still in store calls", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
