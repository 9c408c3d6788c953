package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// testKEK is a key-encryption key for the tests (base64 of 32 bytes).
const testKEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// TestDevKeyEncryptionKeyFile checks dev mode's own key-encryption key: made
// on the first start next to the database, private to its owner, named in
// the banner, and the same after a restart (which the kids show).
func TestDevKeyEncryptionKeyFile(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "dev", nil, "--db", filepath.Join(dir, "dev.db"))
	path := filepath.Join(dir, devKEKFile)
	if banner := strings.Join(s.Banner, "\n"); !strings.Contains(banner, path) {
		t.Errorf("the banner does not name %s:\n%s", path, banner)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	key, _ := os.ReadFile(path)
	before := jwksKids(t, s)
	s.Stop(t)

	s = startServer(t, "dev", nil, "--db", filepath.Join(dir, "dev.db"))
	if after := jwksKids(t, s); !slices.Equal(before, after) {
		t.Errorf("kids after restart = %v, want %v", after, before)
	}
	if again, _ := os.ReadFile(path); string(again) != string(key) {
		t.Error("the restart made a new key-encryption key")
	}
}

// TestServePostgres runs serve on PostgreSQL: a restart with the same
// key-encryption key keeps the keys, another key stops the start with a
// message that says so.
func TestServePostgres(t *testing.T) {
	db := pgtest.URL(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "0123456789abcdef", "VIPPSLOGIN_KEY_ENCRYPTION_KEY": testKEK}
	s := startServer(t, "serve", env, "--db", db)
	before := jwksKids(t, s)
	if resp, body := s.get(t, "/readyz"); resp.StatusCode != 200 {
		t.Errorf("/readyz = %d %s", resp.StatusCode, body)
	}
	s.Stop(t)

	s = startServer(t, "serve", env, "--db", db)
	if after := jwksKids(t, s); len(before) != 2 || !slices.Equal(before, after) {
		t.Errorf("kids after restart = %v, want %v", after, before)
	}
	s.Stop(t)

	var stderr strings.Builder
	wrong := strings.Repeat("ab", 32)
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--key-encryption-key", wrong},
		func(k string) string { return env[k] }, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "key-encryption key is not the one the signing keys were encrypted with") {
		t.Errorf("serve with another key-encryption key: exit %d, stderr %q", code, stderr.String())
	}
}
