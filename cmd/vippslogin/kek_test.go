package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

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

// TestRotateKeyEncryptionKey rotates a database's key-encryption key from
// A to B as the operations guide says: B alone does not start and says how
// to rotate; B with A as the previous key starts, re-encrypts the keys and
// says so, and signs with the same keys; then B alone starts, and A alone
// no longer does.
func TestRotateKeyEncryptionKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	a, b := randomKEK(), randomKEK()
	args := func(kv ...string) []string { return append([]string{"--db", db, "--seed", exampleSeed}, kv...) }
	s := startServerLogging(t, io.Discard, args("--key-encryption-key", a)...)
	before := jwksKids(t, s)
	s.Stop(t)

	startFails := func(name, want string, kv ...string) {
		t.Helper()
		var stderr strings.Builder
		code := run(context.Background(), append([]string{"dev", "--addr", "127.0.0.1:0"}, args(kv...)...),
			func(string) string { return "" }, io.Discard, &stderr)
		if got := stderr.String(); code != 1 || strings.Count(got, "\n") != 1 || !strings.Contains(got, want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and one line with %q", name, code, got, want)
		}
	}
	startFails("B alone over A's keys",
		"the key-encryption key is not the one the signing keys were encrypted with; give the one they were stored with as --key-encryption-key (or VIPPSLOGIN_KEY_ENCRYPTION_KEY), or, to rotate to this one, the old one as --previous-key-encryption-key\n",
		"--key-encryption-key", b)
	startFails("B with a wrong previous key",
		"nor is the previous one; give the one they were stored with as --previous-key-encryption-key",
		"--key-encryption-key", b, "--previous-key-encryption-key", randomKEK())

	logs := &lockedBuffer{}
	s = startServerLogging(t, logs, args("--key-encryption-key", b, "--previous-key-encryption-key", a)...)
	const resealed = `msg="signing keys re-encrypted under the new key-encryption key; --previous-key-encryption-key can go once every replica runs with the new one" keys=2`
	if !strings.Contains(logs.String(), resealed) {
		t.Errorf("the start with B and previous A logged\n%s\nwant %q", logs.String(), resealed)
	}
	signsWith(t, s, before)
	s.Stop(t)

	logs = &lockedBuffer{}
	s = startServerLogging(t, logs, args("--key-encryption-key", b)...)
	if strings.Contains(logs.String(), "re-encrypted") { // the line is only logged during a rotation
		t.Errorf("a start without a previous key re-encrypted keys:\n%s", logs.String())
	}
	signsWith(t, s, before)
	s.Stop(t)

	startFails("A alone after the rotation", "the key-encryption key is not the one", "--key-encryption-key", a)
}

// signsWith checks that s publishes the keys kids and no other, and that a
// login's ID token is signed with one of them.
func signsWith(t *testing.T, s *testServer, kids []string) {
	t.Helper()
	if got := jwksKids(t, s); len(kids) != 2 || !slices.Equal(got, kids) {
		t.Errorf("kids = %v, want %v", got, kids)
	}
	idToken := seededCIBALogin(t, s)
	keySet := oidc.NewRemoteKeySet(t.Context(), s.BaseURL+"/access-management-1.0/access/.well-known/jwks.json")
	if _, err := keySet.VerifySignature(t.Context(), idToken); err != nil {
		t.Errorf("the ID token does not verify against the JWKS: %v", err)
	}
	sig, err := jose.ParseSignedCompact(idToken, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if kid := sig.Signatures[0].Header.KeyID; !slices.Contains(kids, kid) {
		t.Errorf("the ID token is signed with %q, not one of %v", kid, kids)
	}
}
