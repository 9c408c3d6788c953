package sqlite

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/vippslogin/vippslogin/internal/store"
)

// TestGroupCommit runs jobs as one batch in one transaction and checks
// that each is answered as if it ran alone: the ones that succeed are
// stored, one that fails leaves nothing of its own behind and nothing of
// the others undone, and one that panics panics in its caller.
func TestGroupCommit(t *testing.T) {
	errHalfDone := errors.New("half done")
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := openInBubble(t)
		errs := inOneBatch(t, s,
			func() error { return s.CreateClient(ctx, store.Client{ID: "ok-1"}) },
			func() error { return s.CreateClient(ctx, store.Client{ID: "ok-1"}) },
			func() error {
				return s.write(ctx, func(tx *wtx) error {
					if err := insertClient(tx, "half"); err != nil {
						return err
					}
					return errHalfDone
				})
			},
			func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panicked: %v", p)
					}
				}()
				return s.write(ctx, func(tx *wtx) error { panic("boom") })
			},
			func() error { return s.CreateClient(ctx, store.Client{ID: "ok-2"}) },
		)
		for i, want := range map[int]error{0: nil, 1: store.ErrExists, 2: errHalfDone, 4: nil} {
			if !errors.Is(errs[i], want) {
				t.Errorf("job %d: %v, want %v", i, errs[i], want)
			}
		}
		if err := errs[3]; err == nil || err.Error() != "panicked: boom" {
			t.Errorf("job 3: %v, want the job's panic in its caller", err)
		}
		if len(errs) > 5 {
			t.Error(errs[5])
		}
		for id, want := range map[string]error{"first": nil, "ok-1": nil, "ok-2": nil, "half": store.ErrNotFound} {
			if _, err := s.GetClient(ctx, id); !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("GetClient(%q): %v, want %v", id, err, want)
			}
		}
	})
}

// TestGroupCommitLost checks that when the batch's transaction ends under a
// job (SQLite rolls it back itself on a full disk or an I/O error; here the
// job says ROLLBACK), every job of the batch is answered with an error, as
// none of them was stored, and the writer carries on.
func TestGroupCommitLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := openInBubble(t)
		errs := inOneBatch(t, s,
			func() error { return s.CreateClient(ctx, store.Client{ID: "lost"}) },
			func() error {
				return s.write(ctx, func(tx *wtx) error {
					_, err := tx.exec(`ROLLBACK`)
					return cmp.Or(err, errors.New("rolled back"))
				})
			},
		)
		for i, err := range errs {
			if err == nil {
				t.Errorf("job %d succeeded in a lost batch", i)
			}
		}
		if len(errs) != 3 {
			t.Error("the first job succeeded in a lost batch")
		}
		for id, want := range map[string]error{"first": store.ErrNotFound, "lost": store.ErrNotFound} {
			if _, err := s.GetClient(ctx, id); !errors.Is(err, want) {
				t.Errorf("GetClient(%q): %v, want %v", id, err, want)
			}
		}
		if err := s.CreateClient(ctx, store.Client{ID: "after"}); err != nil {
			t.Errorf("CreateClient after a lost batch: %v", err)
		}
	})
}

// openInBubble opens a store inside a synctest bubble, so that its writer
// goroutine is one of the bubble's, and closes it when the test ends.
func openInBubble(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "vippslogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// inOneBatch runs the jobs as one batch and returns their errors. A first
// job, which stores the client "first", holds the writer until every one
// of them has queued behind it: synctest.Wait returns only when all of the
// bubble's goroutines are blocked, the writer in the first job and each
// caller in its send to the writer.
func inOneBatch(t *testing.T, s *Store, jobs ...func() error) []error {
	t.Helper()
	hold := make(chan struct{})
	var wg sync.WaitGroup
	firstErr := make(chan error, 1)
	wg.Go(func() {
		firstErr <- s.write(t.Context(), func(tx *wtx) error {
			<-hold
			return insertClient(tx, "first")
		})
	})
	synctest.Wait()
	errs := make([]error, len(jobs))
	for i, job := range jobs {
		wg.Go(func() { errs[i] = job() })
		synctest.Wait()
	}
	close(hold)
	wg.Wait()
	if err := <-firstErr; err != nil {
		errs = append(errs, fmt.Errorf("first: %w", err))
	}
	return errs
}

// insertClient stores a bare client with the id in tx.
func insertClient(tx *wtx, id string) error {
	args, _, err := clientArgs(store.Client{ID: id})
	if err == nil {
		_, err = tx.exec(`INSERT INTO clients (`+clientColumns+`) VALUES (`+placeholders(clientColumns)+`)`, args...)
	}
	return err
}

// TestReadsSeeAnsweredWrites checks that a read on a reader sees every
// write the writer has answered, however many run at once: each update's
// value must be what the next read finds.
func TestReadsSeeAnsweredWrites(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := store.User{PhoneNumber: fmt.Sprintf("47%08d", i)}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Error(err)
				return
			}
			for attempt := range 50 {
				_, err := s.UpdateUser(ctx, u.PhoneNumber, func(u store.User) (store.User, error) {
					u.FailedPINAttempts = attempt
					return u, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				got, err := s.GetUser(ctx, u.PhoneNumber)
				if err != nil || got.FailedPINAttempts != attempt {
					t.Errorf("read after update %d: %d, %v", attempt, got.FailedPINAttempts, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
