package server

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// slowSweepStore is a real store whose DeleteExpired, like a long sweep on
// a busy database, is still writing when the server is told to stop.
type slowSweepStore struct {
	store.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowSweepStore) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	close(s.entered)
	<-ctx.Done()
	<-s.release
	return s.Store.DeleteExpired(context.WithoutCancel(ctx), before)
}

// TestRunJoinsBackgroundLoops: Run returns only after the janitor's store
// call has returned, so that serve and dev close the store after it and not
// under it (issue 11, point 10).
func TestRunJoinsBackgroundLoops(t *testing.T) {
	var logs bytes.Buffer
	s, st := newServer(t, "http://localhost", &logs)
	slow := &slowSweepStore{Store: st, entered: make(chan struct{}), release: make(chan struct{})}
	s.Store = slow
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	<-slow.entered
	cancel()
	// Run cannot return while the sweep is held; the wait only bounds how
	// long a broken Run has to show itself.
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while the janitor was still in a store call", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
