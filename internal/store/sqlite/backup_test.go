package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// TestBackupWhileWriting: a backup taken while a write transaction holds
// the write lock finishes without waiting for it (so it cannot hold the
// writer up either), has every write committed before it, not the one in
// flight, and opens as a store of its own.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "live.db"))
	if err := s.CreateClient(ctx, store.Client{ID: "before", Name: "Before"}); err != nil {
		t.Fatal(err)
	}

	inside, release := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		_, err := s.UpdateClient(ctx, "before", func(c store.Client) (store.Client, error) {
			close(inside)
			<-release
			c.Name = "During"
			return c, nil
		})
		updated <- err
	}()
	<-inside // the writer holds the write lock from here until release
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free() // before the store's Close, which waits for the writer

	out := filepath.Join(dir, "backup.db")
	backedUp := make(chan error, 1)
	go func() { backedUp <- s.Backup(ctx, out) }()
	select {
	case err := <-backedUp:
		if err != nil {
			t.Fatalf("Backup: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Backup waited for the write transaction in flight")
	}
	free()
	if err := <-updated; err != nil {
		t.Fatalf("UpdateClient beside the backup: %v", err)
	}

	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	b := open(t, out)
	c, err := b.GetClient(ctx, "before")
	if err != nil || c.Name != "Before" {
		t.Errorf("the backup's client = %+v (%v), want the one committed before the backup", c, err)
	}
	if got := appliedVersions(t, b); len(got) != len(embeddedVersions(t)) {
		t.Errorf("the backup records migrations %v", got)
	}
}

// TestBackupRefusesAnExistingFile: a backup never overwrites a file, an
// earlier backup least of all, and leaves it as it was.
func TestBackupRefusesAnExistingFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "live.db"))
	out := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(out, []byte("an earlier backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.Backup(t.Context(), out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Backup onto an existing file = %v, want an error saying it exists", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "an earlier backup" {
		t.Errorf("the existing file now holds %q", b)
	}

	// A failed copy leaves no file behind.
	missing := filepath.Join(dir, "no-such-dir", "backup.db")
	if err := s.Backup(t.Context(), missing); err == nil {
		t.Error("Backup into a missing directory succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a failed backup: %v", err)
	}
}
