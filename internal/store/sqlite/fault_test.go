package sqlite_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
)

// A store whose files became read-only refuses writes as unavailable (a
// 503 to retry, as for a full disk), goes on reading, and writes again as
// soon as the files are writable, without being reopened: the first write
// after the fault succeeds (issue 17).
func TestReadOnlyFaultRecovers(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vippslogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateClient(ctx, store.Client{ID: "before"}); err != nil {
		t.Fatal(err)
	}

	mend := sqlite.ReadOnlyFault(t, s)
	for i, write := range []func() error{
		func() error { return s.CreateClient(ctx, store.Client{ID: "during"}) },
		func() error { return s.CheckWrite(ctx) },
		func() error { return s.CheckWrite(ctx) },
	} {
		err := write()
		if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("write %d while read-only: %v, want ErrUnavailable saying readonly", i, err)
		}
	}
	if _, err := s.GetClient(ctx, "before"); err != nil {
		t.Errorf("read while read-only: %v", err)
	}

	mend()
	if err := s.CreateClient(ctx, store.Client{ID: "after"}); err != nil {
		t.Fatalf("the first write after the fault: %v", err)
	}
	if err := s.CheckWrite(ctx); err != nil {
		t.Errorf("CheckWrite after the fault: %v", err)
	}
	for _, id := range []string{"before", "after"} {
		if _, err := s.GetClient(ctx, id); err != nil {
			t.Errorf("GetClient(%q) after the fault: %v", id, err)
		}
	}
	if _, err := s.GetClient(ctx, "during"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the write refused during the fault is there: %v", err)
	}
}
