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

// TestRotateKeyEncryptionKey walks a rotation from key A to key B: B alone
// does not open A's keys; B with A as the previous key does, and Reseal
// moves them under B, after which B alone opens them, A no longer does,
// and the kids and the tokens signed before are unchanged.
func TestRotateKeyEncryptionKey(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Now()}
	path := filepath.Join(t.TempDir(), "keys.db")
	a, b := newKEK(t), newKEK(t)
	old := newManager(t, path, c)
	old.KeyEncryptionKey = a
	if err := old.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	before := kids(t, old)
	tok, err := old.Sign(ctx, ES256, jwt.Claims{Subject: "s"})
	if err != nil {
		t.Fatal(err)
	}

	newOnly := newManager(t, path, c)
	newOnly.KeyEncryptionKey = b
	if err := newOnly.Ensure(ctx); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Fatalf("Ensure with B alone over A's keys: err = %v, want %v", err, ErrWrongKeyEncryptionKey)
	}

	rotating := newManager(t, path, c)
	rotating.KeyEncryptionKey, rotating.PreviousKeyEncryptionKey = b, a
	if err := rotating.Ensure(ctx); err != nil {
		t.Fatalf("Ensure with B and previous A: %v", err)
	}
	if n, err := rotating.Reseal(ctx); n != 2 || err != nil {
		t.Fatalf("Reseal = %d, %v; want 2 keys re-encrypted", n, err)
	}
	if n, err := rotating.Reseal(ctx); n != 0 || err != nil {
		t.Errorf("a second Reseal = %d, %v; want 0: every key is under B already", n, err)
	}

	after := newManager(t, path, c)
	after.KeyEncryptionKey = b
	if err := after.Ensure(ctx); err != nil {
		t.Fatalf("Ensure with B alone after Reseal: %v", err)
	}
	if got := kids(t, after); !slices.Equal(got, before) {
		t.Errorf("kids after the rotation = %v, want %v", got, before)
	}
	set, _ := after.JWKS(ctx)
	if _, err := verify(t, tok, set); err != nil {
		t.Errorf("a token signed under A's keys does not verify after the rotation: %v", err)
	}
	if _, err := after.Sign(ctx, ES256, jwt.Claims{Subject: "s"}); err != nil {
		t.Errorf("Sign after the rotation: %v", err)
	}
	stale := newManager(t, path, c)
	stale.KeyEncryptionKey = a
	if err := stale.Ensure(ctx); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Errorf("Ensure with A alone after Reseal: err = %v, want %v", err, ErrWrongKeyEncryptionKey)
	}
}

// TestResealPlainKeys checks that Reseal encrypts keys stored in plain
// JSON from before key encryption, so that a copy of the database no
// longer holds them.
func TestResealPlainKeys(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Now()}
	path := filepath.Join(t.TempDir(), "keys.db")
	if err := newManager(t, path, c).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, path, c)
	m.KeyEncryptionKey = newKEK(t)
	if n, err := m.Reseal(ctx); n != 2 || err != nil {
		t.Fatalf("Reseal over plain keys = %d, %v; want 2", n, err)
	}
	stored, _ := m.Store.ListSigningKeys(ctx)
	for _, k := range stored {
		if !Encrypted(k) {
			t.Errorf("key %s is still plain after Reseal", k.ID)
		}
	}
	if err := m.Ensure(ctx); err != nil {
		t.Errorf("Ensure after Reseal: %v", err)
	}
}

// TestNeitherKeyEncryptionKey checks that a key that neither the current
// nor the previous key-encryption key opens is ErrWrongKeyEncryptionKey,
// saying that both were tried, and that Reseal then changes nothing.
func TestNeitherKeyEncryptionKey(t *testing.T) {
	ctx := t.Context()
	c := &clock{time.Now()}
	path := filepath.Join(t.TempDir(), "keys.db")
	m := newManager(t, path, c)
	m.KeyEncryptionKey = newKEK(t)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := m.Store.ListSigningKeys(ctx)

	wrong := newManager(t, path, c)
	wrong.KeyEncryptionKey, wrong.PreviousKeyEncryptionKey = newKEK(t), newKEK(t)
	err := wrong.Ensure(ctx)
	if !errors.Is(err, ErrWrongKeyEncryptionKey) || !strings.Contains(err.Error(), "nor is the previous one") {
		t.Errorf("Ensure with two wrong keys: err = %v, want %v saying neither opens it", err, ErrWrongKeyEncryptionKey)
	}
	if n, err := wrong.Reseal(ctx); n != 0 || !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Errorf("Reseal with two wrong keys = %d, %v; want 0, %v", n, err, ErrWrongKeyEncryptionKey)
	}
	if after, _ := m.Store.ListSigningKeys(ctx); !slices.EqualFunc(before, after, func(x, y store.SigningKey) bool {
		return bytes.Equal(x.PrivateJWK, y.PrivateJWK)
	}) {
		t.Error("a failed Reseal changed the stored keys")
	}
}
