package keys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Signing keys' private parts are encrypted at rest (AES-256-GCM) with the
// key-encryption key (--key-encryption-key), so that a copy of the database
// (a backup, a replica's disk) does not hold usable signing keys. A stored
// PrivateJWK is
//
//	"vlk1" || 12-byte nonce || ciphertext and tag
//
// sealed with the kid and algorithm as additional data, so that one row's
// key cannot be passed off as another's. A stored key that does not start
// with the marker is a plain JWK (JSON, so it starts with '{') from before
// encryption, or from a Manager given no key-encryption key.

// KeyEncryptionKeySize is the size of the key-encryption key: AES-256.
const KeyEncryptionKeySize = 32

// sealedMarker starts every encrypted PrivateJWK: the format's version.
var sealedMarker = []byte("vlk1")

// ErrWrongKeyEncryptionKey means a stored signing key does not decrypt
// with the configured key-encryption key, nor with the previous one when
// one is set: it was stored with another one, or the row was tampered with.
var ErrWrongKeyEncryptionKey = errors.New("the key-encryption key is not the one the signing keys were encrypted with")

// newAEAD is AES-256-GCM under kek.
func newAEAD(kek []byte) (cipher.AEAD, error) {
	if len(kek) != KeyEncryptionKeySize {
		return nil, fmt.Errorf("keys: a key-encryption key is %d bytes; want %d", len(kek), KeyEncryptionKeySize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additionalData binds a sealed key to its row.
func additionalData(k store.SigningKey) []byte {
	return []byte(k.ID + "\x00" + k.Algorithm)
}

// seal returns the private JWK as it is stored: encrypted under the
// current key-encryption key, or as it is when the manager has none.
func (m *Manager) seal(k store.SigningKey, jwk []byte) ([]byte, error) {
	if m.KeyEncryptionKey == nil {
		return jwk, nil
	}
	aead, err := newAEAD(m.KeyEncryptionKey)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(sealedMarker)+aead.NonceSize(), len(sealedMarker)+aead.NonceSize()+len(jwk)+aead.Overhead())
	copy(out, sealedMarker)
	nonce := out[len(sealedMarker):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(out, nonce, jwk, additionalData(k)), nil
}

// unseal returns the private JWK of a stored key, decrypting it if it is
// sealed. A plain (legacy) one is returned as it is.
func (m *Manager) unseal(k store.SigningKey) ([]byte, error) {
	jwk, _, err := m.open(k)
	return jwk, err
}

// open is unseal that also reports whether k is sealed under the current
// key-encryption key. During a rotation of that key (Reseal), a key still
// sealed under the previous one opens too, so that the server starts and
// signs while the keys are moved over.
func (m *Manager) open(k store.SigningKey) (jwk []byte, current bool, err error) {
	sealed, ok := bytes.CutPrefix(k.PrivateJWK, sealedMarker)
	if !ok {
		return k.PrivateJWK, false, nil
	}
	if m.KeyEncryptionKey == nil && m.PreviousKeyEncryptionKey == nil {
		return nil, false, fmt.Errorf("keys: signing key %s is encrypted, and no key-encryption key is set (--key-encryption-key)", k.ID)
	}
	for i, kek := range [][]byte{m.KeyEncryptionKey, m.PreviousKeyEncryptionKey} {
		if kek == nil {
			continue
		}
		aead, err := newAEAD(kek)
		if err != nil {
			return nil, false, err
		}
		if len(sealed) < aead.NonceSize()+aead.Overhead() {
			return nil, false, fmt.Errorf("keys: signing key %s: the stored ciphertext is cut short", k.ID)
		}
		nonce, ciphertext := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
		if jwk, err := aead.Open(nil, nonce, ciphertext, additionalData(k)); err == nil {
			return jwk, i == 0, nil
		}
	}
	if m.PreviousKeyEncryptionKey != nil {
		return nil, false, fmt.Errorf("keys: cannot decrypt signing key %s: %w, nor is the previous one", k.ID, ErrWrongKeyEncryptionKey)
	}
	return nil, false, fmt.Errorf("keys: cannot decrypt signing key %s: %w", k.ID, ErrWrongKeyEncryptionKey)
}

// Reseal re-encrypts under the current key-encryption key every stored key
// that is not sealed under it: one sealed under PreviousKeyEncryptionKey,
// or a plain one from before encryption. It is the key-encryption key's
// rotation: once it has run, the current key alone opens every stored key.
// The keys keep their kids, so the published set and the tokens signed
// before do not change. It returns how many keys it re-encrypted.
func (m *Manager) Reseal(ctx context.Context) (int, error) {
	if m.KeyEncryptionKey == nil {
		return 0, errors.New("keys: no key-encryption key to re-encrypt the signing keys under")
	}
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range stored {
		jwk, current, err := m.open(k)
		if err != nil {
			return n, err
		}
		if current {
			continue
		}
		sealed, err := m.seal(k, jwk)
		if err != nil {
			return n, fmt.Errorf("keys: encrypt signing key %s: %w", k.ID, err)
		}
		if err := m.Store.ResealSigningKey(ctx, k.ID, sealed); err != nil {
			return n, fmt.Errorf("keys: re-encrypt signing key %s: %w", k.ID, err)
		}
		n++
	}
	return n, nil
}

// Encrypted reports whether a stored key's private part is encrypted.
func Encrypted(k store.SigningKey) bool {
	return bytes.HasPrefix(k.PrivateJWK, sealedMarker)
}
