package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vippslogin/vippslogin/internal/store"
)

func newKEK(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeyEncryptionKeySize)
	rand.Read(k)
	return k
}

// TestKeysEncryptedAtRest checks what reaches the store: no private JWK in
// plain JSON, and nothing of the private exponent in any form; and that a
// restart with the same key-encryption key signs with the same keys.
func TestKeysEncryptedAtRest(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "keys.db")
	kek := newKEK(t)
	m := newManager(t, path, c)
	m.KeyEncryptionKey = kek
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil || len(stored) != 2 {
		t.Fatalf("ListSigningKeys = %d keys, %v; want 2", len(stored), err)
	}
	for _, k := range stored {
		if !Encrypted(k) || bytes.HasPrefix(k.PrivateJWK, []byte("{")) || bytes.Contains(k.PrivateJWK, []byte(`"d"`)) {
			t.Errorf("key %s is stored as %.40q…; want it encrypted", k.ID, k.PrivateJWK)
		}
		jwk, err := m.parse(k)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := jwk.MarshalJSON()
		if bytes.Contains(k.PrivateJWK, plain) {
			t.Errorf("key %s: the stored bytes contain the plain JWK", k.ID)
		}
	}
	before := kids(t, m)
	tok, err := m.Sign(ctx, RS256, jwt.Claims{Subject: "s"})
	if err != nil {
		t.Fatal(err)
	}

	// A restart with the same key-encryption key, as two replicas would
	// share it: same kids, and the old token verifies.
	again := newManager(t, path, c)
	again.KeyEncryptionKey = slices.Clone(kek)
	if err := again.Ensure(ctx); err != nil {
		t.Fatalf("Ensure after restart: %v", err)
	}
	if after := kids(t, again); !slices.Equal(before, after) {
		t.Errorf("kids after restart = %v, want %v", after, before)
	}
	set, _ := again.JWKS(ctx)
	if _, err := verify(t, tok, set); err != nil {
		t.Errorf("a token signed before the restart does not verify: %v", err)
	}
}

// TestWrongKeyEncryptionKey checks that a start with another key, or with
// none, fails at Ensure with a message that says what is wrong.
func TestWrongKeyEncryptionKey(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Now()}
	path := filepath.Join(t.TempDir(), "keys.db")
	m := newManager(t, path, c)
	m.KeyEncryptionKey = newKEK(t)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}

	wrong := newManager(t, path, c)
	wrong.KeyEncryptionKey = newKEK(t)
	err := wrong.Ensure(ctx)
	if !errors.Is(err, ErrWrongKeyEncryptionKey) || !strings.Contains(err.Error(), "cannot decrypt signing key public:") {
		t.Errorf("Ensure with another key-encryption key: err = %v, want %v naming the key", err, ErrWrongKeyEncryptionKey)
	}
	none := newManager(t, path, c)
	if err := none.Ensure(ctx); err == nil || !strings.Contains(err.Error(), "no key-encryption key is set") {
		t.Errorf("Ensure without a key-encryption key: err = %v", err)
	}
	keys, _ := m.Store.ListSigningKeys(ctx)
	if len(keys) != 2 {
		t.Errorf("the failed starts left %d keys, want the 2 first ones", len(keys))
	}
}

// TestTamperedKey checks that the additional data binds a sealed key to its
// row: another row's ciphertext under this kid does not decrypt.
func TestTamperedKey(t *testing.T) {
	m := &Manager{KeyEncryptionKey: newKEK(t)}
	a := store.SigningKey{ID: "public:a", Algorithm: ES256}
	sealed, err := m.seal(a, []byte(`{"kid":"public:a"}`))
	if err != nil {
		t.Fatal(err)
	}
	b := store.SigningKey{ID: "public:b", Algorithm: ES256, PrivateJWK: sealed}
	if _, err := m.unseal(b); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Errorf("unseal of a moved ciphertext: err = %v", err)
	}
	a.PrivateJWK = sealed[:10]
	if _, err := m.unseal(a); err == nil {
		t.Error("unseal of a cut ciphertext succeeded")
	}
}

// TestLegacyPlainKeys checks that keys stored in plain JSON before
// encryption still load once a key-encryption key is set, and that new
// ones are encrypted.
func TestLegacyPlainKeys(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Now()}
	path := filepath.Join(t.TempDir(), "keys.db")
	if err := newManager(t, path, c).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, path, c)
	m.KeyEncryptionKey = newKEK(t)
	if err := m.Ensure(ctx); err != nil {
		t.Fatalf("Ensure over plain keys: %v", err)
	}
	if _, err := m.Sign(ctx, ES256, jwt.Claims{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := m.Store.ListSigningKeys(ctx)
	var encrypted int
	for _, k := range keys {
		if Encrypted(k) {
			encrypted++
		}
	}
	if len(keys) != 4 || encrypted != 2 {
		t.Errorf("%d keys, %d encrypted; want 4, the 2 rotated in encrypted", len(keys), encrypted)
	}
}
